import Foundation
import Testing
import Lumen

// Optimizers and learning-rate schedulers checked against PyTorch.
//
// Goldens/optim.json is written by `.venv/bin/python scripts/make_optim_goldens.py` (the format is
// described there). Each optimizer case redoes PyTorch's five training steps on the same problem
// with Lumen's ops, autograd and optimizer, and compares the loss before each step and every
// parameter after it: within 1e-12 relative for float64, 1e-5 relative (plus 1e-7 absolute) for
// float32. Each scheduler case compares the learning rate after construction and after each of
// 12 steps with PyTorch's get_last_lr().

@Suite("Optim goldens") struct OptimGoldenTests {
    @Test("golden file loads")
    func goldenFileLoads() {
        #expect(OptimGoldens.loadError == nil, "\(OptimGoldens.loadError ?? "")")
        #expect(OptimGoldens.file?.optimizers.isEmpty == false)
        #expect(OptimGoldens.file?.schedulers.isEmpty == false)
    }

    @Test("optimizer matches PyTorch", arguments: OptimGoldens.optimizerNames)
    func optimizer(_ name: String) throws {
        let golden = try #require(OptimGoldens.file?.optimizers.first { $0.name == name })
        let problem = try #require(OptimGoldens.file?.problem)
        let dtype: DType = golden.dtype == "float32" ? .float32 : .float64
        func tensor(_ key: String) throws -> Tensor {
            let array = try #require(problem[key], "problem has no \(key)")
            return Tensor(array.data, shape: array.shape).cast(to: dtype)
        }
        let w = try tensor("W").requiringGrad(), b = try tensor("b").requiringGrad(),
            u = try tensor("u").requiringGrad()
        let x = try tensor("X"), y = try tensor("Y")
        let model = [w, b, u]  // the "model's" copies: the optimizer must update these in place
        let optimizer = try OptimGoldens.makeOptimizer(golden, model)
        let scheduler = try golden.scheduler.map { try OptimGoldens.makeScheduler($0, optimizer) }
        let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-14) : (1e-5, 1e-7)

        for (index, expected) in golden.steps.enumerated() {
            optimizer.zeroGrad()
            #expect(w.grad == nil && b.grad == nil)
            let loss = (x.matmul(w) + b - y).square().mean()
            try loss.backward()
            optimizer.step()
            scheduler?.step()
            let context = "\(name) step \(index + 1)"
            OptimGoldens.expectClose(loss.doubles, [expected.loss], rtol: rtol, atol: atol, "\(context) loss")
            OptimGoldens.expectClose(model[0].doubles, expected.W, rtol: rtol, atol: atol, "\(context) W")
            OptimGoldens.expectClose(model[1].doubles, expected.b, rtol: rtol, atol: atol, "\(context) b")
            // u takes no part in the loss: no gradient, so no update (not even weight decay).
            #expect(model[2].doubles == expected.u, "\(context): u changed")
        }
        #expect(u.grad == nil)
        switch optimizer {
        case let sgd as SGD: #expect(sgd.momentumBuffers[2] == nil)
        case let adam as Adam: #expect(adam.states[2] == nil && adam.states[0]?.step == golden.steps.count)
        case let adamW as AdamW: #expect(adamW.states[2] == nil && adamW.states[0]?.step == golden.steps.count)
        default: Issue.record("unexpected optimizer \(type(of: optimizer))")
        }
    }

    @Test("scheduler matches PyTorch", arguments: OptimGoldens.schedulerNames)
    func scheduler(_ name: String) throws {
        let golden = try #require(OptimGoldens.file?.schedulers.first { $0.name == name })
        let optimizer = SGD([Tensor.zeros([1]).requiringGrad()], learningRate: golden.lr)
        let scheduler = try OptimGoldens.makeScheduler(golden.scheduler, optimizer)
        var rates = [scheduler.learningRate]
        var optimizerRates = [optimizer.learningRate]
        for _ in 1..<golden.lrs.count {
            scheduler.step()
            rates.append(scheduler.learningRate)
            optimizerRates.append(optimizer.learningRate)
        }
        OptimGoldens.expectClose(rates, golden.lrs, rtol: 1e-12, atol: 1e-16, "\(name) learning rates")
        #expect(optimizerRates == rates, "\(name): the optimizer's rate differs from the scheduler's")
        #expect(scheduler.epoch == golden.lrs.count - 1)
    }
}

/// The decoded golden file, loaded once.
enum OptimGoldens {
    struct File: Decodable {
        let problem: [String: GoldenArray]
        let optimizers: [OptimizerCase]
        let schedulers: [SchedulerCase]
    }

