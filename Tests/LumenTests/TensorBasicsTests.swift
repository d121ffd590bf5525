import Testing
import Foundation
@testable import Lumen

@Suite struct TensorBasicsTests {
    @Test func createsFromNestedArraysAndScalars() {
        let t = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        #expect(t.shape == [2, 3])
        #expect(t.rank == 2)
        #expect(t.count == 6)
        #expect(t.dtype == .float32)
        #expect(t.scalars(as: Float.self) == [1, 2, 3, 4, 5, 6])
        #expect(Tensor([1, 2, 3]).dtype == .int64)
        #expect(Tensor([true, false]).dtype == .bool)
        #expect(Tensor([[1, 2]] as [[UInt8]]).dtype == .uint8)
        #expect(Tensor(2.5).shape == [])
        #expect(Tensor(2.5).item(as: Double.self) == 2.5)
        #expect(
            Tensor([[1, 2], [3, 4]] as [[Int32]]).nestedArray(as: Int32.self) as? [[Int32]] == [[1, 2], [3, 4]])
        #expect(Tensor([] as [Float]).shape == [0])
    }

    @Test func convertsToOtherSwiftTypes() {
        let t = Tensor([1.7, -2.5, 3.0] as [Double])
        #expect(t.scalars(as: Int32.self) == [1, -2, 3])  // truncation toward zero, like NumPy's astype
        #expect(t.scalars(as: Bool.self) == [true, true, true])
        #expect(t.doubles == [1.7, -2.5, 3.0])
        #expect(t.cast(to: .float32).dtype == .float32)
    }

    /// Values are NumPy's: np.zeros, np.ones, np.full, np.arange, np.linspace, np.eye.
    @Test func creationFunctionsMatchNumPy() {
        #expect(Tensor.zeros([2, 2]).scalars(as: Float.self) == [0, 0, 0, 0])
        #expect(Tensor.ones([3], dtype: .int32).scalars(as: Int32.self) == [1, 1, 1])
        #expect(Tensor.full([2], 7, dtype: .uint8).scalars(as: UInt8.self) == [7, 7])
        #expect(Tensor.arange(0, 5).scalars(as: Float.self) == [0, 1, 2, 3, 4])  // np.arange(5)
        #expect(Tensor.arange(1, 2, step: 0.25, dtype: .float64).scalars(as: Double.self) == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.arange(5, 0, step: -2, dtype: .int64).scalars(as: Int64.self) == [5, 3, 1])
        #expect(Tensor.linspace(0, 1, count: 5, dtype: .float64).scalars(as: Double.self) == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.linspace(2, 3, count: 1).scalars(as: Float.self) == [2])
        #expect(Tensor.eye(2, 3).scalars(as: Float.self) == [1, 0, 0, 0, 1, 0])
        #expect(
            Tensor.eye(3, dtype: .bool).scalars(as: Bool.self) == [
                true, false, false, false, true, false, false, false, true,
            ])
    }

    @Test func copiesShareStorageUntilWritten() {
        let a = Tensor([1, 2, 3] as [Float])
        var b = a
        #expect(b.sharesStorage(with: a))
        b.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 10 }
        #expect(!b.sharesStorage(with: a))
        #expect(a.scalars(as: Float.self) == [1, 2, 3])
        #expect(b.scalars(as: Float.self) == [10, 2, 3])
        // A reshape is a view of the same storage.
        let r = a.reshaped([3, 1])
        #expect(r.sharesStorage(with: a))
        // A unique tensor is written in place.
        var c = Tensor([1, 2] as [Float])
        let before = ObjectIdentifier(c.storage)
        c.withUnsafeMutableBufferPointer(as: Float.self) { $0[1] = 5 }
        #expect(ObjectIdentifier(c.storage) == before)
    }

    @Test func slicesWithSubscripts() {
        let t = Tensor.arange(0, 12).reshaped([3, 4])
        #expect(t[1].scalars(as: Float.self) == [4, 5, 6, 7])  // t[1]
        #expect(t[.all, 2].scalars(as: Float.self) == [2, 6, 10])  // t[:, 2]
        #expect(t[.range(0..<3, by: 2), .range(1...)].scalars(as: Float.self) == [1, 2, 3, 9, 10, 11])  // t[0:3:2, 1:]
        #expect(t[.every(-1), -1].scalars(as: Float.self) == [11, 7, 3])  // t[::-1, -1]
        #expect(t[.range(5..<9)].shape == [0, 4])  // t[5:9]
    }

    @Test func printsLikePyTorch() {
        #expect(Tensor([[1, 2], [3, 4]] as [[Float]]).description == "tensor([[1., 2.],\n        [3., 4.]])")
        #expect(Tensor([0.5, 1.25] as [Double]).description == "tensor([0.5000, 1.2500], dtype=float64)")
        #expect(Tensor([1, -20, 300] as [Int32]).description == "tensor([  1, -20, 300], dtype=int32)")
        #expect(Tensor([true, false]).description == "tensor([ True, False])")
        #expect(Tensor(Float(3.5)).description == "tensor(3.5000)")
        #expect(Tensor(3.5).description == "tensor(3.5000, dtype=float64)")
        #expect(Tensor([Float.nan, 1.5, -.infinity]).description == "tensor([   nan, 1.5000,   -inf])")
        #expect(Tensor([1e-6, 1.0] as [Float]).description == "tensor([1.0000e-06, 1.0000e+00])")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], size=(0, 3))")
    }

    @Test func elidesTheMiddleOfBigTensors() {
        let big = Tensor.arange(0, 2000)
        #expect(big.description == "tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])")
        let matrix = Tensor.arange(0, 1200).reshaped([40, 30])
        let lines = matrix.description.split(separator: "\n")
        #expect(lines.count == 7)  // three rows, "...", three rows
        #expect(lines[3].trimmingCharacters(in: .whitespaces) == "...,")
        #expect(lines[0] == "tensor([[   0.,    1.,    2., ...,   27.,   28.,   29.],")
    }
}
