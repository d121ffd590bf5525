/// Merges the dimensions from `startAxis` through `endAxis` into one (PyTorch's `nn.Flatten`; by
/// default everything but the batch dimension).
open class Flatten: Module {
    /// The first dimension merged.
    public let startAxis: Int
    /// The last dimension merged; negative counts from the end.
    public let endAxis: Int

    /// Flattening that merges dimensions `startAxis...endAxis` (PyTorch's `start_dim`, `end_dim`).
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        if x.rank == 0 { return x.reshaped([1]) }
        let start = startAxis < 0 ? startAxis + x.rank : startAxis
        let end = endAxis < 0 ? endAxis + x.rank : endAxis
        precondition(
            (0..<x.rank).contains(start) && (0..<x.rank).contains(end) && start <= end,
            "Flatten: axes \(startAxis)...\(endAxis) are out of range for an input of shape \(Shape.describe(x.shape))")
        let merged = x.shape[start...end].reduce(1, *)
        return x.reshaped(Array(x.shape[..<start]) + [merged] + Array(x.shape[(end + 1)...]))
    }

    open override var extraDescription: String { "startAxis: \(startAxis), endAxis: \(endAxis)" }
}
