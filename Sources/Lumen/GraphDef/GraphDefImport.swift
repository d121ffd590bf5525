import Foundation
import LumenEvents

extension Graph {
    /// Adds the nodes of a TensorFlow `GraphDef` to this graph (`tf.import_graph_def`), each named
    /// `prefix/name` (`name` when `prefix` is empty), and returns the ops added, in order.
    ///
    /// Supported: `Const` (numeric dtypes), `Placeholder`, `NoOp`, every op type Lumen registers
    /// (`MatMul`, `Add`, `AddV2`, `Sub`, `Mul`, `RealDiv`, `Relu`, `Softmax`, `Identity`, …), and
    /// `BiasAdd`, lowered to an `Add` (with the bias reshaped to `[C, 1, …]` for `NCHW`). Constant inputs
    /// that Lumen's ops take as attributes (each op's ``TensorFlowInterop/constantInputs``) are folded
    /// into them: `Reshape`'s `shape`, `Transpose`'s `perm`, reductions' `reduction_indices`, `ArgMax`'s
    /// `dimension`, `ExpandDims`' `dim`, `Tile`'s `multiples`, `BroadcastTo`'s `shape`, `ConcatV2`'s
    /// `axis`, `OneHot`'s `depth`, `on_value` and `off_value`; such an input that is not a `Const` is
    /// an error. Graphs written by ``graphDef(options:)`` import back as they were.
    @discardableResult
    public func importGraphDef(_ graphDef: GraphDef, prefix: String = "") throws -> [GraphOperation] {
        var importer = GraphDefImporter(graph: self, prefix: prefix, nodes: graphDef.node)
        return try importer.run()
    }

    /// Parses a serialized `GraphDef` (a `.pb` file) and imports it with ``importGraphDef(_:prefix:)``.
    @discardableResult
    public func importGraphDef(serialized data: Data, prefix: String = "") throws -> [GraphOperation] {
        try importGraphDef(try GraphDef(serializedBytes: data), prefix: prefix)
    }
}

/// One run of ``Graph/importGraphDef(_:prefix:)``.
struct GraphDefImporter {
    let graph: Graph
    let prefix: String
    let nodes: [NodeDef]
    private var byName: [String: Int] = [:]
    /// The op each imported node became.
    private var created: [String: GraphOperation] = [:]
    /// The values of `Const` nodes, for folding into attributes.
    private var constants: [String: Tensor] = [:]
    /// The values of string `Const` nodes (summary tags), which Lumen has no tensor for.
    private var strings: [String: [String]] = [:]

    /// Attributes that only say which types a TensorFlow kernel is instantiated for: Lumen infers them.
    static let typeAttributes: Set<String> = [
        "T", "N", "Tidx", "Tshape", "Tperm", "SrcT", "Truncate", "output_type", "TI", "Tmultiples", "Tpaddings",
        "Taxis", "Tparams", "Tindices", "Tlen", "Tsplit", "Tdim",
    ]

    /// `Const` nodes used only as inputs that fold into attributes: they are not added to the graph.
    private var attributeOnly: Set<String> = []

    init(graph: Graph, prefix: String, nodes: [NodeDef]) {
        self.graph = graph
        self.prefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        self.nodes = nodes
        for (i, node) in nodes.enumerated() { byName[node.name] = i }
        var otherUses = Set<String>(), foldedUses = Set<String>()
        for node in nodes {
            let data = node.input.filter { !$0.hasPrefix("^") }
            let folded = OpRegistry.shared[node.op].flatMap {
                Self.constantInputs(of: node, $0.interop, dataInputCount: data.count)
            }
            for (k, input) in data.enumerated() {
                if folded?.positions.contains(k) == true {
                    foldedUses.insert(Self.parse(input).node)
                } else {
                    otherUses.insert(Self.parse(input).node)
                }
            }
            for input in node.input where input.hasPrefix("^") { otherUses.insert(Self.parse(input).node) }
        }
        attributeOnly = foldedUses.subtracting(otherUses)
    }

    /// The positions of the data inputs of `node` that fold into attributes (at most as many as the
    /// op has constant inputs), if any, and whether they are in Lumen's TensorFlow-compatible form
    /// (`_shape` and a Const input, the attribute already known) or TensorFlow's (no attribute).
    static func constantInputs(
        of node: NodeDef, _ interop: TensorFlowInterop, dataInputCount: Int
    ) -> (positions: Range<Int>, lumenForm: Bool)? {
        let constants = interop.constantInputs
        guard !constants.isEmpty else { return nil }
        let lumenForm = constants.contains { node.attr["_" + $0.attribute] != nil }
        let tensorFlowForm =
            constants.allSatisfy { node.attr[$0.attribute] == nil }
            && (dataInputCount > constants.count || interop.constantInputsFirst)
        guard lumenForm || tensorFlowForm else { return nil }
        let count = min(constants.count, dataInputCount)
        return (interop.constantInputsFirst ? 0..<count : (dataInputCount - count)..<dataInputCount, lumenForm)
    }

