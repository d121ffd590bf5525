import Foundation
import LumenEvents

/// Why a stored graph can't be shown.
public struct GraphDecodingError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A run's op graph (a TensorFlow `GraphDef`), parsed once into ops, their inputs and the tree of
/// name scopes that `/api/graph` collapses and expands.
///
/// Scopes are TensorBoard's: an op `a/b/c` sits in scope `a/b`, which sits in scope `a`. An op
/// whose name is also a scope (a variable `w` next to `w/read`) sits inside that scope, as
/// TensorBoard draws it; scopes nest up to 64 deep. Inputs are parsed from `NodeDef.input`:
/// `^name` is a control input, `name:k` output `k` of `name`; inputs naming no op are counted in
/// ``missingInputs`` and dropped; of ops sharing a name the first is kept and the rest counted in
/// ``duplicateOps``.
public struct OpGraph: Sendable {
    /// One op of the graph.
    struct Op: Sendable {
        var name: String
        var type: String
        var device: String
        /// The attrs as JSON, `_output_shapes` left out (it is `outputShapesJSON`).
        var attrs: BoardJSON
        /// Per output, its dims (-1 unknown) or `null` for an unknown rank, from `_output_shapes`;
        /// and the same as edge labels (see ``OpGraph/shapeLabel(_:)``).
        var outputShapesJSON: BoardJSON
        var shapeLabels: [String?]
        /// The scope the op sits in (0 is the root).
        var scope: Int
        var inputs: [Input]
    }

    struct Input: Sendable {
        var source: Int
        var output: Int
        var control: Bool
    }

    /// A member of a scope, in order of first appearance in the GraphDef.
    enum Child: Sendable {
        case scope(Int)
        case op(Int)
    }

    /// One name scope. Index 0 is the root (name ""); a parent's index is below its children's.
    struct Scope: Sendable {
        var name: String
        var parent: Int
        var children: [Child] = []
        /// Every op inside, at any depth.
        var totalOps = 0
        /// The last path component (the whole name for a top-level scope).
        var label: Substring { name.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(name) }
    }

    var ops: [Op] = []
    var scopes: [Scope] = [Scope(name: "", parent: -1)]
    var scopeIndex: [String: Int] = [:]

    /// Inputs that named no op of the graph.
    public private(set) var missingInputs = 0
    /// Ops dropped because an earlier op had the same name.
    public private(set) var duplicateOps = 0

    /// The number of ops.
    public var operationCount: Int { ops.count }

    /// Every scope's name, parents before children.
    public var scopeNames: [String] { scopes.dropFirst().map(\.name) }

    /// Parses a serialized `GraphDef`.
    public init(serializedGraphDef bytes: Data) throws {
        do {
            self.init(graphDef: try GraphDef(serializedBytes: bytes))
        } catch let error as GraphDecodingError {
            throw error
        } catch {
            throw GraphDecodingError(description: "the GraphDef (\(bytes.count) bytes) does not decode: \(error)")
        }
    }

    /// Parses the `graph_def` of a serialized `MetaGraphDef`.
    public init(serializedMetaGraphDef bytes: Data) throws {
        guard let graph = Self.graphDefField(ofMetaGraph: bytes) else {
            throw GraphDecodingError(
                description: "the MetaGraphDef (\(bytes.count) bytes) is not a valid protobuf message")
        }
        try self.init(serializedGraphDef: graph)
    }

    /// Builds the op and scope tables of `graphDef`.
    public init(graphDef: GraphDef) {
        var index: [String: Int] = [:]
        index.reserveCapacity(graphDef.node.count)
        var nodes: [NodeDef] = []
        for node in graphDef.node {
            if index[node.name] != nil {
                duplicateOps += 1
                continue
            }
            index[node.name] = nodes.count
            nodes.append(node)
        }
        // Every proper prefix ending before a "/" is a scope; parents are created first.
        for node in nodes {
            var parent = 0
            for prefix in Self.scopePrefixes(node.name) {
                if let existing = scopeIndex[prefix] {
                    parent = existing
                } else {
                    scopeIndex[prefix] = scopes.count
                    scopes.append(Scope(name: prefix, parent: parent))
                    parent = scopes.count - 1
                }
            }
        }
        var placed = [Bool](repeating: false, count: scopes.count)
        placed[0] = true
        ops.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() {
            let scope = scopeIndex[node.name] ?? Self.scopePrefixes(node.name).last.flatMap { scopeIndex[$0] } ?? 0
            // Place the scope chain in its parents in order of first appearance.
            var chain: [Int] = []
            var s = scope
            while !placed[s] {
                chain.append(s)
                s = scopes[s].parent
            }
            for s in chain.reversed() {
                scopes[scopes[s].parent].children.append(.scope(s))
                placed[s] = true
            }
            scopes[scope].children.append(.op(i))
            s = scope
            while s >= 0 {
                scopes[s].totalOps += 1
                s = scopes[s].parent
            }
            var outputShapes: [[Int64]?] = []
            if case .list(let list)? = node.attr["_output_shapes"]?.value {
                outputShapes = list.shape.map(Self.dims)
            }
            var inputs: [Input] = []
            inputs.reserveCapacity(node.input.count)
            for text in node.input {
                let parsed = Self.parseInput(text)
                guard let source = index[parsed.name] else {
                    missingInputs += 1
                    continue
                }
                inputs.append(Input(source: source, output: parsed.output, control: parsed.control))
            }
            ops.append(
                Op(
                    name: node.name, type: node.op, device: node.device, attrs: AttrRendering.attrs(node.attr),
                    outputShapesJSON: .array(
                        outputShapes.map { $0.map { .array($0.map(BoardJSON.integer)) } ?? .null }),
                    shapeLabels: outputShapes.map(Self.shapeLabel), scope: scope, inputs: inputs))
        }
    }