    struct GoldenArray: Decodable {
        let shape: [Int]
        let data: [Double]
    }

    struct OptimizerCase: Decodable {
        let name: String
        let optimizer: String
        let dtype: String
        let options: Options
        let scheduler: SchedulerSpec?
        let steps: [Step]
    }

    struct Options: Decodable {
        let lr: Double
        let momentum: Double?
        let dampening: Double?
        let weightDecay: Double?
        let nesterov: Bool?
        let betas: [Double]?
        let eps: Double?
        let amsgrad: Bool?
    }

    struct Step: Decodable {
        let loss: Double
        let W: [Double]
        let b: [Double]
        let u: [Double]
    }

    struct SchedulerCase: Decodable {
        let name: String
        let lr: Double
        let scheduler: SchedulerSpec
        let lrs: [Double]
    }

    struct SchedulerSpec: Decodable {
        let type: String
        let stepSize: Int?
        let gamma: Double?
        let milestones: [Int]?
        let tMax: Int?
        let etaMin: Double?
        let startFactor: Double?
        let endFactor: Double?
        let totalIters: Int?
        let schedulers: [SchedulerSpec]?
    }

    struct BadCase: Error, CustomStringConvertible {
        let description: String
    }

    static let (file, loadError): (File?, String?) = {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Goldens/optim.json")
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return (try decoder.decode(File.self, from: Data(contentsOf: url)), nil)
        } catch {
            return (nil, "\(url.path): \(error)")
        }
    }()

    static var optimizerNames: [String] { file?.optimizers.map(\.name) ?? [] }
    static var schedulerNames: [String] { file?.schedulers.map(\.name) ?? [] }

    static func makeOptimizer(_ golden: OptimizerCase, _ parameters: [Tensor]) throws -> any Optimizer {
        let o = golden.options
        let betas = o.betas.map { ($0[0], $0[1]) } ?? (0.9, 0.999)
        switch golden.optimizer {
        case "SGD":
            return SGD(
                parameters, learningRate: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0,
                weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false)
        case "Adam":
            return Adam(
                parameters, learningRate: o.lr, betas: betas, eps: o.eps ?? 1e-8,
                weightDecay: o.weightDecay ?? 0, amsgrad: o.amsgrad ?? false)
        case "AdamW":
            return AdamW(
                parameters, learningRate: o.lr, betas: betas, eps: o.eps ?? 1e-8,
                weightDecay: o.weightDecay ?? 1e-2, amsgrad: o.amsgrad ?? false)
        default:
            throw BadCase(description: "\(golden.name): unknown optimizer \(golden.optimizer)")
        }
    }

    static func makeScheduler(_ spec: SchedulerSpec, _ optimizer: any Optimizer) throws -> any LearningRateScheduler {
        func need<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else { throw BadCase(description: "\(spec.type) spec has no \(key)") }
            return value
        }
        switch spec.type {
        case "StepLR":
            return StepLR(
                optimizer, stepSize: try need(spec.stepSize, "step_size"), gamma: try need(spec.gamma, "gamma"))
        case "MultiStepLR":
            return MultiStepLR(
                optimizer, milestones: try need(spec.milestones, "milestones"), gamma: try need(spec.gamma, "gamma"))
        case "ExponentialLR":
            return ExponentialLR(optimizer, gamma: try need(spec.gamma, "gamma"))
        case "CosineAnnealingLR":
            return CosineAnnealingLR(
                optimizer, tMax: try need(spec.tMax, "t_max"), etaMin: try need(spec.etaMin, "eta_min"))
        case "LinearLR":
            return LinearLR(
                optimizer, startFactor: try need(spec.startFactor, "start_factor"),
                endFactor: try need(spec.endFactor, "end_factor"), totalIters: try need(spec.totalIters, "total_iters"))
        case "SequentialLR":
            let children = try need(spec.schedulers, "schedulers").map { try makeScheduler($0, optimizer) }
            return SequentialLR(optimizer, schedulers: children, milestones: try need(spec.milestones, "milestones"))
        default:
            throw BadCase(description: "unknown scheduler \(spec.type)")
        }
    }

    static func expectClose(
        _ actual: [Double], _ expected: [Double], rtol: Double, atol: Double, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard actual.count == expected.count else {
            Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
            return
        }
        for (i, (a, e)) in zip(actual, expected).enumerated() where !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
            Issue.record("\(what)[\(i)]: \(a), PyTorch \(e) (difference \(a - e))", sourceLocation: sourceLocation)
            return
        }
    }
}
