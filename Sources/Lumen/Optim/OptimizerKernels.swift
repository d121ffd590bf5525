// Fused update loops: each step makes one pass over each parameter's memory, with the whole
// update rule applied while the elements are in cache, instead of PyTorch's chain of in-place ops
// (each its own pass). The arithmetic follows PyTorch's single-tensor CPU path operation by
// operation (same order, hyperparameters computed in double precision and converted to the
// element type as its scalar arguments are), so float64 results agree to rounding and float32
// ones to a few ulps.
//
// Options that change the loop body are generic parameters (`KernelSwitch`), so each combination
// is specialized into a branch-free loop that vectorizes.

/// A compile-time on/off switch for a fused loop.
protocol KernelSwitch {
    static var isOn: Bool { get }
}

enum OptimizerKernels {
    enum On: KernelSwitch { static var isOn: Bool { true } }
    enum Off: KernelSwitch { static var isOn: Bool { false } }

    /// Elements per parallel chunk: below this a thread hop costs more than the loop.
    static let minimumChunk = 1 << 14

    // MARK: SGD

    /// Where a parameter's momentum buffer stands.
    enum MomentumPhase {
        /// No momentum: the step uses the gradient itself.
        case none
        /// The first step with momentum: the buffer is set to the gradient (no dampening).
        case first
        /// Later steps: `buffer = momentum * buffer + (1 - dampening) * gradient`.
        case running
    }

    struct SGDOptions {
        var learningRate: Double
        var momentum: Double
        var dampening: Double
        var weightDecay: Double
        var nesterov: Bool
    }

    /// One SGD step for one parameter, in place. `buffer` must be given unless `phase` is `.none`;
    /// with `.first` its contents are overwritten.
    static func sgd(parameter: Tensor, gradient: Tensor, buffer: Tensor?, phase: MomentumPhase, options: SGDOptions) {
        switch parameter.dtype {
        case .float32: sgd(Float.self, parameter, gradient, buffer, phase, options)
        case .float64: sgd(Double.self, parameter, gradient, buffer, phase, options)
        default: preconditionFailure("SGD: cannot update a \(parameter.dtype) parameter")
        }
    }

    private static func sgd<T: FloatElement>(
        _: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ buffer: Tensor?, _ phase: MomentumPhase, _ o: SGDOptions
    ) {
        let constants = SGDConstants<T>(
            learningRate: T(o.learningRate), momentum: T(o.momentum), keep: T(1 - o.dampening),
            weightDecay: T(o.weightDecay))
        let p = parameter.pointer(T.self), g = gradient.pointer(T.self)
        let b = buffer?.pointer(T.self) ?? p  // unused when phase is .none
        switch (o.weightDecay != 0, o.nesterov) {
        case (false, false): sgdLoop(p, g, b, parameter.count, phase, constants, Off.self, Off.self)
        case (false, true): sgdLoop(p, g, b, parameter.count, phase, constants, Off.self, On.self)
        case (true, false): sgdLoop(p, g, b, parameter.count, phase, constants, On.self, Off.self)
        case (true, true): sgdLoop(p, g, b, parameter.count, phase, constants, On.self, On.self)
        }
    }

    private struct SGDConstants<T: FloatElement> {
        let learningRate: T, momentum: T, keep: T, weightDecay: T
    }

