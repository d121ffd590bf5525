/// Layer normalization over the last dimensions of the input (PyTorch's `nn.LayerNorm`):
/// `(x − mean) / √(var + eps) · weight + bias`, with the biased variance.
open class LayerNorm: Module {
    /// The trailing dimensions normalized over.
    public let normalizedShape: [Int]
    /// Added to the variance for numerical stability.
    public let eps: Double
    /// The elementwise scale, ones at first; `nil` without elementwise affine parameters.
    @Parameter public var weight: Tensor?
    /// The elementwise shift, zeros at first; `nil` without elementwise affine parameters or bias.
    @Parameter public var bias: Tensor?

    /// - Parameters:
    ///   - normalizedShape: The input's trailing dimensions to normalize over.
    ///   - elementwiseAffine: Whether to learn `weight` (and `bias`, if `bias`) of `normalizedShape`.
    public init(
        normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType = .float32
    ) {
        precondition(
            !normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
            "LayerNorm: normalizedShape must be non-empty and positive, got \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.eps = eps
        self.weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape, dtype: dtype) : nil
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        let k = normalizedShape.count
        precondition(
            x.rank >= k && Array(x.shape.suffix(k)) == normalizedShape,
            "LayerNorm: input of shape \(Shape.describe(x.shape)) does not end in normalizedShape \(Shape.describe(normalizedShape))"
        )
        let axes = Array((x.rank - k)..<x.rank)
        let mean = x.mean(axes: axes, keepDims: true)
        let variance = x.variance(axes: axes, correction: 0, keepDims: true)
        var y = (x - mean) * (variance + eps).rsqrt()
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }

    open override var extraDescription: String {
        "normalizedShape: \(normalizedShape), eps: \(eps), elementwiseAffine: \(weight != nil)"
    }
}
