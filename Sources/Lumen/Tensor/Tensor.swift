/// An n-dimensional array of one ``DType``, stored contiguously in row-major order.
///
/// `Tensor` is a value type: copies share their storage until one of them is mutated, and then the
/// mutated copy gets storage of its own (copy-on-write). Operations never mutate their inputs.
///
/// ```swift
/// let a = Tensor([[1, 2], [3, 4]] as [[Float]])
/// let b = a + 1
/// print((a * b).sum())   // tensor(50.)
/// ```
public struct Tensor: Sendable {
    /// The element type.
    public let dtype: DType
    /// The size of each dimension; empty for a scalar.
    public let shape: [Int]
    var storage: TensorStorage
    /// Gradient tracking, shared by copies; `nil` for tensors that never required a gradient.
    var autograd: AutogradState?

    /// Wraps existing storage. The storage must hold at least `count * dtype.byteSize` bytes.
    init(storage: TensorStorage, shape: [Int], dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.dtype = dtype
    }

    /// A tensor with uninitialized elements, for kernels that overwrite every element.
    init(uninitializedShape shape: [Int], dtype: DType) {
        let count = Shape.elementCount(shape)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize), shape: shape, dtype: dtype)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var count: Int { Shape.elementCount(shape) }

    /// The number of bytes the elements occupy.
    public var byteCount: Int { count * dtype.byteSize }

    /// `true` when this tensor has exactly one element and no dimensions.
    public var isScalar: Bool { shape.isEmpty }

    // MARK: Raw access

    /// Calls `body` with the elements as a typed buffer. `T` must match ``dtype``.
    public func withUnsafeBufferPointer<T: TensorElement, R>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(
            T.dtype == dtype || (T.self == Int.self && dtype == .int64),
            "cannot read a \(dtype) tensor as \(T.self)")
        let pointer = storage.bytes.assumingMemoryBound(to: T.self)
        return try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Calls `body` with the elements as a mutable typed buffer, copying shared storage first.
    public mutating func withUnsafeMutableBufferPointer<T: TensorElement, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(
            T.dtype == dtype || (T.self == Int.self && dtype == .int64),
            "cannot write a \(dtype) tensor as \(T.self)")
        makeUnique()
        let pointer = storage.bytes.assumingMemoryBound(to: T.self)
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Gives this tensor storage of its own if the storage is shared.
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
    }

    /// Typed pointer for kernels; the caller guarantees the dtype.
    @inline(__always)
    func pointer<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.bytes.assumingMemoryBound(to: T.self)
    }

    /// `true` when both tensors use the same storage (a copy not yet written to).
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    // MARK: Conversion back to Swift

    /// The elements in row-major order, converted to `T`'s dtype when it differs.
    public func scalars<T: TensorElement>(as type: T.Type = T.self) -> [T] {
        let source = (T.dtype == dtype || (T.self == Int.self && dtype == .int64)) ? self : cast(to: T.dtype)
        return source.withUnsafeBufferPointer(as: T.self) { Array($0) }
    }

    /// The only element of a one-element tensor.
    public func item<T: TensorElement>(as type: T.Type = T.self) -> T {
        precondition(count == 1, "item() needs a tensor with one element, not shape \(Shape.describe(shape))")
        return scalars(as: T.self)[0]
    }

    /// The elements as `Double`s, whatever the dtype.
    public var doubles: [Double] {
        switch dtype {
        case .float32: scalars(as: Float.self).map(Double.init)
        case .float64: scalars(as: Double.self)
        case .int32: scalars(as: Int32.self).map(Double.init)
        case .int64: scalars(as: Int64.self).map(Double.init)
        case .uint8: scalars(as: UInt8.self).map(Double.init)
        case .bool: scalars(as: Bool.self).map { $0 ? 1 : 0 }
        }
    }

    /// A nested Swift array of the elements: `[[T]]` for a matrix and so on; a scalar for rank 0.
    public func nestedArray<T: TensorElement>(as type: T.Type = T.self) -> Any {
        let flat = scalars(as: T.self)
        func build(_ dim: Int, _ offset: Int) -> Any {
            if dim == shape.count { return flat[offset] }
            let stride = Shape.elementCount(Array(shape[(dim + 1)...]))
            return (0..<shape[dim]).map { build(dim + 1, offset + $0 * stride) }
        }
        return build(0, 0)
    }
}
