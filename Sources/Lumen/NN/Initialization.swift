/// PyTorch's default initializations, drawn from a ``RandomGenerator``.
enum Initialization {
    /// `kaiming_uniform_(w, a: √5)`, PyTorch's default for `Linear` and `Conv2d` weights:
    /// U(−b, b) with b = gain·√(3 / fanIn), gain = √(2 / (1 + a²)), which is b = 1/√fanIn.
    static func kaimingUniform(
        _ shape: [Int], fanIn: Int, negativeSlope a: Double = 5.0.squareRoot(),
        dtype: DType, using generator: inout RandomGenerator
    ) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = fanIn > 0 ? gain * (3 / Double(fanIn)).squareRoot() : 0
        return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, using: &generator)
    }

    /// U(−1/√fanIn, 1/√fanIn), PyTorch's default for `Linear` and `Conv2d` biases (zeros when
    /// `fanIn` is 0).
    static func fanInUniform(_ shape: [Int], fanIn: Int, dtype: DType, using generator: inout RandomGenerator) -> Tensor
    {
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, using: &generator)
    }
}

extension RandomGenerator {
    /// A generator seeded from the global one (advancing it), for initializers without a generator
    /// argument: reproducible after ``RandomGenerator/seed(_:)``, and safe to call from any thread.
    static func forkingGlobal() -> RandomGenerator {
        RandomGenerator(seed: withGlobal { $0.next() })
    }
}