    /// Scopes nest at most this deep; further "/"s stay part of the op's own name (a bound on the
    /// work a hostile name can cause).
    static let maxScopeDepth = 64

    /// The scope names enclosing `name`: the prefixes ending before each "/" (except one at the
    /// start), outermost first, at most ``maxScopeDepth``.
    static func scopePrefixes(_ name: String) -> [String] {
        var out: [String] = []
        var i = name.startIndex
        while out.count < maxScopeDepth, let slash = name[i...].firstIndex(of: "/") {
            if slash != name.startIndex { out.append(String(name[..<slash])) }
            i = name.index(after: slash)
        }
        return out
    }

    /// `^name` → (name, 0, control); `name:k` → (name, k, data); anything else → (text, 0, data).
    static func parseInput(_ text: String) -> (name: String, output: Int, control: Bool) {
        var name = Substring(text)
        let control = name.hasPrefix("^")
        if control { name = name.dropFirst() }
        var output = 0
        if let colon = name.lastIndex(of: ":") {
            let digits = name[name.index(after: colon)...]
            if !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let k = Int(digits)
            {
                output = k
                name = name[..<colon]
            }
        }
        return (String(name), output, control)
    }

    /// A shape as TensorBoard labels edges (`"?×784"`, `"scalar"`), or `nil` for an unknown rank.
    static func shapeLabel(_ dims: [Int64]?) -> String? {
        guard let dims else { return nil }
        if dims.isEmpty { return "scalar" }
        return dims.map { $0 < 0 ? "?" : String($0) }.joined(separator: "×")
    }

    /// A shape's dims (-1 unknown), or `nil` for an unknown rank.
    static func dims(_ shape: TensorShapeProto) -> [Int64]? {
        shape.unknownRank ? nil : shape.dim.map { $0.size < 0 ? -1 : $0.size }
    }

    /// The bytes of field 2 (`graph_def`) of a serialized `MetaGraphDef` (a MetaGraphDef without
    /// one has an empty graph), or `nil` if the bytes aren't a well-formed protobuf message.
    /// Occurrences are concatenated, which is how protobuf merges a repeated embedded message.
    static func graphDefField(ofMetaGraph data: Data) -> Data? {
        let bytes = [UInt8](data)
        var i = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count, shift < 64 {
                let byte = bytes[i]
                i += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        var graph = Data()
        while i < bytes.count {
            guard let key = varint(), key >> 3 != 0 else { return nil }
            switch key & 7 {
            case 0:
                guard varint() != nil else { return nil }
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.count - i >= width else { return nil }
                i += width
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - i) else { return nil }
                let end = i + Int(length)
                if key >> 3 == 2 { graph.append(contentsOf: bytes[i..<end]) }
                i = end
            default:
                return nil  // groups are not used by MetaGraphDef
            }
        }
        return graph
    }
}

/// Attr values as JSON: strings, numbers, booleans, dtype names (`"DT_FLOAT"`), shapes as dim
/// arrays (-1 unknown, `null` for an unknown rank), tensors summarized as
/// `{"dtype", "shape"[, "values"]}` (values only for at most 16 elements), lists as arrays (at
/// most 64 items, then `"… N more"`), functions as `{"func": name}`. Long strings are cut at 256
/// characters and bytes that aren't UTF-8 are shown as `"<N bytes>"`.
enum AttrRendering {
    static let maxString = 256
    static let maxList = 64
    static let maxTensorValues = 16

    static func attrs(_ attrs: [String: AttrValue]) -> BoardJSON {
        .object(
            attrs.keys.sorted().compactMap { key in
                key == "_output_shapes" ? nil : attrs[key].map { (key, value($0)) }
            })
    }

