/// Max pooling over NCHW (or unbatched CHW) input (PyTorch's `nn.MaxPool2d`); padding counts as −∞.
open class MaxPool2d: Module {
    /// The window's (height, width).
    public let kernelSize: (Int, Int)
    /// The step between windows; the kernel size by default.
    public let stride: (Int, Int)
    /// The padding (PyTorch's `padding=(h, w)` is ``Padding/symmetric(_:_:)``).
    public let padding: Padding

    /// Max pooling over `kernelSize` windows every `stride` (the kernel size when `nil`).
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: Padding = .valid) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        withBatchDimension(x, "MaxPool2d") { maxPool2d($0, kernel: kernelSize, stride: stride, padding: padding) }
    }

    open override var extraDescription: String { "kernelSize: \(kernelSize), stride: \(stride), padding: \(padding)" }
}

/// Average pooling over NCHW (or unbatched CHW) input (PyTorch's `nn.AvgPool2d`).
open class AvgPool2d: Module {
    /// The window's (height, width).
    public let kernelSize: (Int, Int)
    /// The step between windows; the kernel size by default.
    public let stride: (Int, Int)
    /// The padding (PyTorch's `padding=(h, w)` is ``Padding/symmetric(_:_:)``).
    public let padding: Padding
    /// Whether padded positions count in the divisor (PyTorch's default, `true`) or only the input's.
    public let countIncludePad: Bool

    /// Average pooling over `kernelSize` windows every `stride` (the kernel size when `nil`).
    public init(
        kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: Padding = .valid, countIncludePad: Bool = true
    ) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.countIncludePad = countIncludePad
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        withBatchDimension(x, "AvgPool2d") {
            avgPool2d($0, kernel: kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad)
        }
    }

    open override var extraDescription: String {
        "kernelSize: \(kernelSize), stride: \(stride), padding: \(padding), countIncludePad: \(countIncludePad)"
    }
}

/// Applies `body` to a 4-D view of a 3-D or 4-D input and returns a result of the input's rank.
func withBatchDimension(_ x: Tensor, _ layer: String, _ body: (Tensor) -> Tensor) -> Tensor {
    precondition(
        x.rank == 3 || x.rank == 4,
        "\(layer): expected a 3-D (unbatched) or 4-D (batched) input, got shape \(Shape.describe(x.shape))")
    if x.rank == 4 { return body(x) }
    return body(x.expandingDims(at: 0)).squeezed(axes: [0])
}
