/// A TensorFlow 1 `tf.train.Optimizer`: adds to a graph the ops that update variables from the
/// gradients of a loss. ``minimize(_:globalStep:varList:)`` returns the train op to run in a
/// ``Session``, step after step.
///
/// Updates are TensorFlow's fused ops (`ApplyGradientDescent`, `ApplyMomentum`, `ApplyAdam`) under
/// `<Name>/update_<variable>/`; slot variables are named `<variable>/<Slot>` (`w/Momentum`, `w/Adam`,
/// `w/Adam_1`) and, like every variable, start when the initializer runs, so run
/// ``globalVariablesInitializer()`` after building the train op.
public class TrainingOptimizer {
    /// The name scope of the update ops and the slot suffix (`GradientDescent`, `Momentum`, `Adam`).
    public let name: String
    /// The learning rate (when ``learningRateTensor`` is `nil`).
    public let learningRate: Double
    /// A scalar tensor giving the learning rate at each run (a placeholder fed with a schedule's
    /// value, as TensorFlow 1 code feeds one), in place of ``learningRate``.
    public let learningRateTensor: GraphTensor?
    /// Slot variables by `variable name/slot name`.
    var slots: [String: Variable] = [:]

    init(name: String, learningRate: Double, learningRateTensor: GraphTensor? = nil) {
        self.name = name
        self.learningRate = learningRate
        self.learningRateTensor = learningRateTensor
    }

    /// The learning rate as a scalar of `dtype`: the ``learningRateTensor`` (cast when its dtype
    /// differs), else the constant `<Name>/learning_rate`.
    func resolvedLearningRate(_ hyperparameters: inout Hyperparameters, dtype: DType) throws -> GraphTensor {
        guard let tensor = learningRateTensor else {
            return try hyperparameters.scalar("learning_rate", learningRate, dtype: dtype)
        }
        guard tensor.rank == 0 else {
            throw GraphError.invalidArgument(
                "\(name): the learning rate must be a scalar, not \(Shape.describe(tensor.shape))")
        }
        if tensor.dtype == dtype { return tensor }
        let key = "learning_rate_cast/\(dtype)"
        if let existing = hyperparameters.made[key] { return existing }
        let cast = try hyperparameters.graph.withNameScope(hyperparameters.scope + "/") {
            try hyperparameters.graph.apply(
                "Cast", [tensor], attributes: ["DstT": .dtype(dtype)], name: "learning_rate")
        }
        hyperparameters.made[key] = cast
        return cast
    }

    /// The gradient of `loss` for each variable of `varList` (the graph's trainable variables when
    /// `nil`); `nil` where the loss does not depend on the variable.
    public func computeGradients(_ loss: GraphTensor, varList: [Variable]? = nil) throws -> [(
        gradient: GraphTensor?, variable: Variable
    )] {
        let variables = varList ?? loss.graph.trainableVariables
        let gradients = try loss.graph.gradients(ys: [loss], xs: variables.map(\.reference))
        return Array(zip(gradients, variables)).map { (gradient: $0.0, variable: $0.1) }
    }

    /// The op applying `gradients` to their variables, then adding one to `globalStep` when given
    /// (the train op is then that `AssignAdd`, named `<Name>`; otherwise a group named `<Name>`).
    public func applyGradients(
        _ gradients: [(gradient: GraphTensor, variable: Variable)], globalStep: Variable? = nil,
        name: String? = nil
    ) throws -> GraphOperation {
        guard let graph = gradients.first?.variable.graph else {
            throw GraphError.invalidArgument("applyGradients: no variables to update")
        }
        let variables = gradients.map(\.variable)
        try graph.controlDependencies(nil as [GraphOperation]?) {
            try graph.withNameScope("") {
                try createSlots(for: variables, graph: graph)
            }
        }
        return try graph.withNameScope(name ?? self.name) { scope in
            var hyperparameters = Hyperparameters(graph: graph, scope: scope)
            var updates: [GraphOperation] = []
            for (gradient, variable) in gradients {
                let update = try graph.withNameScope("update_" + variable.name) { _ in
                    try graph.withDevice(variable.op.device) {
                        try applyDense(gradient, to: variable, hyperparameters: &hyperparameters, graph: graph)
                    }
                }
                updates.append(update)
            }
            guard let globalStep else { return try finish(updates, name: scope + "/", graph: graph) }
            let finished = try finish(updates, name: "update", graph: graph)
            return try graph.controlDependencies([finished]) {
                try globalStep.assignAdd(Tensor.full([], 1, dtype: globalStep.dtype), name: scope + "/").op
            }
        }
    }