    private func scoped(_ name: String) -> String { prefix.isEmpty ? name : prefix + "/" + name }

    /// `node`, `node:1` or `^node` → (node, output index, is control).
    static func parse(_ input: String) -> (node: String, index: Int, control: Bool) {
        if input.hasPrefix("^") { return (String(input.dropFirst()), 0, true) }
        if let colon = input.lastIndex(of: ":"), let index = Int(input[input.index(after: colon)...]) {
            return (String(input[..<colon]), index, false)
        }
        return (input, 0, false)
    }

    /// The nodes in an order where every node comes after its inputs.
    private func topologicalOrder() throws -> [Int] {
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 visiting, 2 done
        var order: [Int] = []
        for root in nodes.indices where state[root] == 0 {
            var stack: [(Int, Bool)] = [(root, false)]
            while let (i, expanded) = stack.popLast() {
                if expanded {
                    state[i] = 2
                    order.append(i)
                    continue
                }
                if state[i] == 2 { continue }
                if state[i] == 1 { throw GraphDefError.cycle(node: nodes[i].name) }
                state[i] = 1
                stack.append((i, true))
                for input in nodes[i].input.reversed() {
                    let name = Self.parse(input).node
                    guard let j = byName[name] else {
                        throw GraphDefError.missingInput(node: nodes[i].name, input: input)
                    }
                    if state[j] == 1 { throw GraphDefError.cycle(node: nodes[j].name) }
                    if state[j] == 0 { stack.append((j, false)) }
                }
            }
        }
        return order
    }

    mutating func run() throws -> [GraphOperation] {
        var added: [GraphOperation] = []
        for i in try topologicalOrder() {
            if let op = try importNode(nodes[i]) {
                created[nodes[i].name] = op
                added.append(op)
            }
        }
        return added
    }

    private func tensor(_ input: String, of node: NodeDef) throws -> GraphTensor {
        let (name, index, _) = Self.parse(input)
        guard let op = created[name], op.outputSpecs.indices.contains(index) else {
            throw GraphDefError.missingInput(node: node.name, input: input)
        }
        return op.output(index)
    }

    /// The constant value of a data input, for folding into an attribute.
    private func constantInts(_ input: String, of node: NodeDef, role: String) throws -> [Int] {
        let (name, _, _) = Self.parse(input)
        guard let value = constants[name], value.dtype.isInteger else {
            throw GraphDefError.unsupportedNode(
                node: node.name, reason: "its \(role) input must be an integer Const to import")
        }
        return value.doubles.map { Int($0) }
    }

    static func attributeValue(_ value: AttrValue) -> AttributeValue? {
        switch value.value {
        case .i(let v): return .int(Int(v))
        case .f(let v): return .float(Double(v))
        case .b(let v): return .bool(v)
        case .s(let v): return .string(String(decoding: v, as: UTF8.self))
        case .type(let t): return DType(t).map { .dtype($0) }
        case .shape(let s): return s.dimensions.map { .shape($0) }
        case .list(let list):
            if !list.f.isEmpty { return .floats(list.f.map(Double.init)) }
            return .ints(list.i.map { Int($0) })
        default: return nil
        }
    }

    /// The node's attributes as Lumen attributes: type attributes dropped, `_name` attributes written
    /// by Lumen's TensorFlow-compatible export restored, other `_` attributes dropped.
    private func attributes(of node: NodeDef) -> Attributes {
        var result = Attributes()
        let restorable = OpRegistry.shared[node.op]?.interop.restorableAttributes ?? []
        for (name, value) in node.attr where !Self.typeAttributes.contains(name) {
            var key = name
            if name.hasPrefix("_") {
                guard restorable.contains(String(name.dropFirst())) else { continue }
                key = String(name.dropFirst())
            }
            if let converted = Self.attributeValue(value) { result[key] = converted }
        }
        return result
    }

    private mutating func importNode(_ node: NodeDef) throws -> GraphOperation? {
        var importer = self
        defer { self = importer }
        return try graph.withDevice(node.device) { try importer.importNodeOnDevice(node) }
    }

