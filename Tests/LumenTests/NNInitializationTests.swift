import Foundation
import Testing
@testable import Lumen

/// Initial values follow PyTorch's defaults.
@Suite("NN initialization") struct NNInitializationTests {
    private func moments(_ values: [Double]) -> (mean: Double, std: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }

    @Test func linearWeightsAreKaimingUniformAndBiasesFanInUniform() {
        var generator = RandomGenerator(seed: 1)
        let layer = Linear(inFeatures: 784, outFeatures: 256, generator: &generator)
        let bound = 1 / 784.0.squareRoot()
        let w = layer.weight.doubles
        #expect(layer.weight.shape == [256, 784])
        #expect(w.allSatisfy { abs($0) <= bound })
        let (mean, std) = moments(w)
        // U(−b, b) has std b/√3 = 1/√(3·784); 200,704 samples put the estimate within 0.5 %.
        #expect(abs(std / (1 / (3 * 784.0).squareRoot()) - 1) < 0.01)
        #expect(abs(mean) < 0.05 * bound)
        let b = layer.bias!.doubles
        #expect(b.count == 256 && b.allSatisfy { abs($0) <= bound })
        #expect(Set(b).count > 250)
    }

    @Test func convolutionFanInCountsGroupsAndKernel() {
        var generator = RandomGenerator(seed: 2)
        let layer = Conv2d(inChannels: 16, outChannels: 32, kernelSize: (3, 3), groups: 2, generator: &generator)
        #expect(layer.weight.shape == [32, 8, 3, 3])
        let bound = 1 / 72.0.squareRoot()
        #expect(layer.weight.doubles.allSatisfy { abs($0) <= bound })
        #expect(abs(moments(layer.weight.doubles).std / (bound / 3.0.squareRoot()) - 1) < 0.05)
        #expect(layer.bias!.doubles.allSatisfy { abs($0) <= bound })
    }

    @Test func embeddingsAreStandardNormalWithAZeroPaddingRow() {
        var generator = RandomGenerator(seed: 3)
        let layer = Embedding(numEmbeddings: 1000, embeddingDim: 64, paddingIndex: -1, generator: &generator)
        #expect(layer.paddingIndex == 999)
        let rows = layer.weight.doubles
        #expect(rows[(999 * 64)...].allSatisfy { $0 == 0 })
        let (mean, std) = moments(Array(rows[..<(999 * 64)]))
        #expect(abs(mean) < 0.02 && abs(std - 1) < 0.02)
    }

    @Test func normalizationLayersStartAsTheIdentity() {
        let bn = BatchNorm2d(numFeatures: 3)
        let state = bn.stateDict()
        #expect(state["weight"]?.doubles == [1, 1, 1] && state["bias"]?.doubles == [0, 0, 0])
        #expect(state["running_mean"]?.doubles == [0, 0, 0] && state["running_var"]?.doubles == [1, 1, 1])
        #expect(state["num_batches_tracked"]?.dtype == .int64 && state["num_batches_tracked"]?.shape == [])
        let ln = LayerNorm(normalizedShape: [2, 3])
        #expect(ln.weight?.doubles == [1, 1, 1, 1, 1, 1] && ln.bias?.doubles == [0, 0, 0, 0, 0, 0])
        #expect(BatchNorm1d(numFeatures: 2, affine: false, tracksRunningStats: false).stateDict().isEmpty)
    }

    @Test func generatorsMakeInitializationReproducible() {
        var g1 = RandomGenerator(seed: 9), g2 = RandomGenerator(seed: 9)
        let a = Linear(inFeatures: 5, outFeatures: 4, generator: &g1),
            b = Linear(inFeatures: 5, outFeatures: 4, generator: &g2)
        #expect(a.weight.doubles == b.weight.doubles && a.bias!.doubles == b.bias!.doubles)
        let c = Linear(inFeatures: 5, outFeatures: 4, generator: &g1)
        #expect(c.weight.doubles != a.weight.doubles)

        RandomGenerator.seed(21)
        let d = Conv2d(inChannels: 2, outChannels: 2, kernelSize: (2, 2))
        RandomGenerator.seed(21)
        let e = Conv2d(inChannels: 2, outChannels: 2, kernelSize: (2, 2))
        #expect(d.weight.doubles == e.weight.doubles)
    }

    @Test func float64LayersKeepTheirDtype() {
        let layer = Linear(inFeatures: 3, outFeatures: 2, dtype: .float64)
        #expect(layer.weight.dtype == .float64 && layer.bias?.dtype == .float64)
        #expect(layer(Tensor.ones([1, 3], dtype: .float64)).dtype == .float64)
    }
}
