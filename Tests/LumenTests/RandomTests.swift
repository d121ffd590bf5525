import Testing
@testable import Lumen

@Suite struct RandomTests {
    @Test func sameSeedSameSamples() {
        var g1 = RandomGenerator(seed: 7), g2 = RandomGenerator(seed: 7), g3 = RandomGenerator(seed: 8)
        let a = Tensor.normal([100], using: &g1), b = Tensor.normal([100], using: &g2),
            c = Tensor.normal([100], using: &g3)
        #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
        #expect(a.scalars(as: Float.self) != c.scalars(as: Float.self))
        // The generator advances: the next draw differs from the first.
        let d = Tensor.normal([100], using: &g1)
        #expect(a.scalars(as: Float.self) != d.scalars(as: Float.self))
    }

    @Test func globalGeneratorIsReseedable() {
        RandomGenerator.seed(3)
        let a = Tensor.uniform([10])
        RandomGenerator.seed(3)
        let b = Tensor.uniform([10])
        #expect(a.scalars(as: Float.self) == b.scalars(as: Float.self))
    }

    /// Moments of 200,000 samples against the distributions' own (tolerances are > 5 standard errors).
    @Test func distributionsHaveTheirMoments() {
        var g = RandomGenerator(seed: 11)
        let n = 200_000
        let u = Tensor.uniform([n], low: -1, high: 3, dtype: .float64, using: &g).doubles
        #expect(u.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(abs(mean(u) - 1) < 0.02)
        #expect(abs(variance(u) - 16.0 / 12) < 0.02)

        let z = Tensor.normal([n], mean: 2, std: 3, dtype: .float64, using: &g).doubles
        #expect(abs(mean(z) - 2) < 0.04)
        #expect(abs(variance(z).squareRoot() - 3) < 0.03)

        // A normal truncated at ±2σ has variance σ²·(1 − 2·2·φ(2)/(Φ(2) − Φ(−2))) ≈ 0.7737·σ².
        let t = Tensor.truncatedNormal([n], std: 1, dtype: .float64, using: &g).doubles
        #expect(t.allSatisfy { abs($0) <= 2 })
        #expect(abs(variance(t) - 0.7737) < 0.01)

        let bits = Tensor.bernoulli([n], p: 0.3, using: &g).doubles
        #expect(Set(bits).isSubset(of: [0, 1]))
        #expect(abs(mean(bits) - 0.3) < 0.01)

        let mask = Tensor.dropoutMask([n], p: 0.25, using: &g).doubles
        #expect(Set(mask).isSubset(of: [0, Double(Float(1 / 0.75))]))
        #expect(abs(mean(mask) - 1) < 0.01)  // inverted dropout keeps the expectation
    }

    func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    func variance(_ v: [Double]) -> Double {
        let m = mean(v)
        return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
    }
}
