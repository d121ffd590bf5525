/// Inverted dropout (PyTorch's `nn.Dropout`): in training, each element is zeroed with probability
/// `p` and the rest are scaled by `1 / (1 − p)`; in evaluation mode the input passes unchanged.
open class Dropout: Module {
    /// The probability of zeroing an element.
    public let p: Double
    private var generator: RandomGenerator?

    /// Dropout drawing its masks from `generator` when given, from the global generator otherwise.
    public init(p: Double = 0.5, generator: RandomGenerator? = nil) {
        precondition((0...1).contains(p), "Dropout: p must be in [0, 1], got \(p)")
        self.p = p
        self.generator = generator
        super.init()
    }

    open override func forward(_ x: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return x }
        if p == 1 { return x * 0 }
        let mask: Tensor
        if generator != nil {
            mask = Tensor.dropoutMask(x.shape, p: p, dtype: x.dtype, using: &generator!)
        } else {
            mask = RandomGenerator.withGlobal { Tensor.dropoutMask(x.shape, p: p, dtype: x.dtype, using: &$0) }
        }
        return x * mask
    }

    open override var extraDescription: String { "p: \(p)" }
}
