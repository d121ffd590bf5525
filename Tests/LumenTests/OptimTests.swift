import Testing
@testable import Lumen

@Suite("Optimizers") struct OptimTests {
    /// One backward pass of `sum(p²) / 2`, whose gradient is `p`.
    private func backwardHalfSquare(_ parameters: [Tensor]) throws {
        for p in parameters { try (p.square().sum() * 0.5).backward() }
    }

    @Test func stepUpdatesTheModelsTensorsInPlace() throws {
        let weight = Tensor([1, -2, 3] as [Double]).requiringGrad()
        let modelCopy = weight  // what a module would hold
        let optimizer = SGD([weight], learningRate: 0.5)
        try backwardHalfSquare([weight])
        optimizer.step()
        #expect(modelCopy.scalars(as: Double.self) == [0.5, -1, 1.5])
        #expect(modelCopy.sharesStorage(with: optimizer.parameters[0]))
        #expect(modelCopy.requiresGrad && modelCopy.isLeaf)
    }

    @Test func zeroGradClearsEveryGradient() throws {
        let a = Tensor([1, 2] as [Float]).requiringGrad(), b = Tensor([3] as [Float]).requiringGrad()
        let optimizer = Adam([a, b])
        try backwardHalfSquare([a, b])
        #expect(a.grad != nil && b.grad != nil)
        optimizer.zeroGrad()
        #expect(a.grad == nil && b.grad == nil)
    }

    @Test func parametersWithoutGradientsAreSkipped() throws {
        let used = Tensor([1, 1] as [Float]).requiringGrad(), unused = Tensor([5, 5] as [Float]).requiringGrad()
        let optimizer = AdamW([used, unused], learningRate: 0.1, weightDecay: 0.5)
        try backwardHalfSquare([used])
        optimizer.step()
        #expect(unused.scalars(as: Float.self) == [5, 5])
        #expect(optimizer.states[1] == nil)
        #expect(optimizer.states[0]?.step == 1)
        #expect(used.scalars(as: Float.self) != [1, 1])
    }

    @Test func learningRateChangesTakeEffect() throws {
        let p = Tensor([2] as [Double]).requiringGrad()
        let optimizer = SGD([p], learningRate: 0.5)
        try backwardHalfSquare([p])
        optimizer.learningRate = 0.25
        optimizer.step()
        #expect(p.scalars(as: Double.self) == [1.5])
    }

    @Test func stateHandedOutIsNotChangedByLaterSteps() throws {
        let p = Tensor([1, 2, 3] as [Double]).requiringGrad()
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9)
        try backwardHalfSquare([p])
        sgd.step()
        let buffer = try #require(sgd.momentumBuffers[0])
        let before = buffer.scalars(as: Double.self)
        sgd.step()  // the same gradient again
        #expect(buffer.scalars(as: Double.self) == before)
        #expect(sgd.momentumBuffers[0]?.scalars(as: Double.self) != before)

        let adam = Adam([p])
        adam.step()
        let moments = try #require(adam.states[0])
        let firstMoment = moments.firstMoment.scalars(as: Double.self)
        adam.step()
        #expect(moments.firstMoment.scalars(as: Double.self) == firstMoment)
        #expect(adam.states[0]?.step == 2)
    }

    /// Large parameters take the multi-threaded path of the fused loops; check it element by element
    /// against PyTorch's formulas written with tensor ops.
    @Test(arguments: [DType.float32, .float64])
    func fusedLoopsMatchTheUnfusedFormulasOnLargeParameters(dtype: DType) throws {
        var generator = RandomGenerator(seed: 7)
        let count = 100_003
        let start = Tensor.normal([count], dtype: dtype, using: &generator)
        let gradients = (0..<3).map { _ in Tensor.normal([count], dtype: dtype, using: &generator) }
        let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-14) : (1e-5, 1e-6)

        // SGD with Nesterov momentum and weight decay.
        let sgdParameter = Tensor(start.doubles, shape: [count]).cast(to: dtype).requiringGrad()
        let sgd = SGD([sgdParameter], learningRate: 0.05, momentum: 0.8, weightDecay: 0.01, nesterov: true)
        var p = start, buffer: Tensor? = nil
        for g in gradients {
            sgdParameter.grad = g
            sgd.step()
            let d = g + 0.01 * p
            buffer = buffer.map { $0 * 0.8 + 1.0 * d } ?? d
            p = p - 0.05 * (d + 0.8 * buffer!)
        }
        expectClose(sgdParameter, p, rtol: rtol, atol: atol)

        // AdamW with AMSGrad; and Adam with L2 weight decay.
        for decoupled in [true, false] {
            let parameter = Tensor(start.doubles, shape: [count]).cast(to: dtype).requiringGrad()
            let optimizer: any Optimizer =
                decoupled
                ? AdamW([parameter], learningRate: 0.01, weightDecay: 0.1, amsgrad: true)
                : Adam([parameter], learningRate: 0.01, betas: (0.3, 0.99), weightDecay: 0.1)
            let (beta1, beta2) = decoupled ? (0.9, 0.999) : (0.3, 0.99)
            var p = start, m = Tensor.zeros(like: start), v = Tensor.zeros(like: start),
                vMax = Tensor.zeros(like: start)
            for (index, g0) in gradients.enumerated() {
                parameter.grad = g0
                optimizer.step()
                let t = Double(index + 1)
                var g = g0
                if decoupled { p = p * (1 - 0.01 * 0.1) } else { g = g + 0.1 * p }
                m = m * beta1 + (1 - beta1) * g
                v = v * beta2 + (1 - beta2) * g * g
                vMax = vMax.maximum(v)
                let denominator = (decoupled ? vMax : v).sqrt() / (1 - Double.power(beta2, t)).squareRoot() + 1e-8
                p = p - (0.01 / (1 - Double.power(beta1, t))) * m / denominator
            }
            expectClose(parameter, p, rtol: rtol, atol: atol)
        }
    }

    private func expectClose(
        _ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.dtype == expected.dtype, sourceLocation: sourceLocation)
        let a = actual.doubles, e = expected.doubles
        let worst = zip(a, e).enumerated().first { !(Swift.abs($1.0 - $1.1) <= atol + rtol * Swift.abs($1.1)) }
        #expect(
            worst == nil, "element \(worst?.offset ?? -1): \(worst?.element.0 ?? 0) vs \(worst?.element.1 ?? 0)",
            sourceLocation: sourceLocation)
    }

    @Test func schedulersSetTheOptimizersRate() {
        let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 1)
        let warmUp = LinearLR(optimizer, startFactor: 0.5, totalIters: 2)
        #expect(optimizer.learningRate == 0.5)
        warmUp.step()
        #expect(optimizer.learningRate == 0.75 && warmUp.learningRate == 0.75 && warmUp.epoch == 1)

        let other = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: 0.2)
        let warm = LinearLR(other, startFactor: 0.5, totalIters: 2)
        let decay = StepLR(other, stepSize: 1, gamma: 0.5)
        let sequence = SequentialLR(other, schedulers: [warm, decay], milestones: [2])
        var rates = [other.learningRate]
        for _ in 0..<4 {
            sequence.step()
            rates.append(other.learningRate)
        }
        #expect(rates.map { ($0 * 1e12).rounded() / 1e12 } == [0.1, 0.15, 0.2, 0.1, 0.05])
        #expect(sequence.learningRate(atEpoch: 2) == 0.2)
    }
}
