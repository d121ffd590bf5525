/// Updates a list of parameter tensors in place from their gradients (PyTorch's `torch.optim.Optimizer`).
///
/// An optimizer holds the same tensors as the model (copies share storage), so ``step()`` changes
/// the model's parameters. Parameters whose ``Tensor/grad`` is `nil` after the backward pass are
/// skipped, and their state is left alone, as in PyTorch:
///
/// ```swift
/// let optimizer = Adam(model.parameters(), learningRate: 1e-3)
/// for (inputs, targets) in loader {
///     optimizer.zeroGrad()
///     let loss = lossFunction(model(inputs), targets)
///     try loss.backward()
///     optimizer.step()
/// }
/// ```
///
/// Optimizers are reference types with mutable state and are not `Sendable`: use one from one task
/// or thread at a time.
public protocol Optimizer: AnyObject {
    /// The tensors this optimizer updates, in the order they were given.
    var parameters: [Tensor] { get }

    /// The step size. Schedulers such as ``StepLR`` set it; it may also be set directly.
    var learningRate: Double { get set }

    /// Updates every parameter that has a gradient, in place, by one step of this optimizer's rule.
    func step()

    /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    func zeroGrad()
}

extension Optimizer {
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}

/// Checks shared by every optimizer's initializer.
enum OptimizerValidation {
    /// Traps unless every parameter is a floating-point tensor and no storage appears twice (a
    /// parameter listed twice would be updated twice per step).
    static func checkParameters(_ parameters: [Tensor], optimizer: String) {
        var seen = Set<ObjectIdentifier>()
        for (index, parameter) in parameters.enumerated() {
            precondition(
                parameter.dtype == .float32 || parameter.dtype == .float64,
                "\(optimizer): parameter \(index) is \(parameter.dtype); optimizers update float32 and float64 tensors")
            precondition(
                seen.insert(ObjectIdentifier(parameter.storage)).inserted,
                "\(optimizer): parameter \(index) (shape \(Shape.describe(parameter.shape))) appears more than once")
        }
    }

    /// The gradient of `parameter`, checked to match it, or `nil` when it has none.
    @inline(__always)
    static func gradient(of parameter: Tensor, index: Int, optimizer: String) -> Tensor? {
        guard let gradient = parameter.grad else { return nil }
        precondition(
            gradient.shape == parameter.shape,
            "\(optimizer): gradient of parameter \(index) has shape \(Shape.describe(gradient.shape)), the parameter \(Shape.describe(parameter.shape))"
        )
        precondition(
            gradient.dtype == parameter.dtype,
            "\(optimizer): gradient of parameter \(index) is \(gradient.dtype), the parameter \(parameter.dtype)")
        return gradient
    }

    static func check(_ condition: Bool, _ optimizer: String, _ message: @autoclosure () -> String) {
        precondition(condition, "\(optimizer): \(message())")
    }
}
