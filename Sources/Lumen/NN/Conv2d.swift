/// A 2-D convolution over NCHW input (PyTorch's `nn.Conv2d`); an unbatched CHW input is accepted too.
open class Conv2d: Module {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// The window's (height, width).
    public let kernelSize: (Int, Int)
    /// The step between windows, (vertical, horizontal).
    public let stride: (Int, Int)
    /// The padding as given: ``Padding/same`` means PyTorch's `padding="same"` (stride 1 only).
    public let padding: Padding
    /// The spacing between window elements, (vertical, horizontal).
    public let dilation: (Int, Int)
    /// The number of groups the channels are split into.
    public let groups: Int
    /// The filters, of shape `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`.
    @Parameter public var weight: Tensor
    /// The bias, of shape `[outChannels]`, or `nil`.
    @Parameter public var bias: Tensor?

    /// A convolution initialized as PyTorch does: weights from `kaiming_uniform_(a: √5)` and the bias
    /// from U(−1/√fanIn, 1/√fanIn), with fanIn = inChannels / groups · kernel height · kernel width.
    ///
    /// - Parameter padding: ``Padding/valid`` (PyTorch's `padding=0`), ``Padding/symmetric(_:_:)``
    ///   (`padding=(h, w)`), ``Padding/explicit(top:bottom:left:right:)``, or ``Padding/same``
    ///   (`padding="same"`: the output has the input's size; the odd extra row or column goes at the
    ///   end; needs stride 1).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: Padding = .valid, dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
        dtype: DType = .float32, generator: inout RandomGenerator
    ) {
        precondition(
            groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
            "Conv2d: inChannels (\(inChannels)) and outChannels (\(outChannels)) must be divisible by groups (\(groups))"
        )
        precondition(kernelSize.0 > 0 && kernelSize.1 > 0, "Conv2d: kernel size must be positive, got \(kernelSize)")
        precondition(stride.0 > 0 && stride.1 > 0, "Conv2d: stride must be positive, got \(stride)")
        precondition(
            padding != .same || (stride.0 == 1 && stride.1 == 1),
            "Conv2d: padding .same is not supported for strided convolutions (stride \(stride))")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        self.weight = Initialization.kaimingUniform(
            [outChannels, inChannels / groups, kernelSize.0, kernelSize.1],
            fanIn: fanIn, dtype: dtype, using: &generator)
        self.bias =
            bias ? Initialization.fanInUniform([outChannels], fanIn: fanIn, dtype: dtype, using: &generator) : nil
        super.init()
    }

    /// A convolution initialized with a generator seeded from the global one.
    public convenience init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: Padding = .valid, dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
        dtype: DType = .float32
    ) {
        var generator = RandomGenerator.forkingGlobal()
        self.init(
            inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: padding, dilation: dilation, groups: groups, bias: bias, dtype: dtype, generator: &generator)
    }

    /// The padding passed to the `Conv2D` op: PyTorch's `"same"` as explicit amounts.
    var opPadding: Padding {
        guard padding == .same else { return padding }
        let height = dilation.0 * (kernelSize.0 - 1), width = dilation.1 * (kernelSize.1 - 1)
        return .explicit(top: height / 2, bottom: height - height / 2, left: width / 2, right: width - width / 2)
    }

    open override func forward(_ x: Tensor) -> Tensor {
        withBatchDimension(x, "Conv2d") {
            conv2d($0, weight, bias: bias, stride: stride, padding: opPadding, dilation: dilation, groups: groups)
        }
    }

    open override var extraDescription: String {
        var text =
            "inChannels: \(inChannels), outChannels: \(outChannels), kernelSize: \(kernelSize), stride: \(stride)"
        if padding != .valid { text += ", padding: \(padding)" }
        if dilation != (1, 1) { text += ", dilation: \(dilation)" }
        if groups != 1 { text += ", groups: \(groups)" }
        if bias == nil { text += ", bias: false" }
        return text
    }
}
