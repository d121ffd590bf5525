import Foundation
import LumenEvents

/// Conversions between Lumen's dtypes, shapes and tensors and TensorFlow's `DataType`,
/// `TensorShapeProto` and `TensorProto` (the messages of `LumenEvents`, with TensorFlow's field numbers).
extension DType {
    /// TensorFlow's `DataType` for this dtype (`DT_FLOAT` for `float32`).
    public var dataType: DataType {
        switch self {
        case .float32: .dtFloat
        case .float64: .dtDouble
        case .int32: .dtInt32
        case .int64: .dtInt64
        case .uint8: .dtUint8
        case .bool: .dtBool
        }
    }

    /// The dtype of a TensorFlow `DataType` (reference types as their value type); `nil` for types
    /// Lumen has no dtype for (strings, half floats, complex numbers, …).
    public init?(_ dataType: DataType) {
        switch dataType {
        case .dtFloat, .dtFloatRef: self = .float32
        case .dtDouble, .dtDoubleRef: self = .float64
        case .dtInt32, .dtInt32Ref: self = .int32
        case .dtInt64, .dtInt64Ref: self = .int64
        case .dtUint8, .dtUint8Ref: self = .uint8
        case .dtBool, .dtBoolRef: self = .bool
        default: return nil
        }
    }
}

extension TensorShapeProto {
    /// The shape `dims`, unknown dimensions -1 (`[?,64]` is `dim { size: -1 } dim { size: 64 }`).
    public init(dimensions: [Int]) {
        self.init()
        dim = dimensions.map { size in
            var d = TensorShapeProto.Dim()
            d.size = Int64(size)
            return d
        }
    }

    /// The dimensions, -1 for unknown ones; `nil` when the rank is unknown.
    public var dimensions: [Int]? { unknownRank ? nil : dim.map { Int($0.size) } }
}

extension TensorProto {
    /// `tensor` with its elements packed little-endian in `tensor_content`, as TensorFlow writes
    /// constants.
    public init(_ tensor: Tensor) {
        self.init()
        dtype = tensor.dtype.dataType
        tensorShape = TensorShapeProto(dimensions: tensor.shape)
        tensorContent = Data(bytes: tensor.storage.bytes, count: tensor.byteCount)
    }
}

extension Tensor {
    /// The tensor a `TensorProto` holds: from `tensor_content`, or from the typed value field, where
    /// fewer values than elements repeat the last one (a single value fills the tensor), as
    /// TensorFlow reads them.
    public init(_ proto: TensorProto) throws {
        guard let dtype = DType(proto.dtype) else {
            throw GraphDefError.unsupportedDataType(proto.dtype, context: "TensorProto")
        }
        guard let shape = proto.tensorShape.dimensions, shape.allSatisfy({ $0 >= 0 }) else {
            throw GraphDefError.invalidTensor("a TensorProto needs a fully defined shape")
        }
        var tensor = Tensor(uninitializedShape: shape, dtype: dtype)
        let count = tensor.count
        if !proto.tensorContent.isEmpty {
            guard proto.tensorContent.count == tensor.byteCount else {
                throw GraphDefError.invalidTensor(
                    "tensor_content has \(proto.tensorContent.count) bytes, \(Shape.describe(shape)) \(dtype) needs \(tensor.byteCount)"
                )
            }
            proto.tensorContent.withUnsafeBytes {
                tensor.storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count)
            }
            self = tensor
            return
        }
        func fill<T: TensorElement>(_ values: [T]) {
            tensor.withUnsafeMutableBufferPointer(as: T.self) { buffer in
                for i in 0..<count {
                    buffer[i] = values.isEmpty ? T(converting: 0) : values[Swift.min(i, values.count - 1)]
                }
            }
        }
        switch dtype {
        case .float32: fill(proto.floatVal)
        case .float64: fill(proto.doubleVal)
        case .int32: fill(proto.intVal)
        case .int64: fill(proto.int64Val)
        case .uint8: fill(proto.intVal.map { UInt8(truncatingIfNeeded: $0) })
        case .bool: fill(proto.boolVal)
        }
        self = tensor
    }
}
