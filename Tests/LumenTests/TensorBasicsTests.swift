import Testing
@testable import Lumen

@Suite struct TensorBasicsTests {
    @Test func createsFromNestedArrays() {
        let t = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        #expect(t.shape == [2, 3])
        #expect(t.dtype == .float32)
        #expect(t.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        let i = Tensor([1, 2, 3])
        #expect(i.dtype == .int64)
    }

    @Test func addsWithBroadcasting() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let b = Tensor([10, 20, 30] as [Float])
        #expect((a + b).scalars(as: Float.self) == [11, 22, 33, 14, 25, 36])
        let c = Tensor([[1], [2]] as [[Float]])
        #expect((a * c).scalars(as: Float.self) == [1, 2, 3, 8, 10, 12])
    }

    @Test func printsLikePyTorch() {
        let t = Tensor([[1, 2], [3, 4]] as [[Float]])
        #expect(t.description == "tensor([[1., 2.],\n        [3., 4.]])")
        #expect(Tensor([0.5, 1.25] as [Double]).description == "tensor([0.5000, 1.2500], dtype=float64)")
    }
}
