import LumenEvents

/// A GraphDef that cannot be imported or a tensor that cannot be converted, with the node it concerns.
public enum GraphDefError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `DataType` Lumen has no dtype for.
    case unsupportedDataType(DataType, context: String)
    /// A malformed `TensorProto`.
    case invalidTensor(String)
    /// A node whose op type Lumen cannot import.
    case unsupportedOp(node: String, op: String)
    /// A node input naming a node or output that does not exist.
    case missingInput(node: String, input: String)
    /// The nodes form a cycle.
    case cycle(node: String)
    /// A node Lumen recognizes but cannot import as written (a non-constant shape input, …).
    case unsupportedNode(node: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedDataType(let type, let context): "\(context): data type \(type) is not supported"
        case .invalidTensor(let message): "invalid TensorProto: \(message)"
        case .unsupportedOp(let node, let op): "Op type not supported for import '\(op)' (node '\(node)')"
        case .missingInput(let node, let input): "Node '\(node)': input '\(input)' is not in the graph"
        case .cycle(let node): "GraphDef has a cycle through node '\(node)'"
        case .unsupportedNode(let node, let reason): "Node '\(node)': \(reason)"
        }
    }
}
