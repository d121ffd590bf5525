import Foundation
import Testing
@testable import Lumen

/// Layer and loss behavior the PyTorch goldens cannot pin down: randomness, modes, edge cases.
@Suite("NN layers") struct NNLayerTests {
    @Test func dropoutZeroesAboutPAndScalesTheRestInTraining() throws {
        let dropout = Dropout(p: 0.25, generator: RandomGenerator(seed: 5))
        let x = Tensor.ones([100_000]).requiringGrad()
        let y = dropout(x)
        let values = y.doubles
        let dropped = Double(values.filter { $0 == 0 }.count) / Double(values.count)
        #expect(abs(dropped - 0.25) < 0.01)
        #expect(values.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3.0) < 1e-6 })
        try y.sum().backward()
        #expect(x.grad?.doubles == values)  // the gradient is the mask

        let again = Dropout(p: 0.25, generator: RandomGenerator(seed: 5))
        #expect(again(Tensor.ones([100_000])).doubles == values)
    }

    @Test func dropoutIsTheIdentityInEvaluationAndAtZero() {
        let x = Tensor.normal([4, 5])
        #expect(Dropout(p: 0.9).eval()(x).doubles == x.doubles)
        #expect(Dropout(p: 0)(x).doubles == x.doubles)
        #expect(Dropout(p: 1)(x).doubles.allSatisfy { $0 == 0 })
    }

    @Test func batchNormUsesRunningStatisticsInEvaluationAndLeavesThemAlone() throws {
        let bn = BatchNorm1d(numFeatures: 2)
        try bn.load(
            stateDict: ["running_mean": Tensor([1, -1] as [Float]), "running_var": Tensor([4, 0.25] as [Float])],
            strict: false)
        bn.eval()
        let y = bn(Tensor([[3, 0], [1, -1]] as [[Float]]))
        let eps = 1e-5
        let expected = [2 / (4 + eps).squareRoot(), 1 / (0.25 + eps).squareRoot(), 0, 0]
        for (a, e) in zip(y.doubles, expected) { #expect(abs(a - e) < 1e-5) }
        #expect(bn.runningMean?.doubles == [1, -1])
        #expect(bn.numBatchesTracked?.item(as: Int64.self) == 0)
    }

    @Test func batchNormWithoutRunningStatisticsNormalizesWithTheBatchInEvaluation() {
        let bn = BatchNorm2d(numFeatures: 1, affine: false, tracksRunningStats: false).eval()
        #expect(bn.buffers().isEmpty && bn.parameters().isEmpty)
        let y = bn(Tensor([1, 2, 3, 4] as [Float]).reshaped([1, 1, 2, 2]))
        #expect(abs(y.mean().item(as: Float.self)) < 1e-6)
    }

    @Test func embeddingPaddingRowGetsNoGradient() throws {
        let layer = Embedding(numEmbeddings: 4, embeddingDim: 2, paddingIndex: 1)
        try layer.load(stateDict: ["weight": Tensor([[1, 1], [2, 2], [3, 3], [4, 4]] as [[Float]])])
        let y = layer(Tensor([1, 3, 1] as [Int64]))
        #expect(y.doubles == [2, 2, 4, 4, 2, 2])  // the padding row's values still come through
        try y.sum().backward()
        #expect(layer.weight.grad?.doubles == [0, 0, 0, 0, 0, 0, 1, 1])
    }

    @Test func shapesFollowPyTorch() {
        #expect(Linear(inFeatures: 3, outFeatures: 2)(Tensor.ones([3])).shape == [2])
        #expect(Linear(inFeatures: 3, outFeatures: 2)(Tensor.ones([4, 5, 3])).shape == [4, 5, 2])
        let same = Conv2d(inChannels: 2, outChannels: 3, kernelSize: (4, 5), padding: .same, dilation: (2, 1))
        #expect(same(Tensor.ones([1, 2, 9, 7])).shape == [1, 3, 9, 7])
        #expect(MaxPool2d(kernelSize: (2, 2))(Tensor.ones([3, 6, 4])).shape == [3, 3, 2])
        #expect(Flatten()(Tensor.ones([2, 3, 4])).shape == [2, 12])
        #expect(Flatten(startAxis: 0)(Tensor.ones([2, 3, 4])).shape == [24])
    }

    @Test func lossStructsMatchTheFunctions() {
        let logits = Tensor.normal([4, 3]), targets = Tensor([0, 2, 1, 2] as [Int64])
        let a = CrossEntropyLoss(labelSmoothing: 0.1)(logits, targets)
        let b = crossEntropy(logits: logits, targets: targets, labelSmoothing: 0.1)
        #expect(a.doubles == b.doubles)
        #expect(MSELoss(reduction: .sum)(logits, logits).item(as: Float.self) == 0)
        let nll = NLLLoss()(logSoftmax(logits, axis: 1), targets)
        #expect(
            abs(nll.item(as: Float.self) - crossEntropy(logits: logits, targets: targets).item(as: Float.self)) < 1e-6)
        let bce = BCEWithLogitsLoss()(Tensor([0] as [Float]), Tensor([1] as [Float]))
        #expect(abs(bce.item(as: Float.self) - Float(log(2.0))) < 1e-6)
    }

    @Test func lossEdgeCases() {
        // Every target ignored: the mean is 0/0, as in PyTorch.
        let logits = Tensor.normal([2, 3])
        #expect(crossEntropy(logits: logits, targets: Tensor([-100, -100] as [Int64])).item(as: Float.self).isNaN)
        #expect(
            crossEntropy(logits: logits, targets: Tensor([-100, -100] as [Int64]), reduction: .sum).item(as: Float.self)
                == 0)
        // Extreme logits stay finite.
        let bce = binaryCrossEntropyWithLogits(
            logits: Tensor([1000, -1000] as [Float]), targets: Tensor([0, 1] as [Float]),
            reduction: .none)
        #expect(bce.doubles == [1000, 1000])
        let ce = crossEntropy(logits: Tensor([[1000, -1000]] as [[Float]]), targets: Tensor([1] as [Int64]))
        #expect(ce.item(as: Float.self) == 2000)
    }
}
