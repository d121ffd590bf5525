/// Returns its input (PyTorch's `nn.Identity`).
open class Identity: Module {
    open override func forward(_ x: Tensor) -> Tensor { x }
}

/// `max(x, 0)` (PyTorch's `nn.ReLU`).
open class ReLU: Module {
    open override func forward(_ x: Tensor) -> Tensor { x.relu() }
}

/// The Gaussian error linear unit `x·Φ(x)` (PyTorch's `nn.GELU`).
open class GELU: Module {
    /// How Φ is computed.
    public enum Approximation: Sendable {
        /// The exact normal CDF (PyTorch's `approximate="none"`).
        case none
        /// `0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (PyTorch's `approximate="tanh"`).
        case tanh
    }

    /// How Φ is computed.
    public let approximation: Approximation

    /// GELU computed exactly (the default) or with the tanh approximation.
    public init(approximate approximation: Approximation = .none) {
        self.approximation = approximation
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { x.gelu(approximate: approximation == .tanh) }

    open override var extraDescription: String { approximation == .tanh ? "approximate: .tanh" : "" }
}

/// The hyperbolic tangent (PyTorch's `nn.Tanh`).
open class Tanh: Module {
    open override func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// The logistic function `1 / (1 + e⁻ˣ)` (PyTorch's `nn.Sigmoid`).
open class Sigmoid: Module {
    open override func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// Softmax along `axis` (PyTorch's `nn.Softmax(dim)`).
open class Softmax: Module {
    /// The axis normalized over; negative counts from the end.
    public let axis: Int

    /// The function applied along `axis`.
    public init(axis: Int) {
        self.axis = axis
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { softmax(x, axis: axis) }

    open override var extraDescription: String { "axis: \(axis)" }
}

/// Log-softmax along `axis` (PyTorch's `nn.LogSoftmax(dim)`).
open class LogSoftmax: Module {
    /// The axis normalized over; negative counts from the end.
    public let axis: Int

    /// The function applied along `axis`.
    public init(axis: Int) {
        self.axis = axis
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor { logSoftmax(x, axis: axis) }

    open override var extraDescription: String { "axis: \(axis)" }
}
