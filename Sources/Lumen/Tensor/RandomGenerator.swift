import RealModule
import Synchronization

/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Pass one around by `inout` to make random tensors reproducible:
/// ```swift
/// var generator = RandomGenerator(seed: 42)
/// let w = Tensor.normal([3, 3], using: &generator)
/// ```
/// Functions without a generator draw from ``RandomGenerator/global``, which ``RandomGenerator/seed(_:)`` resets.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Double {
        var u = nextUnit()
        while u == 0 { u = nextUnit() }
        let v = nextUnit()
        return (-2 * Double.log(u)).squareRoot() * Double.cos(2 * Double.pi * v)
    }

    private static let shared = Mutex(RandomGenerator(seed: 0x5EED))

    /// Resets the global generator (like `torch.manual_seed`).
    public static func seed(_ seed: UInt64) { shared.withLock { $0 = RandomGenerator(seed: seed) } }

    /// Runs `body` with the global generator.
    public static func withGlobal<R>(_ body: (inout RandomGenerator) -> R) -> R {
        shared.withLock { body(&$0) }
    }
}

extension Tensor {
    private static func sampled(_ shape: [Int], dtype: DType, _ sample: () -> Double) -> Tensor {
        precondition(dtype.isFloatingPoint, "random samples need a floating-point dtype, not \(dtype)")
        return Tensor((0..<Shape.elementCount(shape)).map { _ in sample() }, shape: shape).cast(to: dtype)
    }

    /// Uniform samples in `[low, high)`.
    public static func uniform(
        _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        sampled(shape, dtype: dtype) { low + (high - low) * generator.nextUnit() }
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        sampled(shape, dtype: dtype) { mean + std * generator.nextNormal() }
    }

    /// Normal samples redrawn until they fall within two standard deviations (TensorFlow's
    /// `truncated_normal`).
    public static func truncatedNormal(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        sampled(shape, dtype: dtype) {
            var z = generator.nextNormal()
            while Swift.abs(z) > 2 { z = generator.nextNormal() }
            return mean + std * z
        }
    }

    /// Ones with probability `p`, zeros otherwise.
    public static func bernoulli(
        _ shape: [Int], p: Double, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        precondition((0...1).contains(p), "bernoulli: p must be in [0, 1], got \(p)")
        return Tensor((0..<Shape.elementCount(shape)).map { _ in generator.nextUnit() < p ? 1.0 : 0.0 }, shape: shape)
            .cast(to: dtype)
    }

    /// An inverted-dropout mask: `1 / (1 - p)` where an element is kept, 0 where it is dropped (with
    /// probability `p`). Multiply activations by it during training.
    public static func dropoutMask(
        _ shape: [Int], p: Double, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) -> Tensor {
        precondition((0..<1).contains(p), "dropout: p must be in [0, 1), got \(p)")
        let scale = 1 / (1 - p)
        return Tensor((0..<Shape.elementCount(shape)).map { _ in generator.nextUnit() < p ? 0.0 : scale }, shape: shape)
            .cast(to: dtype)
    }

    /// Uniform samples from the global generator.
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32) -> Tensor {
        RandomGenerator.withGlobal { uniform(shape, low: low, high: high, dtype: dtype, using: &$0) }
    }

    /// Normal samples from the global generator.
    public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32) -> Tensor {
        RandomGenerator.withGlobal { normal(shape, mean: mean, std: std, dtype: dtype, using: &$0) }
    }
}
