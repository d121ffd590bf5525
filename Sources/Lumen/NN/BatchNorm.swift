/// Batch normalization over the channel dimension (axis 1) of its input; the base of
/// ``BatchNorm1d`` and ``BatchNorm2d`` (PyTorch's `_BatchNorm`).
///
/// In training mode each channel is normalized with the mean and the biased variance of the batch
/// (over every axis but 1), and the running statistics are updated with
/// `running = (1 − momentum)·running + momentum·batch`, using the unbiased variance for `running_var`.
/// In evaluation mode the running statistics are used. State-dict names are PyTorch's: `weight`,
/// `bias`, `running_mean`, `running_var`, `num_batches_tracked` (int64).
open class BatchNorm: Module {
    /// The number of channels.
    public let numFeatures: Int
    /// Added to the variance for numerical stability.
    public let eps: Double
    /// The weight of each new batch in the running statistics, or `nil` for a cumulative average
    /// (weight 1 / batches seen).
    public let momentum: Double?
    /// Whether the layer has a learnable scale (`weight`) and shift (`bias`).
    public let affine: Bool
    /// Whether the layer keeps running statistics; without them it normalizes with batch statistics
    /// in evaluation mode too.
    public let tracksRunningStats: Bool

    /// The per-channel scale, ones at first; `nil` unless `affine`.
    @Parameter public var weight: Tensor?
    /// The per-channel shift, zeros at first; `nil` unless `affine`.
    @Parameter public var bias: Tensor?
    /// The running per-channel mean, zeros at first; `nil` unless `tracksRunningStats`.
    @Buffer(key: "running_mean") public var runningMean: Tensor?
    /// The running per-channel (unbiased) variance, ones at first; `nil` unless `tracksRunningStats`.
    @Buffer(key: "running_var") public var runningVar: Tensor?
    /// The number of training batches seen, an int64 scalar; `nil` unless `tracksRunningStats`.
    @Buffer(key: "num_batches_tracked") public var numBatchesTracked: Tensor?

    public init(
        numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        tracksRunningStats: Bool = true, dtype: DType = .float32
    ) {
        precondition(numFeatures > 0, "\(Self.self): numFeatures must be positive, got \(numFeatures)")
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.tracksRunningStats = tracksRunningStats
        self.weight = affine ? Tensor.ones([numFeatures], dtype: dtype) : nil
        self.bias = affine ? Tensor.zeros([numFeatures], dtype: dtype) : nil
        super.init()
        runningMean = tracksRunningStats ? Tensor.zeros([numFeatures], dtype: dtype) : nil
        runningVar = tracksRunningStats ? Tensor.ones([numFeatures], dtype: dtype) : nil
        numBatchesTracked = tracksRunningStats ? Tensor.zeros([], dtype: .int64) : nil
    }

    /// Checks the input's rank; subclasses require their own.
    open func validate(_ x: Tensor) {
        precondition(
            x.rank >= 2, "\(type(of: self)): expected an input of rank 2 or more, got shape \(Shape.describe(x.shape))")
    }

    open override func forward(_ x: Tensor) -> Tensor {
        validate(x)
        precondition(
            x.shape[1] == numFeatures,
            "\(type(of: self)): expected \(numFeatures) channels (axis 1), got input of shape \(Shape.describe(x.shape))"
        )
        let axes = [0] + Array(2..<x.rank)
        let channelShape = [1, numFeatures] + Array(repeating: 1, count: x.rank - 2)
        let mean: Tensor, variance: Tensor
        if isTraining || runningMean == nil {
            mean = x.mean(axes: axes, keepDims: true)
            variance = x.variance(axes: axes, correction: 0, keepDims: true)
            if isTraining {
                updateRunningStatistics(mean: mean, variance: variance, count: x.count / numFeatures, input: x)
            }
        } else {
            mean = runningMean!.cast(to: x.dtype).reshaped(channelShape)
            variance = runningVar!.cast(to: x.dtype).reshaped(channelShape)
        }
        var y = (x - mean) * (variance + eps).rsqrt()
        if let weight { y = y * weight.reshaped(channelShape) }
        if let bias { y = y + bias.reshaped(channelShape) }
        return y
    }

    private func updateRunningStatistics(mean: Tensor, variance: Tensor, count: Int, input: Tensor) {
        guard let runningMean, let runningVar, let numBatchesTracked else { return }
        precondition(
            count > 1,
            "\(type(of: self)): expected more than 1 value per channel when training, got input of shape \(Shape.describe(input.shape))"
        )
        noGrad {
            numBatchesTracked.overwrite(with: numBatchesTracked + 1)
            let factor = momentum ?? 1 / Double(numBatchesTracked.item(as: Int64.self))
            let batchMean = mean.detached.reshaped([numFeatures]).cast(to: runningMean.dtype)
            let batchVariance = (variance.detached * (Double(count) / Double(count - 1))).reshaped([numFeatures]).cast(
                to: runningVar.dtype)
            runningMean.overwrite(with: runningMean * (1 - factor) + batchMean * factor)
            runningVar.overwrite(with: runningVar * (1 - factor) + batchVariance * factor)
        }
    }

    open override var extraDescription: String {
        "numFeatures: \(numFeatures), eps: \(eps), momentum: \(momentum.map { "\($0)" } ?? "nil"), affine: \(affine), tracksRunningStats: \(tracksRunningStats)"
    }
}

/// Batch normalization of `[N, C]` or `[N, C, L]` input (PyTorch's `nn.BatchNorm1d`).
open class BatchNorm1d: BatchNorm {
    open override func validate(_ x: Tensor) {
        precondition(
            x.rank == 2 || x.rank == 3, "BatchNorm1d: expected 2-D or 3-D input, got shape \(Shape.describe(x.shape))")
    }
}

/// Batch normalization of `[N, C, H, W]` input (PyTorch's `nn.BatchNorm2d`).
open class BatchNorm2d: BatchNorm {
    open override func validate(_ x: Tensor) {
        precondition(x.rank == 4, "BatchNorm2d: expected 4-D input, got shape \(Shape.describe(x.shape))")
    }
}
