import Foundation
import Testing
@testable import Lumen

@Suite struct AutogradTests {
    @Test func scalarBackwardAccumulatesIntoLeaves() throws {
        let w = Tensor([[1, 2], [3, 4]] as [[Double]]).requiringGrad()
        let x = Tensor([[0.5, -1], [2, 0.25]] as [[Double]])
        let loss = (x.matmul(w) * x).sum()
        try loss.backward()
        // d/dW sum((X·W) ∘ X) = Xᵀ·X
        let expected = x.transposed().matmul(x)
        #expect(w.grad?.scalars(as: Double.self) == expected.scalars(as: Double.self))
        // A second, independent graph accumulates.
        try (x.matmul(w) * x).sum().backward()
        #expect(w.grad?.scalars(as: Double.self) == (expected * 2).scalars(as: Double.self))
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func broadcastInputsGetGradientsOfTheirOwnShape() throws {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]]).requiringGrad()
        let bias = Tensor([10, 20, 30] as [Float]).requiringGrad()
        try ((a + bias) * (a + bias)).sum().backward()
        #expect(bias.grad?.shape == [3])
        let expected: [Float] = [50, 94, 138]  // 2·(11 + 14), 2·(22 + 25), 2·(33 + 36)
        #expect(bias.grad?.scalars(as: Float.self) == expected)
    }

    @Test func errorsAreClear() throws {
        let x = Tensor([1, 2] as [Float]).requiringGrad()
        let y = x * x
        #expect(throws: AutogradError.implicitGradientForNonScalar(shape: [2])) { try y.backward() }
        try y.backward(gradient: Tensor([1, 1] as [Float]))
        #expect(throws: AutogradError.graphAlreadyFreed(opType: "Mul")) {
            try y.backward(gradient: Tensor([1, 1] as [Float]))
        }
        #expect(throws: AutogradError.doesNotRequireGrad) { try Tensor([1] as [Float]).sum().backward() }
        let z = x * x
        try z.sum().backward(retainGraph: true)
        try z.sum().backward()
        let twice: [Float] = [6, 12]  // 2x from the first backward plus 2x + 2x from the retained pair
        #expect(x.grad?.scalars(as: Float.self) == twice)
    }

    @Test func noGradAndDetachStopRecording() throws {
        let x = Tensor([3] as [Float]).requiringGrad()
        let y = noGrad { x * x }
        #expect(!y.requiresGrad)
        let z = x.detach() * x
        try z.sum().backward()
        #expect(x.grad?.scalars(as: Float.self) == [3])
    }
}
