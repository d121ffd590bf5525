/// An error of ``Session/run(_:feeds:targets:)``, worded as TensorFlow words it. Kernel errors
/// while running are ``OpError``s naming the node.
public enum SessionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `You must feed a value for placeholder tensor 'x' with dtype float and shape [?,64]`.
    case placeholderNotFed(name: String, dtype: DType, shape: [Int])
    /// `Cannot feed value of shape (3, 5) for Tensor 'x:0', which has shape '(?, 64)'`.
    case feedShapeMismatch(tensor: String, fed: [Int], expected: [Int])
    /// `Cannot feed value of dtype int32 for Tensor 'x:0', which has dtype float`.
    case feedDTypeMismatch(tensor: String, fed: DType, expected: DType)
    /// `Attempting to use uninitialized value w`.
    case uninitializedValue(name: String)
    /// `Attempted to use a closed Session.`
    case closed
    /// A fetched tensor or a target from another graph: `Tensor Const:0 is not an element of this graph.`
    case notInGraph(String)
    /// A feed key from another graph, which this session can't feed:
    /// `Cannot interpret feed_dict key as Tensor: Tensor x:0 is not an element of this graph.`
    case feedNotInGraph(tensor: String)
    /// `Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3] for variable 'w'`.
    case assignShapeMismatch(variable: String, variableShape: [Int], valueShape: [Int])

    public var description: String {
        switch self {
        case .placeholderNotFed(let name, let dtype, let shape):
            "You must feed a value for placeholder tensor '\(name)' with dtype \(dtype.tensorFlowName) and shape \(Shape.describe(shape))"
        case .feedShapeMismatch(let tensor, let fed, let expected):
            "Cannot feed value of shape \(SessionError.pythonShape(fed)) for Tensor '\(tensor)', which has shape '\(SessionError.pythonShape(expected))'"
        case .feedDTypeMismatch(let tensor, let fed, let expected):
            "Cannot feed value of dtype \(fed.tensorFlowName) for Tensor '\(tensor)', which has dtype \(expected.tensorFlowName)"
        case .uninitializedValue(let name):
            "Attempting to use uninitialized value \(name)"
        case .closed:
            "Attempted to use a closed Session."
        case .notInGraph(let name):
            "\(name) is not an element of this graph."
        case .feedNotInGraph(let tensor):
            "Cannot interpret feed_dict key as Tensor: Tensor \(tensor) is not an element of this graph."
        case .assignShapeMismatch(let variable, let variableShape, let valueShape):
            "Assign requires shapes of both tensors to match. lhs shape= \(Shape.describe(variableShape)) rhs shape= \(Shape.describe(valueShape)) for variable '\(variable)'"
        }
    }

    /// A shape as Python prints a tuple or a `TensorShape`: `(3, 5)`, `(?, 64)`, `(3,)`, `()`.
    static func pythonShape(_ shape: [Int]) -> String {
        let dims = shape.map { $0 < 0 ? "?" : String($0) }
        return dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
    }
}