    static func value(_ attr: AttrValue) -> BoardJSON {
        switch attr.value {
        case nil: return .null
        case .s(let bytes): return string(bytes)
        case .i(let i): return .integer(i)
        case .f(let f): return number(f)
        case .b(let b): return .bool(b)
        case .type(let t): return .string(dtypeName(t))
        case .shape(let s): return shape(s)
        case .tensor(let t): return tensor(t)
        case .list(let list):
            var items: [BoardJSON] = []
            var total = 0
            func add<T>(_ values: [T], _ render: (T) -> BoardJSON) {
                total += values.count
                for v in values.prefix(max(0, maxList - items.count)) { items.append(render(v)) }
            }
            add(list.s, string)
            add(list.i, BoardJSON.integer)
            add(list.f, number)
            add(list.b, BoardJSON.bool)
            add(list.type) { .string(dtypeName($0)) }
            add(list.shape, shape)
            add(list.tensor, tensor)
            add(list.func) { .object([("func", .string($0.name))]) }
            if total > items.count { items.append(.string("… \(total - items.count) more")) }
            return .array(items)
        case .func(let f): return .object([("func", .string(f.name))])
        case .placeholder(let p): return .object([("placeholder", .string(p))])
        }
    }

    static func string(_ bytes: Data) -> BoardJSON {
        guard let text = String(data: bytes, encoding: .utf8) else { return .string("<\(bytes.count) bytes>") }
        return .string(text.count > maxString ? String(text.prefix(maxString)) + "…" : text)
    }

    /// A float as its shortest decimal form (0.1, not 0.10000000149011612).
    static func number(_ f: Float) -> BoardJSON {
        .number(f.isFinite ? Double("\(f)") ?? Double(f) : Double(f))
    }

    static func shape(_ s: TensorShapeProto) -> BoardJSON {
        OpGraph.dims(s).map { .array($0.map(BoardJSON.integer)) } ?? .null
    }

    static func tensor(_ t: TensorProto) -> BoardJSON {
        var fields: [(String, BoardJSON)] = [("dtype", .string(dtypeName(t.dtype))), ("shape", shape(t.tensorShape))]
        if let values = smallValues(t) { fields.append(("values", .array(values))) }
        return .object(fields)
    }

    /// The values of a tensor of at most 16 elements, without decoding anything larger.
    static func smallValues(_ t: TensorProto) -> [BoardJSON]? {
        guard !t.tensorShape.unknownRank, t.tensorShape.dim.allSatisfy({ $0.size >= 0 }) else { return nil }
        var count = 1
        for d in t.tensorShape.dim {
            guard d.size <= maxTensorValues else { return nil }
            count *= Int(d.size)
            guard count <= maxTensorValues else { return nil }
        }
        guard t.tensorContent.count <= maxTensorValues * 8 else { return nil }
        let values: [BoardJSON]
        switch t.dtype {
        case .dtString:
            guard t.stringVal.count <= maxTensorValues else { return nil }
            values = t.stringVal.map(string)
        case .dtBool:
            guard t.boolVal.count <= maxTensorValues else { return nil }
            values = t.boolVal.map(BoardJSON.bool)
        case .dtFloat, .dtHalf:
            guard t.floatVal.count <= maxTensorValues, t.halfVal.count <= maxTensorValues,
                let numbers = TensorValues.numbers(t)
            else { return nil }
            values = numbers.map { number(Float($0)) }
        case .dtDouble, .dtInt32, .dtInt64:
            guard t.doubleVal.count <= maxTensorValues, t.intVal.count <= maxTensorValues,
                t.int64Val.count <= maxTensorValues, let numbers = TensorValues.numbers(t)
            else { return nil }
            // Integers come as doubles; one beyond ±2⁶³ after rounding stays a number.
            values =
                t.dtype == .dtDouble
                ? numbers.map(BoardJSON.number)
                : numbers.map { Int64(exactly: $0).map(BoardJSON.integer) ?? .number($0) }
        default:
            return nil
        }
        return values.count == count ? values : nil
    }

    /// TensorFlow's name of a dtype: `DT_FLOAT`, `DT_INT32_REF`, … (`DT_<n>` for one unknown here).
    static func dtypeName(_ type: DataType) -> String {
        let raw = type.rawValue
        if raw >= 0, raw < baseNames.count { return baseNames[raw] }
        if raw > 100, raw - 100 < baseNames.count { return baseNames[raw - 100] + "_REF" }
        return "DT_\(raw)"
    }

    private static let baseNames = [
        "DT_INVALID", "DT_FLOAT", "DT_DOUBLE", "DT_INT32", "DT_UINT8", "DT_INT16", "DT_INT8", "DT_STRING",
        "DT_COMPLEX64", "DT_INT64", "DT_BOOL", "DT_QINT8", "DT_QUINT8", "DT_QINT32", "DT_BFLOAT16", "DT_QINT16",
        "DT_QUINT16", "DT_UINT16", "DT_COMPLEX128", "DT_HALF", "DT_RESOURCE", "DT_VARIANT", "DT_UINT32", "DT_UINT64",
    ]
}