    /// ``computeGradients(_:varList:)`` then ``applyGradients(_:globalStep:name:)``: the train op.
    public func minimize(_ loss: GraphTensor, globalStep: Variable? = nil, varList: [Variable]? = nil) throws
        -> GraphOperation
    {
        let pairs = try computeGradients(loss, varList: varList)
        let present = pairs.compactMap { pair in pair.gradient.map { (gradient: $0, variable: pair.variable) } }
        guard !present.isEmpty else { throw GraphError.noGradientsForVariables(pairs.map(\.variable.name)) }
        return try applyGradients(present, globalStep: globalStep)
    }

    /// The slot `slotName` of `variable` (`w/Momentum`), once created.
    public func slot(_ slotName: String, for variable: Variable) -> Variable? { slots[variable.name + "/" + slotName] }

    // MARK: Subclass hooks

    /// Creates the slot variables, at the root name scope.
    func createSlots(for variables: [Variable], graph: Graph) throws {}

    /// Adds the update of `variable` by `gradient`.
    func applyDense(
        _ gradient: GraphTensor, to variable: Variable, hyperparameters: inout Hyperparameters,
        graph: Graph
    ) throws -> GraphOperation {
        preconditionFailure("TrainingOptimizer subclasses implement applyDense")
    }

    /// Groups the updates into the op named `name`.
    func finish(_ updates: [GraphOperation], name: String, graph: Graph) throws -> GraphOperation {
        try graph.group(updates, name: name)
    }

    /// A zero-initialized slot `<variable>/<slotName>` for `variable`, created once.
    func zerosSlot(_ slotName: String, for variable: Variable, graph: Graph) throws -> Variable {
        let key = variable.name + "/" + slotName
        if let existing = slots[key] { return existing }
        let slot = try graph.withDevice(variable.op.device) {
            try Variable(Tensor.zeros(variable.shape, dtype: variable.dtype), name: key, trainable: false, graph: graph)
        }
        slots[key] = slot
        return slot
    }

    /// The scalar hyperparameter constants of one `applyGradients`, made once per dtype in the
    /// optimizer's scope (`Momentum/learning_rate`), as TensorFlow's `_prepare` does.
    struct Hyperparameters {
        let graph: Graph
        /// The optimizer's name scope (`Momentum`, `Momentum_1`).
        let scope: String
        var made: [String: GraphTensor] = [:]

        init(graph: Graph, scope: String) {
            self.graph = graph
            self.scope = scope
        }

        mutating func scalar(_ name: String, _ value: Double, dtype: DType) throws -> GraphTensor {
            let key = "\(name)/\(dtype)"
            if let existing = made[key] { return existing }
            // Made in the optimizer's scope, outside the per-variable update scope.
            let tensor = try graph.withNameScope(scope + "/") {
                try graph.withDevice(nil) { try graph.constant(Tensor.full([], value, dtype: dtype), name: name) }
            }
            made[key] = tensor
            return tensor
        }
    }
}

/// TensorFlow 1's `tf.train.GradientDescentOptimizer`: `w -= learningRate · g` (`ApplyGradientDescent`).
public final class GradientDescentOptimizer: TrainingOptimizer {
    public init(learningRate: Double, name: String = "GradientDescent") {
        super.init(name: name, learningRate: learningRate)
    }

    /// Gradient descent whose learning rate is the scalar `learningRate` tensor, read at each run.
    public init(learningRate: GraphTensor, name: String = "GradientDescent") {
        super.init(name: name, learningRate: .nan, learningRateTensor: learningRate)
    }

    override func applyDense(
        _ gradient: GraphTensor, to variable: Variable, hyperparameters: inout Hyperparameters,
        graph: Graph
    ) throws -> GraphOperation {
        let lr = try resolvedLearningRate(&hyperparameters, dtype: variable.dtype)
        return try graph.addOperation(
            "ApplyGradientDescent", inputs: [variable.reference, lr, gradient],
            attributes: ["use_locking": .bool(false)])
    }
}

/// TensorFlow 1's `tf.train.MomentumOptimizer` (`ApplyMomentum`, slot `<w>/Momentum`):
/// `accum = momentum · accum + g`, then `w -= lr · accum`, or with Nesterov
/// `w -= lr · g + lr · momentum · accum`.
public final class MomentumOptimizer: TrainingOptimizer {
    public let momentum: Double
    public let useNesterov: Bool

    public init(learningRate: Double, momentum: Double, useNesterov: Bool = false, name: String = "Momentum") {
        self.momentum = momentum
        self.useNesterov = useNesterov
        super.init(name: name, learningRate: learningRate)
    }

    /// Momentum whose learning rate is the scalar `learningRate` tensor, read at each run.
    public init(learningRate: GraphTensor, momentum: Double, useNesterov: Bool = false, name: String = "Momentum") {
        self.momentum = momentum
        self.useNesterov = useNesterov
        super.init(name: name, learningRate: .nan, learningRateTensor: learningRate)
    }

