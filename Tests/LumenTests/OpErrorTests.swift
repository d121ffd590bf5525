import Testing
@testable import Lumen

/// Error messages name the op and the shapes or dtypes involved, as TensorFlow's do.
@Suite struct OpErrorTests {
    let registry = OpRegistry.shared

    func message(_ type: String, _ inputs: [Tensor], _ attributes: Attributes = [:]) -> String? {
        do {
            _ = try registry.execute(type, inputs: inputs, attributes: attributes)
            return nil
        } catch let error as OpError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func dtypeMismatchNamesTheOpAndBothDTypes() {
        let a = Tensor([1, 2] as [Float]), b = Tensor([1, 2] as [Int32])
        #expect(message("Add", [a, b]) == "Add: input dtypes float32 and int32 do not match")
        #expect(
            message("MatMul", [Tensor.zeros([2, 2]), Tensor.zeros([2, 2], dtype: .float64)])
                == "MatMul: input dtypes float32 and float64 do not match")
    }

    @Test func matmulShapeErrorReadsLikeTensorFlow() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        #expect(
            message("MatMul", [a, b])
                == "Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input shapes: [2,3], [4,5]"
        )
    }

    @Test func broadcastErrorNamesBothShapes() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 3])
        #expect(message("Mul", [a, b]) == "Incompatible shapes: [2,3] vs. [4,3] for 'Mul' (op: 'Mul')")
    }

    @Test func unsupportedDTypeIsNamed() {
        #expect(
            message("Exp", [Tensor([1, 2] as [Int32])])
                == "Exp: dtype int32 is not supported (expected float32 or float64)")
        #expect(
            message("LogicalAnd", [Tensor([1] as [Float]), Tensor([1] as [Float])])
                == "LogicalAnd: dtype float32 is not supported (expected bool)")
    }

    @Test func reshapeCountMismatch() {
        let m = message("Reshape", [Tensor.zeros([2, 3])], ["shape": .ints([4, 2])])
        #expect(
            m
                == "Cannot reshape a tensor with 6 elements to shape [4,2] (8 elements) for 'Reshape' (op: 'Reshape') with input shapes: [2,3]"
        )
    }

    @Test func convolutionChannelMismatch() {
        let m = message("Conv2D", [Tensor.zeros([1, 3, 8, 8]), Tensor.zeros([4, 2, 3, 3])])
        #expect(
            m
                == "Dimensions must be equal, but are 3 and 2 for 'Conv2D' (op: 'Conv2D') with input shapes: [1,3,8,8], [4,2,3,3]"
        )
    }

    @Test func gatherIndexOutOfRangeIsARuntimeError() {
        let m = message("GatherV2", [Tensor([1, 2, 3] as [Float]), Tensor([0, 5] as [Int32])])
        #expect(m == "GatherV2: indices[1] = 5 is not in [0, 3)")
    }

    @Test func badAttributeIsNamed() {
        #expect(
            message("Sum", [Tensor.zeros([2])], ["axes": .string("x")])
                == "Sum: attribute 'axes' must be a list of ints")
        #expect(
            message("Sum", [Tensor.zeros([2])], ["axes": .ints([3])])
                == "axis 3 is out of range for rank 1 for 'Sum' (op: 'Sum') with input shapes: [2]")
    }

    @Test func unknownOpIsAnError() {
        #expect(message("NoSuchOp", []) == "no op named 'NoSuchOp' is registered")
    }

    /// The eager operators trap (a programming error, like an index out of range) with the same message.
    @Test func eagerOperatorTrapsWithTheMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Tensor([1, 2] as [Float]), b = Tensor([1, 2] as [Int32])
            _ = a + b
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("Add: input dtypes float32 and int32 do not match"))
    }
}