    private mutating func importNodeOnDevice(_ node: NodeDef) throws -> GraphOperation? {
        let name = scoped(node.name)
        let parsed = node.input.map(Self.parse)
        // Control inputs on string Consts (summary tags, not imported) are dropped.
        let controls = try parsed.filter { $0.control && strings[$0.node] == nil }.map { input -> GraphOperation in
            guard let op = created[input.node] else {
                throw GraphDefError.missingInput(node: node.name, input: "^" + input.node)
            }
            return op
        }
        let dataInputs = node.input.filter { !$0.hasPrefix("^") }
        var attributes = attributes(of: node)
        switch node.op {
        case "Const":
            guard let proto = node.attr["value"], case .tensor(let tensorProto) = proto.value else {
                throw GraphDefError.unsupportedNode(node: node.name, reason: "a Const needs a tensor value")
            }
            if tensorProto.dtype == .dtString {
                strings[node.name] = tensorProto.stringVal.map { String(decoding: $0, as: UTF8.self) }
                return nil
            }
            let value = try Tensor(tensorProto)
            constants[node.name] = value
            if attributeOnly.contains(node.name) { return nil }
            return try graph.controlDependencies(controls) { try graph.constant(value, name: name + "/").op }
        case "Placeholder":
            guard let typeAttr = node.attr["dtype"], case .type(let type) = typeAttr.value else {
                throw GraphDefError.unsupportedNode(node: node.name, reason: "a Placeholder needs a dtype")
            }
            guard let dtype = DType(type) else {
                throw GraphDefError.unsupportedDataType(type, context: "node '\(node.name)'")
            }
            var shape: [Int]? = nil
            if let s = node.attr["shape"], case .shape(let proto) = s.value { shape = proto.dimensions }
            guard let shape else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "a Placeholder of unknown rank cannot be imported")
            }
            return try graph.placeholder(dtype, shape: shape, name: name + "/").op
        case "BiasAdd", "BiasAddV1":
            guard dataInputs.count == 2 else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "BiasAdd takes 2 inputs, got \(dataInputs.count)")
            }
            let x = try tensor(dataInputs[0], of: node), bias = try tensor(dataInputs[1], of: node)
            var b = bias
            if case .string("NCHW")? = attributes["data_format"], x.rank > 2 {
                b = try graph.apply(
                    "Reshape", [bias], attributes: ["shape": .ints([-1] + Array(repeating: 1, count: x.rank - 2))],
                    name: name + "/bias_nchw/")
            }
            return try graph.addOperation("Add", inputs: [x, b], name: name + "/", controlInputs: controls)
        default:
            break
        }
        guard let interop = OpRegistry.shared[node.op]?.interop else {
            throw GraphDefError.unsupportedOp(node: node.name, op: node.op)
        }
        var inputs = dataInputs
        if let (positions, lumenForm) = Self.constantInputs(of: node, interop, dataInputCount: inputs.count) {
            let constants = interop.constantInputs
            guard positions.count == constants.count else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "missing its \(constants[positions.count].input) input")
            }
            let sources = Array(inputs[positions])
            inputs.removeSubrange(positions)
            if !lumenForm {
                // TensorFlow's form: the attributes are constant inputs (Lumen's form restored them above).
                for (constant, source) in zip(constants, sources) {
                    attributes[constant.attribute] = try foldedValue(source, constant, of: node)
                }
                for (typeAttribute, attribute) in interop.importedTypeAttributes {
                    if let t = node.attr[typeAttribute], case .type(let type) = t.value, let dtype = DType(type) {
                        attributes[attribute] = .dtype(dtype)
                    }
                }
            }
        }
        for (name, value) in interop.importDefaults.values where attributes[name] == nil { attributes[name] = value }
        let tensors = try inputs.map { try tensor($0, of: node) }
        return try graph.addOperation(
            node.op, inputs: tensors, attributes: attributes, name: name + "/", controlInputs: controls)
    }

    /// The attribute value a TensorFlow constant input `source` of `node` folds into.
    private func foldedValue(_ source: String, _ constant: TensorFlowInterop.ConstantInput, of node: NodeDef) throws
        -> AttributeValue
    {
        switch constant.kind {
        case .string:
            guard let values = strings[Self.parse(source).node], values.count == 1 else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "its \(constant.attribute) input must be a scalar string Const")
            }
            return .string(values[0])
        case .int:
            let values = try constantInts(source, of: node, role: constant.input)
            guard values.count == 1 else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "its \(constant.input) input must be a scalar")
            }
            return .int(values[0])
        case .ints:
            return .ints(try constantInts(source, of: node, role: constant.input))
        case .outputScalar:
            guard let value = constants[Self.parse(source).node], value.count == 1 else {
                throw GraphDefError.unsupportedNode(
                    node: node.name, reason: "its \(constant.input) input must be a scalar Const")
            }
            return .float(value.doubles[0])
        }
    }
}
