import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

/// `/api/graph`: grouping by name scope, collapsed edges, the layout's properties, and the answer
/// with every scope expanded against what TensorBoard's own loader reads
/// (`scripts/make_graph_goldens.py` → `fixtures/graphs/*.golden.json`).
@Suite struct GraphViewTests {
    static let fixtures = Repository.path("fixtures")

    // MARK: - Helpers

    static func node(
        _ name: String, _ op: String, _ inputs: [String] = [], device: String = "", shapes: [[Int64]]? = nil
    ) -> NodeDef {
        var node = NodeDef()
        node.name = name
        node.op = op
        node.input = inputs
        node.device = device
        if let shapes {
            var list = AttrValue()
            list.list.shape = shapes.map(shape)
            node.attr["_output_shapes"] = list
        }
        return node
    }

    static func graphDef(_ nodes: [NodeDef]) -> GraphDef {
        var graph = GraphDef()
        graph.node = nodes
        return graph
    }

    static func snapshot(_ runs: [String: GraphDef]) throws -> BoardSnapshot {
        var data: [String: RunData] = [:]
        for (name, graph) in runs {
            var event = Event()
            event.graphDef = try graph.serializedData()
            var run = RunData()
            run.add(event)
            data[name] = run
        }
        return BoardSnapshot(runs: data)
    }

    /// The answer for `graph` as parsed JSON.
    static func answer(_ graph: GraphDef, expand: [String] = []) throws -> [String: Any] {
        let snapshot = try snapshot(["run": graph])
        let response = BoardAPI.respond(
            endpoint: "graph", parameters: ["run": "run", "expand": expand.joined(separator: ",")], snapshot: snapshot)
        #expect(response.status == 200, "\(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    struct Box {
        var x, y, width, height: Double
        init(_ json: [String: Any]) {
            x = json["x"] as? Double ?? .nan
            y = json["y"] as? Double ?? .nan
            width = json["width"] as? Double ?? .nan
            height = json["height"] as? Double ?? .nan
        }
        func overlaps(_ other: Box) -> Bool {
            x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
        }
        func contains(_ other: Box) -> Bool {
            other.x >= x && other.y >= y && other.x + other.width <= x + width && other.y + other.height <= y + height
        }
    }

    /// Every scope of a set of op names: each prefix before a "/" (not at the start).
    static func scopes(of names: [String]) -> Set<String> {
        var out = Set<String>()
        for name in names {
            var i = name.index(name.startIndex, offsetBy: 1, limitedBy: name.endIndex) ?? name.endIndex
            while let slash = name[i...].firstIndex(of: "/") {
                out.insert(String(name[..<slash]))
                i = name.index(after: slash)
            }
        }
        return out
    }

