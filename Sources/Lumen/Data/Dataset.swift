/// A collection of (input, target) samples, indexed from 0 (PyTorch's map-style
/// `torch.utils.data.Dataset`).
///
/// Conform by giving ``count`` and the subscript; ``DataLoader`` batches samples by stacking them.
/// A dataset that can gather a batch faster than by stacking samples one by one implements
/// ``batch(at:)`` too, as ``TensorDataset`` does.
///
/// ```swift
/// struct Squares: Dataset {
///     var count: Int { 100 }
///     subscript(index: Int) -> (input: Tensor, target: Tensor) {
///         let x = Double(index) / 100
///         return (Tensor([x]), Tensor([x * x]))
///     }
/// }
/// ```
public protocol Dataset {
    /// The number of samples.
    var count: Int { get }

    /// The sample at `index`, in `0..<count`.
    subscript(index: Int) -> (input: Tensor, target: Tensor) { get }

    /// The samples at `indices` (not empty), stacked along a new first axis: inputs `[B, …]` and
    /// targets `[B, …]`. The default implementation stacks the subscript's samples.
    func batch(at indices: [Int]) -> (inputs: Tensor, targets: Tensor)
}

extension Dataset {
    public func batch(at indices: [Int]) -> (inputs: Tensor, targets: Tensor) {
        precondition(!indices.isEmpty, "Dataset.batch(at:) needs at least one index")
        let samples = indices.map { self[$0] }
        return (Tensor.stack(samples.map(\.input)), Tensor.stack(samples.map(\.target)))
    }
}
