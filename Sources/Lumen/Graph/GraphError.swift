/// A mistake in building a graph that is not an op's own shape or dtype check (those throw
/// ``OpError``), worded as TensorFlow words it.
public enum GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `'a b' is not a valid node name`.
    case invalidName(String)
    /// `Duplicate node name in graph: 'w'`.
    case duplicateName(String)
    /// `Op type not registered 'Foo'`.
    case unknownOpType(String)
    /// An input or control input taken from another graph.
    case differentGraph(tensor: String, opName: String)
    /// `Input 'ref' of 'Assign' Op requires l-value input`: a variable update applied to a tensor
    /// that is not a variable.
    case requiresLValue(argument: String, opType: String)
    /// `No gradient defined for operation 'x' (op type: ArgMax)`.
    case noGradient(opName: String, opType: String)
    /// An op with no outputs used where a tensor is needed.
    case noOutputs(opType: String)
    /// A variable's initial value must have a fully defined shape.
    case variableShapeNotFullyDefined(name: String, shape: [Int])
    /// `No gradients provided for any variable: w, b`.
    case noGradientsForVariables([String])
    /// Wrong arguments to a graph-building function.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidName(let name): "'\(name)' is not a valid node name"
        case .duplicateName(let name): "Duplicate node name in graph: '\(name)'"
        case .unknownOpType(let type): "Op type not registered '\(type)'"
        case .differentGraph(let tensor, let op):
            "Tensor '\(tensor)' must be from the same graph as the op '\(op)' it is an input of"
        case .requiresLValue(let argument, let type): "Input '\(argument)' of '\(type)' Op requires l-value input"
        case .noGradient(let name, let type): "No gradient defined for operation '\(name)' (op type: \(type))"
        case .noOutputs(let type): "the op \(type) has no outputs"
        case .variableShapeNotFullyDefined(let name, let shape):
            "initial value of variable '\(name)' must have a fully defined shape, not \(Shape.describe(shape))"
        case .noGradientsForVariables(let names):
            "No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [\(names.map { "'\($0)'" }.joined(separator: ", "))] and the loss"
        case .invalidArgument(let message): message
        }
    }
}