    /// Checks what any answer must satisfy: the visible nodes are exactly the ops and scopes the
    /// expansion leaves visible (computed here from the names alone), boxes don't overlap, sit
    /// inside their scope's box and the total size, and every edge goes down between the two
    /// boxes it joins in their innermost common scope, unless that pair lies on a cycle there.
    static func checkProperties(_ answer: [String: Any], ops: [String], expandedScopes: Set<String>, acyclic: Bool)
        throws
    {
        let nodes = try #require(answer["nodes"] as? [[String: Any]])
        let scopeBoxes = try #require(answer["scopes"] as? [[String: Any]])
        let edges = try #require(answer["edges"] as? [[String: Any]])
        let allScopes = scopes(of: ops)

        // The enclosing scopes of an op, outermost first (an op named like a scope sits in it).
        func chain(_ name: String) -> [String] {
            var out = scopes(of: [name]).sorted { $0.count < $1.count }
            if allScopes.contains(name) { out.append(name) }
            return out
        }
        var expected = Set<String>()
        for op in ops {
            expected.insert(chain(op).first { !expandedScopes.contains($0) } ?? op)
        }
        let names = nodes.compactMap { $0["name"] as? String }
        #expect(names.count == nodes.count && Set(names).count == names.count, "node names are unique")
        #expect(Set(names) == expected)
        #expect(Set(scopeBoxes.compactMap { $0["name"] as? String }) == expandedScopes)
        #expect(Set(try #require(answer["expanded"] as? [String])) == expandedScopes)

        let total = Box([
            "x": 0.0, "y": 0.0, "width": answer["width"] as? Double ?? 0, "height": answer["height"] as? Double ?? 0,
        ])
        var box: [String: Box] = [:]  // nodes by name
        var scopeBox: [String: Box] = [:]
        for n in nodes { box[n["name"] as? String ?? ""] = Box(n) }
        for s in scopeBoxes { scopeBox[s["name"] as? String ?? ""] = Box(s) }
        let nodeBoxes = nodes.map(Box.init)
        // Overlaps: boxes sorted by top, each compared with those starting above its bottom.
        let byTop = nodeBoxes.indices.sorted { nodeBoxes[$0].y < nodeBoxes[$1].y }
        for (k, i) in byTop.enumerated() {
            for j in byTop[(k + 1)...] {
                if nodeBoxes[j].y >= nodeBoxes[i].y + nodeBoxes[i].height { break }
                if nodeBoxes[i].overlaps(nodeBoxes[j]) { Issue.record("\(names[i]) overlaps \(names[j])") }
            }
        }
        for (i, a) in nodeBoxes.enumerated() {
            #expect(total.contains(a), "\(names[i]) inside the layout")
            #expect(a.width > 0 && a.height > 0)
            let parent = nodes[i]["parent"] as? String ?? "?"
            if !parent.isEmpty {
                #expect(scopeBox[parent]?.contains(a) == true, "\(names[i]) inside \(parent)")
            }
            for (s, b) in scopeBox where a.overlaps(b) && !(b.contains(a)) {
                Issue.record("\(names[i]) overlaps scope \(s)")
            }
        }
        for s in scopeBoxes {
            let name = s["name"] as? String ?? ""
            let parent = s["parent"] as? String ?? "?"
            #expect(total.contains(Box(s)))
            if !parent.isEmpty { #expect(scopeBox[parent]?.contains(Box(s)) == true, "\(name) inside \(parent)") }
            for (other, b) in scopeBox where other != name && Box(s).overlaps(b) {
                #expect(b.contains(Box(s)) || Box(s).contains(b), "scopes \(name) and \(other) overlap")
            }
        }

        // Container chains: "" → scopes → the node; the two items an edge joins are the first
        // elements after the common prefix.
        var parentOf: [String: String] = [:]
        for s in scopeBoxes {
            parentOf["scope:" + (s["name"] as? String ?? "")] = "scope:" + (s["parent"] as? String ?? "")
        }
        for n in nodes { parentOf["node:" + (n["name"] as? String ?? "")] = "scope:" + (n["parent"] as? String ?? "") }
        func path(_ item: String) -> [String] {
            var out = [item]
            while let p = parentOf[out[0]], out.count < 1000 { out.insert(p, at: 0) }
            return out
        }
        func itemBox(_ item: String) -> Box? {
            item.hasPrefix("node:") ? box[String(item.dropFirst(5))] : scopeBox[String(item.dropFirst(6))]
        }
        var itemEdges: [(String, String)] = []
        for e in edges {
            let a = path("node:" + (e["source"] as? String ?? "")), b = path("node:" + (e["target"] as? String ?? ""))
            var k = 0
            while k < a.count && k < b.count && a[k] == b[k] { k += 1 }
            guard k < a.count, k < b.count else {
                Issue.record("edge inside one item: \(e)")
                continue
            }
            itemEdges.append((a[k], b[k]))
        }
        var successors: [String: [String]] = [:]
        for (a, b) in itemEdges { successors[a, default: []].append(b) }
        func reaches(_ from: String, _ to: String) -> Bool {
            var seen: Set<String> = [from], stack = [from]
            while let x = stack.popLast() {
                if x == to { return true }
                for y in successors[x] ?? [] where seen.insert(y).inserted { stack.append(y) }
            }
            return false
        }
        for (a, b) in itemEdges {
            let (boxA, boxB) = (try #require(itemBox(a)), try #require(itemBox(b)))
            if boxB.y < boxA.y + boxA.height {
                #expect(!acyclic && reaches(b, a), "edge \(a) → \(b) goes up without closing a cycle")
            }
        }
    }

    // MARK: - Grouping and collapsed edges

    static let small = graphDef([
        node("input/x", "Placeholder", shapes: [[-1, 784]]),
        node("layer1/weights", "VarHandleOp", shapes: [[]]),
        node(
            "layer1/weights/read", "ReadVariableOp", ["layer1/weights"], device: "/device:CPU:0", shapes: [[784, 64]]),
        node(
            "layer1/MatMul", "MatMul", ["input/x", "layer1/weights/read"], device: "/device:CPU:0", shapes: [[-1, 64]]),
        node("layer1/Relu", "Relu", ["layer1/MatMul"], device: "/device:CPU:0", shapes: [[-1, 64]]),
        node("layer2/dense/kernel", "Const", device: "/device:GPU:0", shapes: [[64, 10]]),
        node(
            "layer2/dense/MatMul", "MatMul", ["layer1/Relu", "layer2/dense/kernel"], device: "/device:GPU:0",
            shapes: [[-1, 10]]),
        node("layer2/dense/Shape", "Shape", ["layer1/Relu:0"], device: "/device:GPU:0", shapes: [[2]]),
        node("layer2/softmax", "Softmax", ["layer2/dense/MatMul"], shapes: [[-1, 10], [-1]]),
        node("loss", "Mean", ["layer2/softmax:1", "layer2/dense/Shape"], shapes: [[]]),
        node("train", "NoOp", ["^layer1/weights", "^loss", "^layer2/dense/kernel", "missing/op"]),
    ])

    @Test func scopesCollapseWithTheirCounts() throws {
        let a = try Self.answer(Self.small)
        #expect(a["run"] as? String == "run" && a["ops"] as? Int == 11)
        #expect(a["expanded"] as? [String] == [])
        let nodes = try #require(a["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == ["input", "layer1", "layer2", "loss", "train"])
        let byName = Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["layer1"]?["op"] as? String == "scope")
        // layer1: direct members the scope weights (op + read) and MatMul, Relu; 4 ops in all.
        #expect(byName["layer1"]?["children"] as? Int == 3 && byName["layer1"]?["ops"] as? Int == 4)
        #expect(byName["layer2"]?["children"] as? Int == 2 && byName["layer2"]?["ops"] as? Int == 4)
        #expect(byName["input"]?["children"] as? Int == 1 && byName["input"]?["ops"] as? Int == 1)
        #expect(byName["loss"]?["op"] as? String == "Mean" && byName["loss"]?["children"] == nil)
        // A scope's device is its ops' common one, or "" when they differ.
        #expect(byName["layer1"]?["device"] as? String == "" && byName["input"]?["device"] as? String == "")
        #expect(byName["layer1"]?["inputs"] as? [String] == ["input"])
        #expect(byName["layer2"]?["inputs"] as? [String] == ["layer1"])
        #expect(byName["loss"]?["inputs"] as? [String] == ["layer2"])
        #expect(byName["train"]?["inputs"] as? [String] == ["layer1", "loss", "layer2"])
        #expect(byName["loss"]?["outputShapes"] as? [[Int]] == [[]])
        #expect(
            byName["layer1"]?["outputShapes"] as? [Any] != nil
                && (byName["layer1"]?["outputShapes"] as? [Any])?.isEmpty == true)

        let edges = try #require(a["edges"] as? [[String: Any]])
        func edge(_ s: String, _ t: String, control: Bool = false) -> [String: Any]? {
            edges.first {
                $0["source"] as? String == s && $0["target"] as? String == t && $0["control"] as? Bool == control
            }
        }
        #expect(edges.count == 6)
        #expect(
            edge("input", "layer1")?["count"] as? Int == 1 && edge("input", "layer1")?["shape"] as? String == "?×784")
        // Two inputs of the same shape from layer1/Relu (one written "layer1/Relu:0") become one edge.
        #expect(
            edge("layer1", "layer2")?["count"] as? Int == 2 && edge("layer1", "layer2")?["shape"] as? String == "?×64")
        // layer2/softmax:1 and layer2/dense/Shape differ in shape: the collapsed edge has none.
        #expect(edge("layer2", "loss")?["count"] as? Int == 2 && edge("layer2", "loss")?["shape"] is NSNull)
        #expect(edge("layer1", "train", control: true)?["count"] as? Int == 1)
        #expect(edge("layer1", "train", control: true)?["shape"] is NSNull)
        #expect(edge("loss", "train", control: true) != nil && edge("layer2", "train", control: true) != nil)
        try Self.checkProperties(a, ops: Self.small.node.map(\.name), expandedScopes: [], acyclic: true)
    }

    @Test func searchFindsOpsAtAnyDepthWithTheScopeToExpand() throws {
        let snapshot = try Self.snapshot(["run": Self.small])
        let response = BoardAPI.respond(
            endpoint: "graph", parameters: ["run": "run", "search": "MATMUL"], snapshot: snapshot)
        let a = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(a["total"] as? Int == 2)
        let matches = try #require(a["matches"] as? [[String: String]])
        #expect(
            matches == [
                ["name": "layer1/MatMul", "op": "MatMul", "scope": "layer1"],
                ["name": "layer2/dense/MatMul", "op": "MatMul", "scope": "layer2/dense"],
            ])
        let top = BoardAPI.respond(endpoint: "graph", parameters: ["run": "run", "search": "loss"], snapshot: snapshot)
        #expect(top.text.contains(#""scope":"""#))
        let empty = BoardAPI.respond(endpoint: "graph", parameters: ["run": "run", "search": ""], snapshot: snapshot)
        #expect(empty.status == 400)
    }

    @Test func expandingAScopeExpandsItsAncestors() throws {
        let a = try Self.answer(Self.small, expand: ["layer2/dense", "no/such/scope", "layer1/weights/read"])
        #expect(a["expanded"] as? [String] == ["layer2", "layer2/dense"])
        let nodes = try #require(a["nodes"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: nodes.map { ($0["name"] as? String ?? "", $0) })
        #expect(
            Set(byName.keys) == [
                "input", "layer1", "layer2/dense/kernel", "layer2/dense/MatMul", "layer2/dense/Shape", "layer2/softmax",
                "loss", "train",
            ])
        #expect(byName["layer2/dense/MatMul"]?["parent"] as? String == "layer2/dense")
        #expect(byName["layer2/softmax"]?["parent"] as? String == "layer2")
        #expect(byName["loss"]?["parent"] as? String == "")
        #expect(byName["layer2/dense/MatMul"]?["inputs"] as? [String] == ["layer1", "layer2/dense/kernel"])
        #expect(byName["layer2/dense/MatMul"]?["device"] as? String == "/device:GPU:0")
        #expect(byName["layer2/softmax"]?["outputShapes"] as? [[Int]] == [[-1, 10], [-1]])
        let scopes = try #require(a["scopes"] as? [[String: Any]])
        #expect(scopes.map { $0["name"] as? String } == ["layer2", "layer2/dense"])
        #expect(scopes.map { $0["parent"] as? String } == ["", "layer2"])
        #expect(scopes.map { $0["ops"] as? Int } == [4, 3] && scopes.map { $0["children"] as? Int } == [2, 3])
        let edges = try #require(a["edges"] as? [[String: Any]])
        let loss = edges.filter { $0["target"] as? String == "loss" }
        #expect(loss.map { $0["source"] as? String } == ["layer2/softmax", "layer2/dense/Shape"])
        #expect(loss.map { $0["shape"] as? String } == ["?", "2"])
        try Self.checkProperties(
            a, ops: Self.small.node.map(\.name), expandedScopes: ["layer2", "layer2/dense"], acyclic: true)
    }

    @Test func anOpNamedLikeAScopeSitsInIt() throws {
        let collapsed = try Self.answer(Self.small, expand: ["layer1"])
        let nodes = try #require(collapsed["nodes"] as? [[String: Any]])
        let weights = try #require(nodes.first { $0["name"] as? String == "layer1/weights" })
        #expect(weights["op"] as? String == "scope" && weights["ops"] as? Int == 2 && weights["children"] as? Int == 2)
        let open = try Self.answer(Self.small, expand: ["layer1/weights"])
        let openNodes = try #require(open["nodes"] as? [[String: Any]])
        let op = try #require(openNodes.first { $0["name"] as? String == "layer1/weights" })
        #expect(op["op"] as? String == "VarHandleOp" && op["parent"] as? String == "layer1/weights")
        try Self.checkProperties(
            open, ops: Self.small.node.map(\.name), expandedScopes: ["layer1", "layer1/weights"], acyclic: true)
    }

    @Test func everyExpansionOfTheSmallGraphKeepsTheLayoutProperties() throws {
        let names = Self.small.node.map(\.name)
        let all = Self.scopes(of: names).sorted()
        for mask in 0..<(1 << all.count) {
            let chosen = all.indices.filter { mask & (1 << $0) != 0 }.map { all[$0] }
            // The closure under ancestors is what gets expanded.
            let closed = Set(chosen.flatMap { name in Self.scopes(of: [name]).union([name]) })
            let a = try Self.answer(Self.small, expand: chosen)
            try Self.checkProperties(a, ops: names, expandedScopes: closed, acyclic: true)
        }
    }

    @Test func cyclesAndOddNamesNeverFail() throws {
        let graph = Self.graphDef([
            Self.node("loop/a", "Merge", ["loop/c", "entry"]),
            Self.node("loop/b", "Add", ["loop/a", "loop/b"]),  // self-loop
            Self.node("loop/c", "NextIteration", ["loop/b:3"]),
            Self.node("entry", "Const", []),
            Self.node("exit", "Exit", ["loop/c", "^loop/a"]),
            Self.node("other/x", "Identity", ["exit"]),
            Self.node("back", "Identity", ["other/x"]),
            Self.node("entry2", "Identity", ["back"]),
            Self.node("other/y", "Identity", ["entry2"]),  // other → back → entry2 → other: a cycle of scopes
            Self.node("a//b", "Identity", ["/lead"]), Self.node("/lead", "Const"), Self.node("trail/", "Const"),
            Self.node("x:1", "Const"), Self.node("weird", "Identity", ["x:1", "^", ":", "x:1:1", "x:99999999999999"]),
            Self.node("entry", "Const", ["dup"]),  // a duplicate name: the first is kept
            Self.node("", "Const"),
        ])
        let names = [
            "loop/a", "loop/b", "loop/c", "entry", "exit", "other/x", "back", "entry2", "other/y",
            "a//b", "/lead", "trail/", "x:1", "weird", "",
        ]
        let parsed = try OpGraph(serializedGraphDef: graph.serializedData())
        #expect(parsed.operationCount == names.count && parsed.duplicateOps == 1)
        // "x:1" is output 1 of a missing "x"; ":" and "x:99999999999999" name no op; "^" is a control
        // input from the op named "" and "x:1:1" output 1 of "x:1"; "dup" belongs to a dropped duplicate.
        #expect(parsed.missingInputs == 3)
        for expand in [[], ["loop"], ["other"], ["loop", "other", "a", "a/", "trail"]] {
            let a = try Self.answer(graph, expand: expand)
            let closed = Set(expand).intersection(Self.scopes(of: names))
            try Self.checkProperties(a, ops: names, expandedScopes: closed, acyclic: false)
        }
        let loop = try Self.answer(graph, expand: ["loop"])
        let edges = try #require(loop["edges"] as? [[String: Any]])
        #expect(edges.contains { $0["source"] as? String == "loop/c" && $0["target"] as? String == "loop/a" })
        #expect(!edges.contains { $0["source"] as? String == $0["target"] as? String })
        // Output 3 of loop/b has no recorded shape.
        #expect(
            edges.first { $0["source"] as? String == "loop/b" && $0["target"] as? String == "loop/c" }?["shape"]
                is NSNull)
    }

    @Test func parsesInputNames() {
        #expect(OpGraph.parseInput("^a/b") == ("a/b", 0, true))
        #expect(OpGraph.parseInput("a/b:2") == ("a/b", 2, false))
        #expect(OpGraph.parseInput("^a:1") == ("a", 1, true))
        #expect(OpGraph.parseInput("a:b") == ("a:b", 0, false))
        #expect(OpGraph.parseInput("a:") == ("a:", 0, false))
        #expect(OpGraph.scopePrefixes("a/b/c") == ["a", "a/b"])
        #expect(OpGraph.scopePrefixes("/a/b") == ["/a"])
        #expect(OpGraph.scopePrefixes("a") == [])
    }

    // MARK: - Attrs

    @Test func attrsAreSummarized() throws {
        var big = TensorProto()
        big.dtype = .dtFloat
        big.tensorShape = Self.shape([1000, 1000])
        big.tensorContent = Data(count: 4_000_000)
        var scalar = TensorProto()
        scalar.dtype = .dtFloat
        scalar.floatVal = [0.01]
        var ints = TensorProto()
        ints.dtype = .dtInt32
        ints.tensorShape = Self.shape([3])
        ints.tensorContent = Data([1, 0, 0, 0, 255, 255, 255, 255, 7, 0, 0, 0])
        var node = Self.node("c", "Const", shapes: [[1000, 1000]])
        func attr(_ set: (inout AttrValue) -> Void) -> AttrValue {
            var a = AttrValue()
            set(&a)
            return a
        }
        node.attr["value"] = attr { $0.tensor = big }
        node.attr["small"] = attr { $0.tensor = scalar }
        node.attr["ints"] = attr { $0.tensor = ints }
        node.attr["dtype"] = attr { $0.type = .dtFloat }
        node.attr["ref"] = attr { $0.type = .dtInt32Ref }
        node.attr["strange"] = attr { $0.type = .UNRECOGNIZED(77) }
        node.attr["shape"] = attr { $0.shape = Self.shape([-1, 3]) }
        node.attr["rank"] = attr {
            var s = TensorShapeProto(); s.unknownRank = true; $0.shape = s
        }
        node.attr["f"] = attr { $0.f = 0.1 }
        node.attr["nan"] = attr { $0.f = .nan }
        node.attr["flag"] = attr { $0.b = true }
        node.attr["n"] = attr { $0.i = -5 }
        node.attr["label"] = attr { $0.s = Data(String(repeating: "é", count: 300).utf8) }
        node.attr["raw"] = attr { $0.s = Data([0xFF, 0xFE]) }
        node.attr["list"] = attr { $0.list.i = Array(0..<100) }
        node.attr["types"] = attr { $0.list.type = [.dtFloat, .dtBool] }
        node.attr["fn"] = attr { $0.func.name = "body" }
        node.attr["none"] = AttrValue()
        let a = try Self.answer(Self.graphDef([node]))
        let n = try #require((a["nodes"] as? [[String: Any]])?.first)
        let attrs = try #require(n["attrs"] as? [String: Any])
        #expect(attrs["_output_shapes"] == nil)
        #expect(n["outputShapes"] as? [[Int]] == [[1000, 1000]])
        let value = try #require(attrs["value"] as? [String: Any])
        #expect(
            value["dtype"] as? String == "DT_FLOAT" && value["shape"] as? [Int] == [1000, 1000]
                && value["values"] == nil)
        #expect((attrs["small"] as? [String: Any])?["values"] as? [Double] == [0.01])
        #expect((attrs["small"] as? [String: Any])?["shape"] as? [Int] == [])
        #expect((attrs["ints"] as? [String: Any])?["values"] as? [Int] == [1, -1, 7])
        #expect(attrs["dtype"] as? String == "DT_FLOAT" && attrs["ref"] as? String == "DT_INT32_REF")
        #expect(attrs["strange"] as? String == "DT_77")
        #expect(attrs["shape"] as? [Int] == [-1, 3] && attrs["rank"] is NSNull)
        #expect(attrs["f"] as? Double == 0.1 && attrs["nan"] as? String == "NaN")  // the non-finite rule
        #expect(attrs["flag"] as? Bool == true && attrs["n"] as? Int == -5)
        #expect(attrs["label"] as? String == String(repeating: "é", count: 256) + "…")
        #expect(attrs["raw"] as? String == "<2 bytes>")
        let list = try #require(attrs["list"] as? [Any])
        #expect(
            list.count == 65 && list.prefix(64).compactMap { $0 as? Int } == Array(0..<64)
                && list.last as? String == "… 36 more")
        #expect(attrs["types"] as? [String] == ["DT_FLOAT", "DT_BOOL"])
        #expect((attrs["fn"] as? [String: Any])?["func"] as? String == "body")
        #expect(attrs["none"] is NSNull)
        #expect(Array((n["attrs"] as? [String: Any] ?? [:]).keys).count == 18)
    }

    static func shape(_ dims: [Int64]) -> TensorShapeProto {
        var shape = TensorShapeProto()
        shape.dim = dims.map { size in
            var d = TensorShapeProto.Dim()
            d.size = size
            return d
        }
        return shape
    }

    // MARK: - Errors

    @Test func badRequestsAreClearErrors() throws {
        var meta = RunData()
        var garbage = Event()
        garbage.graphDef = Data([0xFF, 0xFF, 0xFF])
        meta.add(garbage)
        var scalarsOnly = RunData()
        scalarsOnly.add(serializedEvent: EventBytes.scalar("loss", step: 0, value: 1))
        var badMeta = RunData()
        var badMetaEvent = Event()
        badMetaEvent.metaGraphDef = Data([0x12, 0x05, 0x01])  // a length past the end
        badMeta.add(badMetaEvent)
        var snapshot = try Self.snapshot(["ok": Self.small])
        snapshot.runs["broken"] = meta
        snapshot.runs["scalars"] = scalarsOnly
        snapshot.runs["badmeta"] = badMeta
        func check(_ q: [String: String], _ status: Int, _ words: String) {
            let r = BoardAPI.respond(endpoint: "graph", parameters: q, snapshot: snapshot)
            #expect(r.status == status, "\(q)")
            let json = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
            let message = json?["error"] as? String ?? ""
            #expect(message.contains(words), "\(q): \(message)")
        }
        check([:], 400, "missing parameter 'run'")
        check(["run": ""], 400, "missing parameter 'run'")
        check(["run": "nope"], 404, "no run named 'nope'")
        check(["run": "scalars"], 404, "run 'scalars' has no graph")
        check(["run": "broken"], 404, "no readable graph")
        check(["run": "badmeta"], 404, "MetaGraphDef")
        check(["run": "ok", "expand": "layer1,,layer2"], 400, "empty scope name at position 2")
        check(["run": "ok", "expand": "layer1,"], 400, "empty scope name")
        check(["run": "ok", "expand": ",layer1"], 400, "empty scope name at position 1")
        check(["run": "ok", "expand": "a\u{1}b"], 400, "control character")
        check(["run": "ok", "expand": String(repeating: "a", count: 2000)], 400, "2000 bytes")
        check(["run": "ok", "expand": String(repeating: "a,", count: 100_001) + "a"], 400, "at most 100000")
        #expect(
            BoardAPI.respond(endpoint: "graph", parameters: ["run": "ok", "expand": ""], snapshot: snapshot).status
                == 200)
        #expect(BoardAPI.endpoints.contains("graph"))
    }

    @Test func anEmptyGraphIsAnEmptyLayout() throws {
        let a = try Self.answer(GraphDef())
        #expect(
            a["ops"] as? Int == 0 && (a["nodes"] as? [Any])?.isEmpty == true && (a["edges"] as? [Any])?.isEmpty == true)
        #expect(
            a["width"] as? Double == 2 * GraphView.Metrics.margin
                && a["height"] as? Double == 2 * GraphView.Metrics.margin)
    }

    @Test func randomBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        let valid = try Self.small.serializedData()
        for trial in 0..<300 {
            var bytes = [UInt8](valid)
            if trial % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                for _ in 0..<4 {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
            }
            var run = RunData()
            var event = Event()
            if trial % 3 == 0 { event.metaGraphDef = Data(bytes) } else { event.graphDef = Data(bytes) }
            run.add(event)
            let r = BoardAPI.respond(
                endpoint: "graph", parameters: ["run": "r\(trial)", "expand": "layer1,layer2/dense"],
                snapshot: BoardSnapshot(runs: ["r\(trial)": run]))
            #expect(r.status == 200 || r.status == 404, "\(r.text)")
        }
    }

    // MARK: - Meta graphs

    @Test func metaGraphOnlyRunsUseItsGraphDef() throws {
        var meta = Data([0x0A, 0x02, 0x08, 0x01])  // meta_info_def, skipped
        let graph = try Self.small.serializedData()
        meta.append(0x12)
        var length = graph.count
        while length >= 0x80 {
            meta.append(UInt8(length & 0x7F) | 0x80)
            length >>= 7
        }
        meta.append(UInt8(length))
        meta.append(graph)
        meta.append(contentsOf: [0x2A, 0x00])  // an empty signature_def-like field
        var run = RunData()
        var event = Event()
        event.metaGraphDef = meta
        run.add(event)
        let r = BoardAPI.respond(endpoint: "graph", parameters: ["run": "m"], snapshot: BoardSnapshot(runs: ["m": run]))
        let plain = try Self.answer(Self.small)
        #expect(r.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        #expect((json["nodes"] as? [[String: Any]])?.count == (plain["nodes"] as? [[String: Any]])?.count)
        #expect(
            OpGraph.graphDefField(ofMetaGraph: Data([0x12, 0x03, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x12]))
                == Data([0x0A, 0x01, 0x61, 0x12]))
        #expect(OpGraph.graphDefField(ofMetaGraph: Data([0x0B])) == nil)  // a group
        #expect(OpGraph.graphDefField(ofMetaGraph: Data([0x08, 0x80])) == nil)  // a varint cut off
    }

    // MARK: - Against TensorBoard's loader

    /// Every node, op, input, device and output shape TensorBoard reads, with all scopes
    /// expanded; and the top level with all collapsed; for the graph TensorFlow wrote and the one
    /// Lumen's FileWriter wrote.
    @Test(arguments: [
        ("tf1_filewriter_mlp", "interop", "tf1_filewriter_mlp"),
        ("lumen_mlp_graph", "graphs", "lumen_mlp_graph"),
    ])
    func matchesTensorBoard(golden: String, logdir: String, run: String) throws {
        let goldenData = try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/graphs/\(golden).golden.json"))
        let reference = try #require(try JSONSerialization.jsonObject(with: goldenData) as? [String: Any])
        let loader = LogdirLoader(logdir: "\(Self.fixtures)/\(logdir)")
        loader.reload()
        let data = try #require(loader.run(run))
        let snapshot = BoardSnapshot(runs: [run: data])
        let expected = try #require(reference["expanded"] as? [[String: Any]])
        let names = expected.compactMap { $0["name"] as? String }
        #expect(reference["ops"] as? Int == names.count)

        func query(_ expand: [String], _ snapshot: BoardSnapshot) throws -> [String: Any] {
            let r = BoardAPI.respond(
                endpoint: "graph", parameters: ["run": run, "expand": expand.joined(separator: ",")], snapshot: snapshot
            )
            #expect(r.status == 200, "\(r.text)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        }
        func normalized(_ nodes: [[String: Any]]) -> [String] {
            nodes.map { n in
                let shapes = (n["outputShapes"] as? [Any] ?? []).map { s in
                    (s as? [Int]).map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "null"
                }
                return [
                    n["name"] as? String ?? "?", n["op"] as? String ?? "?", n["device"] as? String ?? "?",
                    shapes.joined(separator: ";"), (n["inputs"] as? [String] ?? ["?"]).joined(separator: ","),
                ]
                .joined(separator: " | ")
            }.sorted()
        }
        func normalizedEdges(_ edges: [[String: Any]]) -> [String] {
            edges.map { e in
                "\(e["source"] as? String ?? "?") → \(e["target"] as? String ?? "?") control=\(e["control"] as? Bool ?? false)"
                    + " count=\(e["count"] as? Int ?? -1) shape=\(e["shape"] as? String ?? "null")"
            }
        }
        let everything = Array(Self.scopes(of: names)).sorted()
        let all = try query(everything, snapshot)
        #expect(normalized(try #require(all["nodes"] as? [[String: Any]])) == normalized(expected))
        #expect(
            normalizedEdges(try #require(all["edges"] as? [[String: Any]]))
                == normalizedEdges(try #require(reference["expandedEdges"] as? [[String: Any]])))
        // Sibling scopes can feed each other (TensorFlow's gradient scopes do), so cycles are allowed.
        try Self.checkProperties(all, ops: names, expandedScopes: Set(everything), acyclic: false)

        let top = try query([], snapshot)
        let topNodes = try #require(top["nodes"] as? [[String: Any]])
        let collapsed = try #require(reference["collapsed"] as? [[String: Any]])
        #expect(topNodes.map { $0["name"] as? String } == collapsed.map { $0["name"] as? String })
        #expect(topNodes.map { $0["op"] as? String } == collapsed.map { $0["op"] as? String })
        #expect(topNodes.map { $0["ops"] as? Int } == collapsed.map { $0["ops"] as? Int })
        #expect(
            normalizedEdges(try #require(top["edges"] as? [[String: Any]]))
                == normalizedEdges(try #require(reference["collapsedEdges"] as? [[String: Any]])))
        try Self.checkProperties(top, ops: names, expandedScopes: [], acyclic: false)

        // The same graph from the meta graph alone, when the run has one.
        if let metaBytes = data.metaGraph {
            #expect(reference["metaGraphMatches"] as? Bool == true)
            var metaOnly = RunData()
            var event = Event()
            event.metaGraphDef = metaBytes
            metaOnly.add(event)
            let fromMeta = try query(everything, BoardSnapshot(runs: [run: metaOnly]))
            #expect(normalized(try #require(fromMeta["nodes"] as? [[String: Any]])) == normalized(expected))
        }
    }

    // MARK: - Over HTTP, and size

    @Test func servedOverHTTP() async throws {
        try await BoardServerTests.serve("\(Self.fixtures)/interop") { client, _ in
            let r = try await BoardServerTests.get(
                client, "/api/graph?run=tf1_filewriter_mlp&expand=layer1%2Closs%2Fsoftmax_cross_entropy_with_logits")
            #expect(r.status == 200 && r.type?.hasPrefix("application/json") == true)
            let json = try #require(r.json as? [String: Any])
            #expect(json["expanded"] as? [String] == ["layer1", "loss", "loss/softmax_cross_entropy_with_logits"])
            #expect(Set(json.keys) == ["run", "ops", "expanded", "width", "height", "nodes", "scopes", "edges"])
            let node = try #require((json["nodes"] as? [[String: Any]])?.first)
            #expect(
                Set(node.keys).isSuperset(of: [
                    "name", "op", "inputs", "attrs", "outputShapes", "device", "x", "y", "width", "height",
                ]))
            let edge = try #require((json["edges"] as? [[String: Any]])?.first)
            #expect(Set(edge.keys) == ["source", "target", "shape", "control", "count"])
            try await BoardServerTests.expectError(client, "/api/graph?run=tensorboardX", 404)
            try await BoardServerTests.expectError(client, "/api/graph?run=nope", 404)
            try await BoardServerTests.expectError(client, "/api/graph", 400)
            try await BoardServerTests.expectError(client, "/api/graph?run=tf1_filewriter_mlp&expand=layer1,,", 400)
        }
    }

    /// A 5,000-op graph answers; the time is printed, not asserted (see lumen-bench's board-graph
    /// figures for the release-build measurement).
    @Test func fiveThousandOps() throws {
        for scoped in [true, false] {
            let graph = SyntheticGraphs.graphDef(operations: 5000, scoped: scoped)
            #expect(graph.node.count == 5000)
            let names = graph.node.map(\.name)
            #expect(Set(names).count == 5000)
            let snapshot = try Self.snapshot(["big": graph])
            let everything = Self.scopes(of: names).sorted()
            for expand in [[], ["block_3", "gradients"], everything] {
                let start = DispatchTime.now().uptimeNanoseconds
                let r = BoardAPI.respond(
                    endpoint: "graph", parameters: ["run": "big", "expand": expand.joined(separator: ",")],
                    snapshot: snapshot)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                #expect(r.status == 200)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
                #expect(json["ops"] as? Int == 5000)
                let nodes = (json["nodes"] as? [Any])?.count ?? -1
                print(
                    "graph of 5000 ops (\(scoped ? "scoped" : "flat"), \(expand.count) scopes expanded): \(nodes) nodes,"
                        + " \(r.body.count) bytes, \(String(format: "%.3f", seconds)) s (debug build)")
                if (!scoped && expand.isEmpty) || (scoped && expand.count == 2) {
                    try Self.checkProperties(json, ops: names, expandedScopes: Set(expand), acyclic: true)
                }
            }
        }
    }

    // MARK: - The layout engine

    @Test func layoutEngineBasics() {
        // A chain: one node per layer, all edges down, no crossings.
        let chain = LayeredLayout.compute(widths: [50, 50, 50], heights: [20, 20, 20], edges: [(0, 1), (1, 2)])
        #expect(chain.layer == [0, 1, 2] && chain.crossings == 0)
        #expect(chain.y[0] < chain.y[1] && chain.y[1] < chain.y[2])
        // A cycle: exactly one edge reversed, layers stay distinct.
        let cycle = LayeredLayout.compute(
            widths: [10, 10, 10], heights: [10, 10, 10], edges: [(0, 1), (1, 2), (2, 0)])
        #expect(Set(cycle.layer).count == 3)
        let up = [(0, 1), (1, 2), (2, 0)].filter { cycle.layer[$0.1] < cycle.layer[$0.0] }
        #expect(up.count == 1)
        // A source is moved next to its only consumer.
        let deep = LayeredLayout.compute(
            widths: [10, 10, 10, 10, 10], heights: [10, 10, 10, 10, 10],
            edges: [(0, 1), (1, 2), (2, 3), (4, 3)])
        #expect(deep.layer[4] == 2)
        // Two crossing edges are uncrossed.
        let cross = LayeredLayout.compute(
            widths: [10, 10, 10, 10], heights: [10, 10, 10, 10], edges: [(0, 3), (1, 2)])
        #expect(cross.crossings == 0)
        #expect((cross.x[0] < cross.x[1]) == (cross.x[3] < cross.x[2]))
        // Empty and degenerate inputs.
        #expect(LayeredLayout.compute(widths: [], heights: [], edges: [(0, 1)]).width == 0)
        let one = LayeredLayout.compute(widths: [.nan], heights: [5], edges: [(0, 0), (0, 7), (-1, 0)])
        #expect(one.x == [0] && one.y == [0] && one.height == 5)
    }

    @Test func isotonicRegressionIsTheLeastSquaresFit() {
        #expect(LayeredLayout.isotonicRegression([3, 1, 2], [1, 1, 1]) == [2, 2, 2])
        #expect(LayeredLayout.isotonicRegression([1, 3, 2], [1, 1, 1]) == [1, 2.5, 2.5])
        #expect(LayeredLayout.isotonicRegression([4, 0], [3, 1]) == [3, 3])
        #expect(LayeredLayout.isotonicRegression([1, 2, 3], [1, 1, 1]) == [1, 2, 3])
    }

    @Test func crossingCountMatchesPairCounting() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let upper = Int.random(in: 1...8, using: &generator), lower = Int.random(in: 1...8, using: &generator)
            var graph = LayeredLayout.ProperGraph(
                realCount: upper + lower, layer: Array(repeating: 0, count: upper) + Array(repeating: 1, count: lower))
            var segments: [(Int, Int)] = []
            for _ in 0..<Int.random(in: 0...20, using: &generator) {
                segments.append(
                    (Int.random(in: 0..<upper, using: &generator), upper + Int.random(in: 0..<lower, using: &generator))
                )
            }
            graph.segments = segments.map { ($0.0, $0.1, 1) }
            let order = [
                Array(0..<upper).shuffled(using: &generator),
                Array(upper..<(upper + lower)).shuffled(using: &generator),
            ]
            var position = [Int](repeating: 0, count: upper + lower)
            for layer in order { for (i, n) in layer.enumerated() { position[n] = i } }
            var brute = 0
            for i in segments.indices {
                for j in (i + 1)..<segments.count {
                    let (a, b) = (segments[i], segments[j])
                    if (position[a.0] - position[b.0]) * (position[a.1] - position[b.1]) < 0 { brute += 1 }
                }
            }
            let down = LayeredLayout.Adjacency(upper + lower, segments)
            #expect(LayeredLayout.crossings(graph, order, position, down) == brute)
        }
    }
}
