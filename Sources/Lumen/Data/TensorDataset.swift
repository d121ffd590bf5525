/// A dataset over two tensors whose first dimension indexes the samples (PyTorch's
/// `TensorDataset`): sample `i` is `(inputs[i], targets[i])`.
///
/// Batches are gathered with one `GatherV2` per tensor rather than by stacking samples.
public struct TensorDataset: Dataset, Sendable {
    /// The inputs, `[N, …]`.
    public let inputs: Tensor
    /// The targets, `[N, …]`.
    public let targets: Tensor

    /// A dataset of the rows of `inputs` and `targets`, which must have the same first dimension.
    public init(inputs: Tensor, targets: Tensor) {
        precondition(
            inputs.rank >= 1 && targets.rank >= 1,
            "TensorDataset: inputs and targets need a sample dimension, got shapes \(Shape.describe(inputs.shape)) and \(Shape.describe(targets.shape))"
        )
        precondition(
            inputs.shape[0] == targets.shape[0],
            "TensorDataset: inputs have \(inputs.shape[0]) samples (shape \(Shape.describe(inputs.shape))), targets \(targets.shape[0]) (shape \(Shape.describe(targets.shape)))"
        )
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }

    public subscript(index: Int) -> (input: Tensor, target: Tensor) {
        precondition(index >= 0 && index < count, "TensorDataset: index \(index) is out of range for \(count) samples")
        return (inputs[.index(index)], targets[.index(index)])
    }

    public func batch(at indices: [Int]) -> (inputs: Tensor, targets: Tensor) {
        precondition(!indices.isEmpty, "TensorDataset.batch(at:) needs at least one index")
        let rows = Tensor(indices, shape: [indices.count])
        return (inputs.gathered(rows, axis: 0), targets.gathered(rows, axis: 0))
    }
}