    @inline(__always)
    private static func sgdLoop<T: FloatElement, Decay: KernelSwitch, Nesterov: KernelSwitch>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ count: Int,
        _ phase: MomentumPhase, _ c: SGDConstants<T>, _: Decay.Type, _: Nesterov.Type
    ) {
        let lr = c.learningRate, momentum = c.momentum, keep = c.keep, decay = c.weightDecay
        switch phase {
        case .none:
            Threading.parallelFor(count, minimumChunk: minimumChunk) { range in
                for i in range {
                    var d = g[i]
                    if Decay.isOn { d = d + decay * p[i] }
                    p[i] = p[i] - lr * d
                }
            }
        case .first:
            Threading.parallelFor(count, minimumChunk: minimumChunk) { range in
                for i in range {
                    var d = g[i]
                    if Decay.isOn { d = d + decay * p[i] }
                    b[i] = d
                    if Nesterov.isOn { d = d + momentum * d }
                    p[i] = p[i] - lr * d
                }
            }
        case .running:
            Threading.parallelFor(count, minimumChunk: minimumChunk) { range in
                for i in range {
                    var d = g[i]
                    if Decay.isOn { d = d + decay * p[i] }
                    let m = b[i] * momentum + keep * d
                    b[i] = m
                    d = Nesterov.isOn ? d + momentum * m : m
                    p[i] = p[i] - lr * d
                }
            }
        }
    }

    // MARK: Graph mode's ApplyGradientDescent

    /// `variable - alpha * delta` into a new tensor in one pass: TensorFlow's `ApplyGradientDescent`,
    /// rounded as `Sub(variable, Mul(alpha, delta))` rounds it. `nil` for dtypes other than float32
    /// and float64. The variable's tensor is left as it was (a value fetched earlier may share it).
    static func gradientDescentStep(variable: Tensor, alpha: Tensor, delta: Tensor) -> Tensor? {
        switch variable.dtype {
        case .float32: gradientDescentStep(Float.self, variable, alpha, delta)
        case .float64: gradientDescentStep(Double.self, variable, alpha, delta)
        default: nil
        }
    }

    private static func gradientDescentStep<T: FloatElement>(
        _: T.Type, _ variable: Tensor, _ alpha: Tensor, _ delta: Tensor
    ) -> Tensor {
        let updated = Tensor(uninitializedShape: variable.shape, dtype: variable.dtype)
        let v = variable.pointer(T.self), d = delta.pointer(T.self), u = updated.pointer(T.self)
        let lr: T = alpha.item()
        Threading.parallelFor(variable.count, minimumChunk: minimumChunk) { range in
            for i in range { u[i] = v[i] - lr * d[i] }
        }
        return updated
    }

    // MARK: Adam and AdamW

    struct AdamOptions {
        var learningRate: Double
        var beta1: Double
        var beta2: Double
        var eps: Double
        var weightDecay: Double
        /// AdamW: scale the parameter by `1 - lr * weightDecay` instead of adding `weightDecay * param`
        /// to the gradient.
        var decoupledWeightDecay: Bool
        var amsgrad: Bool
    }

    /// One Adam step for one parameter, in place; `step` is the parameter's step count after this
    /// step (1 for the first). `maxSecondMoment` must be given when `options.amsgrad` is set.
    static func adam(
        parameter: Tensor, gradient: Tensor, firstMoment: Tensor, secondMoment: Tensor, maxSecondMoment: Tensor?,
        step: Int, options: AdamOptions
    ) {
        switch parameter.dtype {
        case .float32:
            adam(Float.self, parameter, gradient, firstMoment, secondMoment, maxSecondMoment, step, options)
        case .float64:
            adam(Double.self, parameter, gradient, firstMoment, secondMoment, maxSecondMoment, step, options)
        default: preconditionFailure("Adam: cannot update a \(parameter.dtype) parameter")
        }
    }

    private struct AdamConstants<T: FloatElement> {
        /// Multiplies the parameter first: `1 - lr * weightDecay` for AdamW, 1 otherwise.
        let parameterScale: T
        /// Added times the parameter to the gradient (Adam's L2 term).
        let weightDecay: T
        let lerpWeight: T, beta2: T, oneMinusBeta2: T
        let biasCorrection2Root: T, eps: T
        /// `-lr / (1 - beta1^step)`.
        let negativeStepSize: T
    }

    private static func adam<T: FloatElement>(
        _: T.Type, _ parameter: Tensor, _ gradient: Tensor, _ firstMoment: Tensor, _ secondMoment: Tensor,
        _ maxSecondMoment: Tensor?, _ step: Int, _ o: AdamOptions
    ) {
        // Scalars as PyTorch computes them: in double precision, then converted to the element type.
        let biasCorrection1 = 1 - power(o.beta1, step)
        let biasCorrection2 = 1 - power(o.beta2, step)
        let decoupled = o.decoupledWeightDecay && o.weightDecay != 0
        let constants = AdamConstants<T>(
            parameterScale: decoupled ? T(1 - o.learningRate * o.weightDecay) : 1,
            weightDecay: T(o.weightDecay),
            lerpWeight: T(1 - o.beta1), beta2: T(o.beta2), oneMinusBeta2: T(1 - o.beta2),
            biasCorrection2Root: T(biasCorrection2.squareRoot()), eps: T(o.eps),
            negativeStepSize: T(-(o.learningRate / biasCorrection1)))
        let p = parameter.pointer(T.self), g = gradient.pointer(T.self)
        let m = firstMoment.pointer(T.self), v = secondMoment.pointer(T.self)
        let vMax = maxSecondMoment?.pointer(T.self) ?? v
        let l2 = !o.decoupledWeightDecay && o.weightDecay != 0
        let count = parameter.count
        switch (l2, o.amsgrad) {
        case (false, false): adamLoop(p, g, m, v, vMax, count, constants, Off.self, Off.self)
        case (false, true): adamLoop(p, g, m, v, vMax, count, constants, Off.self, On.self)
        case (true, false): adamLoop(p, g, m, v, vMax, count, constants, On.self, Off.self)
        case (true, true): adamLoop(p, g, m, v, vMax, count, constants, On.self, On.self)
        }
    }

    /// Elements per block of the Adam loop: its square roots go through a scratch buffer this long.
    static let adamBlock = 256

    /// The Adam update in blocks of ``adamBlock`` elements, three passes over each block while it is
    /// in the L1 cache: the moments (vectorized), the square roots, and the parameter update
    /// (vectorized). Swift's `squareRoot()` becomes a libm call that may set `errno` on Linux, which
    /// keeps any loop containing it from vectorizing, so the square roots get a loop of their own.
    @inline(__always)
    private static func adamLoop<T: FloatElement, L2: KernelSwitch, AMSGrad: KernelSwitch>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>,
        _ v: UnsafeMutablePointer<T>, _ vMax: UnsafeMutablePointer<T>, _ count: Int, _ c: AdamConstants<T>,
        _: L2.Type, _: AMSGrad.Type
    ) {
        let scale = c.parameterScale, decay = c.weightDecay, w = c.lerpWeight
        let beta2 = c.beta2, oneMinusBeta2 = c.oneMinusBeta2, root = c.biasCorrection2Root, eps = c.eps
        let negativeStepSize = c.negativeStepSize
        // PyTorch's lerp switches formulas at weight 0.5 for accuracy; so does this loop.
        let lerpFromStart = w < T(0.5)
        let oneMinusW = 1 - w
        Threading.parallelFor(count, minimumChunk: minimumChunk) { range in
            withUnsafeTemporaryAllocation(of: T.self, capacity: adamBlock) { buffer in
                let s = buffer.baseAddress!
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = Swift.min(adamBlock, range.upperBound - start)
                    let p = p + start, g = g + start, m = m + start, v = v + start, vMax = vMax + start
                    for j in 0..<n {
                        var d = g[j]
                        if L2.isOn { d = d + decay * p[j] }
                        let mj = m[j]
                        m[j] = lerpFromStart ? mj + w * (d - mj) : d - (d - mj) * oneMinusW
                        var vj = v[j] * beta2 + oneMinusBeta2 * d * d
                        v[j] = vj
                        if AMSGrad.isOn {
                            let previous = vMax[j]
                            vj = (previous > vj || previous != previous) ? previous : vj
                            vMax[j] = vj
                        }
                        s[j] = vj
                    }
                    for j in 0..<n { s[j] = s[j].squareRoot() }
                    for j in 0..<n {
                        let denominator = s[j] / root + eps
                        p[j] = p[j] * scale + negativeStepSize * m[j] / denominator
                    }
                    start += n
                }
            }
        }
    }

    /// `base` to a non-negative integer power, as Python's `float ** int` computes it (C `pow`).
    @inline(__always)
    static func power(_ base: Double, _ exponent: Int) -> Double {
        Double.power(base, Double(exponent))
    }
}
