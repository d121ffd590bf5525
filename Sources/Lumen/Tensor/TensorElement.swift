import RealModule

/// A Swift type that can be stored in a ``Tensor``.
public protocol TensorElement: Sendable {
    /// The tensor dtype that stores this type.
    static var dtype: DType { get }
    /// Converts from a `Double` the way NumPy's `astype` does (truncating, saturating, NaN to zero).
    init(converting value: Double)
    /// The value as a `Double`.
    var doubleValue: Double { get }
}

/// A tensor element that arithmetic is defined on.
public protocol NumericElement: TensorElement, Numeric, Comparable, ElementArithmetic {
    /// The smallest and largest representable values (infinities for floating point).
    static var lowest: Self { get }
    static var highest: Self { get }
}

/// A floating-point tensor element: `Float` or `Double`.
public protocol FloatElement: NumericElement, Real, BinaryFloatingPoint {}

extension Float: FloatElement {
    public static var dtype: DType { .float32 }
    @inlinable public init(converting value: Double) { self = Float(value) }
    @inlinable public var doubleValue: Double { Double(self) }
    public static var lowest: Float { -.infinity }
    public static var highest: Float { .infinity }
}

extension Double: FloatElement {
    public static var dtype: DType { .float64 }
    @inlinable public init(converting value: Double) { self = value }
    @inlinable public var doubleValue: Double { self }
    public static var lowest: Double { -.infinity }
    public static var highest: Double { .infinity }
}

/// Saturating, truncating conversion used by `Cast` (NaN becomes zero instead of trapping).
@inlinable
func saturatingInteger<I: FixedWidthInteger>(_ value: Double, as _: I.Type) -> I {
    if value.isNaN { return 0 }
    if value <= Double(I.min) { return I.min }
    if value >= Double(I.max) { return I.max }
    return I(value.rounded(.towardZero))
}

extension Int32: NumericElement {
    public static var dtype: DType { .int32 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: Int32.self) }
    @inlinable public var doubleValue: Double { Double(self) }
    public static var lowest: Int32 { .min }
    public static var highest: Int32 { .max }
}

extension Int64: NumericElement {
    public static var dtype: DType { .int64 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: Int64.self) }
    @inlinable public var doubleValue: Double { Double(self) }
    public static var lowest: Int64 { .min }
    public static var highest: Int64 { .max }
}

extension UInt8: NumericElement {
    public static var dtype: DType { .uint8 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: UInt8.self) }
    @inlinable public var doubleValue: Double { Double(self) }
    public static var lowest: UInt8 { .min }
    public static var highest: UInt8 { .max }
}

/// Swift's `Int` is stored as `int64`, so `Tensor([1, 2, 3])` is an `int64` tensor.
extension Int: TensorElement {
    public static var dtype: DType { .int64 }
    @inlinable public init(converting value: Double) { self = Int(saturatingInteger(value, as: Int64.self)) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    @inlinable public init(converting value: Double) { self = value != 0 }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
}
