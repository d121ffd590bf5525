/// A symbolic tensor: output `index` of a ``GraphOperation`` in a ``Graph``, with a dtype and a static
/// shape whose unknown dimensions are -1 (TensorFlow 1's `tf.Tensor`). Its value exists only inside
/// ``Session/run(_:feeds:targets:)``.
public struct GraphTensor: Hashable, Sendable, CustomStringConvertible {
    /// The op that produces this tensor.
    public let op: GraphOperation
    /// Which of the op's outputs this is.
    public let index: Int

    public init(op: GraphOperation, index: Int) {
        self.op = op
        self.index = index
    }

    /// `op:index` (`"layer1/MatMul:0"`).
    public var name: String { "\(op.name):\(index)" }
    /// The dtype and static shape.
    public var spec: TensorSpec { op.outputSpecs[index] }
    /// The element type.
    public var dtype: DType { spec.dtype }
    /// The static shape; unknown dimensions are -1 and print as `?`.
    public var shape: [Int] { spec.shape }
    /// The number of dimensions.
    public var rank: Int { spec.shape.count }
    /// The graph the tensor belongs to.
    public var graph: Graph { op.graph }

    /// `GraphTensor("add:0", shape=[?,64], dtype=float32)`, like TensorFlow's `Tensor(...)`.
    public var description: String {
        "GraphTensor(\"\(name)\", shape=\(Shape.describe(shape)), dtype=\(dtype))"
    }
}
