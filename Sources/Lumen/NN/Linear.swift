/// A fully connected layer: `y = x·Wᵀ + b` over the last dimension (PyTorch's `nn.Linear`).
///
/// The input's last dimension is `inFeatures`; any leading dimensions are kept.
open class Linear: Module {
    /// The size of each input's last dimension.
    public let inFeatures: Int
    /// The size of each output's last dimension.
    public let outFeatures: Int
    /// The weights, of shape `[outFeatures, inFeatures]`.
    @Parameter public var weight: Tensor
    /// The bias, of shape `[outFeatures]`, or `nil` for a layer without one.
    @Parameter public var bias: Tensor?

    /// A layer initialized as PyTorch does: weights from `kaiming_uniform_(a: √5)`, which is
    /// U(−1/√inFeatures, 1/√inFeatures), and the bias from the same range.
    public init(
        inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
        generator: inout RandomGenerator
    ) {
        precondition(
            inFeatures >= 0 && outFeatures >= 0,
            "Linear: feature counts must be non-negative, got \(inFeatures) and \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = Initialization.kaimingUniform(
            [outFeatures, inFeatures], fanIn: inFeatures, dtype: dtype, using: &generator)
        self.bias =
            bias ? Initialization.fanInUniform([outFeatures], fanIn: inFeatures, dtype: dtype, using: &generator) : nil
        super.init()
    }

    /// A layer initialized with a generator seeded from the global one.
    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        var generator = RandomGenerator.forkingGlobal()
        self.init(inFeatures: inFeatures, outFeatures: outFeatures, bias: bias, dtype: dtype, generator: &generator)
    }

    open override func forward(_ x: Tensor) -> Tensor {
        precondition(
            x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
            "Linear: input of shape \(Shape.describe(x.shape)) does not end in inFeatures = \(inFeatures)")
        let matrix = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
        var y = matrix.matmul(weight, transposeOther: true)
        if let bias { y = y + bias }
        return x.rank == 2 ? y : y.reshaped(Array(x.shape.dropLast()) + [outFeatures])
    }

    open override var extraDescription: String {
        "inFeatures: \(inFeatures), outFeatures: \(outFeatures), bias: \(bias != nil)"
    }
}
