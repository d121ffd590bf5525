/// An error raised by an operation: wrong dtypes, incompatible shapes, bad attributes.
///
/// The message names the op and the shapes or dtypes involved, the way TensorFlow's do:
/// `Add: input dtypes float32 and int32 do not match`,
/// `Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input shapes: [2,3], [4,5]`.
///
/// The throwing entry points (``OpRegistry/execute(_:inputs:attributes:)``, graph building) throw it;
/// the eager convenience API (`a + b`, `a.matmul(b)`, …) traps with the same message, as Swift does for
/// any other programming error such as an index out of range.
public struct OpError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The op type (`MatMul`) the error arose in.
    public let opType: String
    /// The full message.
    public let message: String

    public init(opType: String, message: String) {
        self.opType = opType
        self.message = message
    }

    public var description: String { message }
}

/// What an op knows about itself while it checks its inputs: its type, its node name in a graph
/// (the type itself in eager mode) and the input specs, so messages can name all three.
public struct OpContext: Sendable {
    public let opType: String
    public let nodeName: String
    public let inputs: [TensorSpec]

    public init(opType: String, nodeName: String? = nil, inputs: [TensorSpec]) {
        self.opType = opType
        self.nodeName = nodeName ?? opType
        self.inputs = inputs
    }

    /// `for 'MatMul_1' (op: 'MatMul') with input shapes: [?,256], [128,10]`.
    var location: String {
        "for '\(nodeName)' (op: '\(opType)') with input shapes: "
            + inputs.map { Shape.describe($0.shape) }.joined(separator: ", ")
    }

    /// A generic error: `OpType: message`, and in a graph ` for 'node'` when the node's name is
    /// not the op type, so the message names the node as the shape and dtype messages do.
    public func error(_ message: String) -> OpError {
        OpError(opType: opType, message: "\(opType): \(message)\(nodeSuffix)")
    }

    /// ` for 'layer/Exp'` when the node's name differs from the op type; empty otherwise.
    private var nodeSuffix: String { nodeName == opType ? "" : " for '\(nodeName)'" }

    /// TensorFlow's "Dimensions must be equal" message.
    public func dimensionsMustBeEqual(_ a: Int, _ b: Int) -> OpError {
        OpError(opType: opType, message: "Dimensions must be equal, but are \(a) and \(b) \(location)")
    }

    /// A shape error naming the op and all input shapes.
    public func shapeError(_ what: String) -> OpError {
        OpError(opType: opType, message: "\(what) \(location)")
    }

    /// `Add: input dtypes float32 and int32 do not match`.
    public func dtypeMismatch(_ a: DType, _ b: DType) -> OpError {
        OpError(opType: opType, message: "\(opType): input dtypes \(a) and \(b) do not match\(nodeSuffix)")
    }

    /// `Exp: dtype int32 is not supported (expected float32 or float64)`.
    public func unsupported(_ dtype: DType, expected: String) -> OpError {
        error("dtype \(dtype) is not supported (expected \(expected))")
    }

    /// Checks the number of inputs.
    public func expectInputs(_ n: Int) throws {
        if inputs.count != n { throw error("expected \(n) inputs, got \(inputs.count)") }
    }

    /// Checks that every input has the same dtype and returns it.
    public func commonDType() throws -> DType {
        guard let first = inputs.first?.dtype else { throw error("expected at least one input") }
        for spec in inputs.dropFirst() where spec.dtype != first {
            throw dtypeMismatch(first, spec.dtype)
        }
        return first
    }

    /// Normalizes an axis against `rank`, or throws naming the op.
    public func axis(_ axis: Int, rank: Int) throws -> Int {
        guard let a = Shape.normalize(axis: axis, rank: rank) else {
            throw shapeError("axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }
}

/// The dtype and static shape of a tensor, known before its values are (`-1` for unknown dims).
public struct TensorSpec: Sendable, Equatable, CustomStringConvertible {
    public var dtype: DType
    public var shape: [Int]

    public init(dtype: DType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    public var description: String { "\(dtype)\(Shape.describe(shape))" }
}

extension Tensor {
    /// This tensor's dtype and shape.
    public var spec: TensorSpec { TensorSpec(dtype: dtype, shape: shape) }
}

extension OpContext {
    /// Checks that `actual` matches `expected` wherever both dimensions are known.
    func expectShape(_ actual: [Int], _ expected: [Int], _ what: String) throws {
        let compatible =
            actual.count == expected.count && zip(actual, expected).allSatisfy { $0 < 0 || $1 < 0 || $0 == $1 }
        guard compatible else {
            throw shapeError("\(what) must have shape \(Shape.describe(expected)), got \(Shape.describe(actual)),")
        }
    }
}
