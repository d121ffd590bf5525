/// The per-parameter state of ``Adam`` and ``AdamW`` (PyTorch's `optimizer.state[p]`).
public struct AdamParameterState: Sendable {
    /// The number of steps this parameter has taken (steps where it had no gradient don't count).
    public internal(set) var step: Int
    /// The running average of gradients (`exp_avg`).
    public internal(set) var firstMoment: Tensor
    /// The running average of squared gradients (`exp_avg_sq`).
    public internal(set) var secondMoment: Tensor
    /// With AMSGrad, the largest second moment seen so far (`max_exp_avg_sq`); `nil` otherwise.
    public internal(set) var maxSecondMoment: Tensor?
}

/// The update shared by ``Adam`` and ``AdamW``: per-parameter state and the step over all
/// parameters.
struct AdamUpdate {
    let name: String
    var states: [AdamParameterState?]

    init(name: String, parameterCount: Int) {
        self.name = name
        states = Array(repeating: nil, count: parameterCount)
    }

    static func validate(
        _ name: String, learningRate: Double, betas: (Double, Double), eps: Double, weightDecay: Double
    ) {
        OptimizerValidation.check(learningRate >= 0, name, "invalid learning rate: \(learningRate)")
        OptimizerValidation.check(eps >= 0, name, "invalid epsilon value: \(eps)")
        OptimizerValidation.check((0..<1).contains(betas.0), name, "invalid beta parameter at index 0: \(betas.0)")
        OptimizerValidation.check((0..<1).contains(betas.1), name, "invalid beta parameter at index 1: \(betas.1)")
        OptimizerValidation.check(weightDecay >= 0, name, "invalid weightDecay value: \(weightDecay)")
    }

    mutating func step(_ parameters: [Tensor], options: OptimizerKernels.AdamOptions) {
        for (index, parameter) in parameters.enumerated() {
            guard let gradient = OptimizerValidation.gradient(of: parameter, index: index, optimizer: name) else {
                continue
            }
            if states[index] == nil {
                states[index] = AdamParameterState(
                    step: 0, firstMoment: .zeros(like: parameter), secondMoment: .zeros(like: parameter),
                    maxSecondMoment: options.amsgrad ? .zeros(like: parameter) : nil)
            } else {
                // The moments are written in place: give them storage of their own if a caller holds a copy.
                states[index]!.firstMoment.makeUnique()
                states[index]!.secondMoment.makeUnique()
                states[index]!.maxSecondMoment?.makeUnique()
            }
            if options.amsgrad && states[index]!.maxSecondMoment == nil {
                // AMSGrad switched on after earlier steps (PyTorch raises a KeyError here): start the maximum from zero.
                states[index]!.maxSecondMoment = .zeros(like: parameter)
            }
            states[index]!.step += 1
            let state = states[index]!
            OptimizerKernels.adam(
                parameter: parameter, gradient: gradient, firstMoment: state.firstMoment,
                secondMoment: state.secondMoment, maxSecondMoment: options.amsgrad ? state.maxSecondMoment : nil,
                step: state.step, options: options)
        }
    }
}
