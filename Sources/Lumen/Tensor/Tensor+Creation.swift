/// A Swift value a tensor can be made from: a scalar, or arrays of them nested to any depth.
public protocol TensorLiteral {
    associatedtype Scalar: TensorElement
    /// The shape of this value (`[]` for a scalar).
    var literalShape: [Int] { get }
    /// Appends the scalars in row-major order.
    func appendScalars(to scalars: inout [Scalar])
}

extension TensorLiteral where Self: TensorElement {
    public var literalShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Self]) { scalars.append(self) }
}

extension Float: TensorLiteral { public typealias Scalar = Float }
extension Double: TensorLiteral { public typealias Scalar = Double }
extension Int32: TensorLiteral { public typealias Scalar = Int32 }
extension Int64: TensorLiteral { public typealias Scalar = Int64 }
extension UInt8: TensorLiteral { public typealias Scalar = UInt8 }
extension Int: TensorLiteral { public typealias Scalar = Int }
extension Bool: TensorLiteral { public typealias Scalar = Bool }

extension Array: TensorLiteral where Element: TensorLiteral {
    public typealias Scalar = Element.Scalar
    public var literalShape: [Int] {
        guard let first else { return [0] }
        let inner = first.literalShape
        for element in dropFirst() where element.literalShape != inner {
            preconditionFailure(
                "ragged nested array: rows of shapes \(Shape.describe(inner)) and \(Shape.describe(element.literalShape))"
            )
        }
        return [count] + inner
    }
    public func appendScalars(to scalars: inout [Element.Scalar]) {
        for element in self { element.appendScalars(to: &scalars) }
    }
}

extension Tensor {
    /// A tensor from a scalar or a nested array: `Tensor([[1, 2], [3, 4]] as [[Float]])`.
    /// The dtype is the Swift type's (`Int` is stored as `int64`).
    public init<L: TensorLiteral>(_ literal: L) {
        let shape = literal.literalShape
        var scalars: [L.Scalar] = []
        scalars.reserveCapacity(Shape.elementCount(shape))
        literal.appendScalars(to: &scalars)
        self.init(scalars, shape: shape)
    }

    /// A tensor from a scalar or a nested array, converted to `dtype`.
    public init<L: TensorLiteral>(_ literal: L, dtype: DType) {
        self = Tensor(literal).cast(to: dtype)
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init<T: TensorElement>(_ scalars: [T], shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "shape \(Shape.describe(shape)) has a negative dimension")
        precondition(
            scalars.count == Shape.elementCount(shape),
            "\(scalars.count) values cannot fill shape \(Shape.describe(shape)) (\(Shape.elementCount(shape)) elements)"
        )
        self.init(uninitializedShape: shape, dtype: T.dtype)
        scalars.withUnsafeBytes { storage.bytes.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(
            storage: TensorStorage(zeroedByteCount: Shape.elementCount(shape) * dtype.byteSize), shape: shape,
            dtype: dtype)
    }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, 1, dtype: dtype) }

    /// Every element `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "shape \(Shape.describe(shape)) has a negative dimension")
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        StridedCopy.fill(
            t.storage.bytes, count: t.count, elementSize: dtype.byteSize, with: bitPattern(of: value, as: dtype))
        return t
    }

    /// Zeros of the same shape and dtype as `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }

    /// Ones of the same shape and dtype as `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

    /// `start, start + step, …` up to but excluding `end` (NumPy's `arange`).
    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<count).map { start + Double($0) * step }, shape: [count]).cast(to: dtype)
    }

    /// `count` evenly spaced values from `start` to `end` inclusive (NumPy's `linspace`).
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        precondition(count >= 0, "linspace: count must be non-negative, got \(count)")
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        var values = (0..<count).map { start + Double($0) * step }
        if count > 1 { values[count - 1] = end }
        return Tensor(values, shape: [count]).cast(to: dtype)
    }

    /// An `rows × columns` matrix with ones on the diagonal.
    public static func eye(_ rows: Int, _ columns: Int? = nil, dtype: DType = .float32) -> Tensor {
        let m = columns ?? rows
        var values = [Double](repeating: 0, count: rows * m)
        for i in 0..<Swift.min(rows, m) { values[i * m + i] = 1 }
        return Tensor(values, shape: [rows, m]).cast(to: dtype)
    }
}