    override func createSlots(for variables: [Variable], graph: Graph) throws {
        for v in variables { _ = try zerosSlot("Momentum", for: v, graph: graph) }
    }

    override func applyDense(
        _ gradient: GraphTensor, to variable: Variable, hyperparameters: inout Hyperparameters,
        graph: Graph
    ) throws -> GraphOperation {
        let accumulator = try zerosSlot("Momentum", for: variable, graph: graph)
        let lr = try resolvedLearningRate(&hyperparameters, dtype: variable.dtype)
        let m = try hyperparameters.scalar("momentum", momentum, dtype: variable.dtype)
        return try graph.addOperation(
            "ApplyMomentum", inputs: [variable.reference, accumulator.reference, lr, gradient, m],
            attributes: ["use_locking": .bool(false), "use_nesterov": .bool(useNesterov)])
    }
}

/// TensorFlow 1's `tf.train.AdamOptimizer` (`ApplyAdam`, slots `<w>/Adam` and `<w>/Adam_1`,
/// accumulators `beta1_power` and `beta2_power`):
/// `lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)`, `m = β₁m + (1 − β₁)g`, `v = β₂v + (1 − β₂)g²`,
/// `w -= lr_t · m / (√v + ε)`; then `β₁ᵗ *= β₁`, `β₂ᵗ *= β₂`.
public final class AdamOptimizer: TrainingOptimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    private var betaPowers: (Variable, Variable)?

    public init(
        learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        name: String = "Adam"
    ) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(name: name, learningRate: learningRate)
    }

    /// The `beta1_power` and `beta2_power` variables, once created.
    public var betaPowerVariables: (beta1Power: Variable, beta2Power: Variable)? { betaPowers.map { ($0.0, $0.1) } }

    override func createSlots(for variables: [Variable], graph: Graph) throws {
        guard let first = variables.first else { return }
        if betaPowers == nil {
            betaPowers = try graph.withDevice(first.op.device) {
                (
                    try Variable(
                        Tensor.full([], beta1, dtype: first.dtype), name: "beta1_power", trainable: false, graph: graph),
                    try Variable(
                        Tensor.full([], beta2, dtype: first.dtype), name: "beta2_power", trainable: false, graph: graph)
                )
            }
        }
        for v in variables {
            _ = try zerosSlot("Adam", for: v, graph: graph)
            _ = try zerosSlot("Adam_1", for: v, graph: graph)
        }
    }

    override func applyDense(
        _ gradient: GraphTensor, to variable: Variable, hyperparameters: inout Hyperparameters,
        graph: Graph
    ) throws -> GraphOperation {
        guard let (beta1Power, beta2Power) = betaPowers else { preconditionFailure("Adam slots not created") }
        let m = try zerosSlot("Adam", for: variable, graph: graph),
            v = try zerosSlot("Adam_1", for: variable, graph: graph)
        let dtype = variable.dtype
        func cast(_ t: GraphTensor) throws -> GraphTensor {
            t.dtype == dtype ? t : try graph.apply("Cast", [t], attributes: ["DstT": .dtype(dtype)])
        }
        let inputs = [
            variable.reference, m.reference, v.reference,
            try cast(beta1Power.reference), try cast(beta2Power.reference),
            try resolvedLearningRate(&hyperparameters, dtype: dtype),
            try hyperparameters.scalar("beta1", beta1, dtype: dtype),
            try hyperparameters.scalar("beta2", beta2, dtype: dtype),
            try hyperparameters.scalar("epsilon", epsilon, dtype: dtype),
            gradient,
        ]
        return try graph.addOperation(
            "ApplyAdam", inputs: inputs,
            attributes: ["use_locking": .bool(false), "use_nesterov": .bool(false)])
    }

    override func finish(_ updates: [GraphOperation], name: String, graph: Graph) throws -> GraphOperation {
        guard let (beta1Power, beta2Power) = betaPowers else { return try graph.group(updates, name: name) }
        let (update1, update2) = try graph.controlDependencies(updates) {
            try graph.withDevice(beta1Power.op.device) {
                let b1 = try graph.constant(Tensor.full([], beta1, dtype: beta1Power.dtype), name: "beta1")
                let b2 = try graph.constant(Tensor.full([], beta2, dtype: beta2Power.dtype), name: "beta2")
                return (
                    try beta1Power.assign(GraphTensor.build("Mul", [beta1Power.reference, b1], name: "mul")),
                    try beta2Power.assign(GraphTensor.build("Mul", [beta2Power.reference, b2], name: "mul"))
                )
            }
        }
        return try graph.group(updates + [update1.op, update2.op], name: name)
    }
}
