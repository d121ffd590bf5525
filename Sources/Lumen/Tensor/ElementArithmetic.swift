#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Element arithmetic with NumPy's semantics for every dtype: integers wrap instead of trapping,
/// integer division by zero gives zero, floating point follows IEEE 754.
public protocol ElementArithmetic {
    static func add(_ a: Self, _ b: Self) -> Self
    static func subtract(_ a: Self, _ b: Self) -> Self
    static func multiply(_ a: Self, _ b: Self) -> Self
    /// NumPy's `floor_divide`.
    static func floorDivide(_ a: Self, _ b: Self) -> Self
    /// NumPy's `mod` (the result has the divisor's sign).
    static func floorModulo(_ a: Self, _ b: Self) -> Self
    static func negate(_ a: Self) -> Self
    static func power(_ a: Self, _ b: Self) -> Self
}

extension ElementArithmetic where Self: FixedWidthInteger {
    @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) public static func subtract(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) public static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) public static func negate(_ a: Self) -> Self { 0 &- a }
    @inline(__always) public static func floorDivide(_ a: Self, _ b: Self) -> Self {
        if b == 0 { return 0 }
        let (q, overflow) = a.dividedReportingOverflow(by: b)
        if overflow { return q }
        let r = a &- q &* b
        return (r != 0 && ((r < 0) != (b < 0))) ? q &- 1 : q
    }
    @inline(__always) public static func floorModulo(_ a: Self, _ b: Self) -> Self {
        if b == 0 { return 0 }
        let (r, overflow) = a.remainderReportingOverflow(dividingBy: b)
        if overflow { return 0 }
        return (r != 0 && ((r < 0) != (b < 0))) ? r &+ b : r
    }
    @inline(__always) public static func power(_ a: Self, _ b: Self) -> Self {
        if b < 0 { return a == 1 ? 1 : (a == 0 ? 0 : (a == 0 &- 1 ? (b & 1 == 0 ? 1 : a) : 0)) }
        var result: Self = 1, base = a, e = b
        while e > 0 {
            if e & 1 == 1 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
}

extension ElementArithmetic where Self: FloatElement {
    @inline(__always) public static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) public static func subtract(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) public static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) public static func negate(_ a: Self) -> Self { -a }
    /// NumPy's `floor_divide` for floats (its `npy_divmod`): exact at infinities and signed zeros.
    @inline(__always) public static func floorDivide(_ a: Self, _ b: Self) -> Self {
        if b == 0 { return a / b }
        var m = a.truncatingRemainder(dividingBy: b)
        var d = (a - m) / b
        if m != 0 {
            if (b < 0) != (m < 0) { m += b; d -= 1 }
        }
        if d != 0 {
            var f = d.rounded(.down)
            if d - f > 0.5 { f += 1 }
            return f
        }
        return Self(signOf: a / b, magnitudeOf: 0)
    }
    @inline(__always) public static func floorModulo(_ a: Self, _ b: Self) -> Self {
        var m = a.truncatingRemainder(dividingBy: b)
        if m != 0 { if (b < 0) != (m < 0) { m += b } } else { m = b < 0 ? -0.0 : 0.0 }
        return m
    }
}

extension Float: ElementArithmetic {
    @inline(__always) public static func power(_ a: Float, _ b: Float) -> Float { powf(a, b) }
}
extension Double: ElementArithmetic {
    // The C library's pow: RealModule's Double.pow would shadow it and is undefined for negative bases.
    @inline(__always) public static func power(_ a: Double, _ b: Double) -> Double { cPow(a, b) }
}

@inline(__always) private func cPow(_ a: Double, _ b: Double) -> Double {
    #if canImport(Glibc)
        Glibc.pow(a, b)
    #else
        Darwin.pow(a, b)
    #endif
}
extension Int32: ElementArithmetic {}
extension Int64: ElementArithmetic {}
extension UInt8: ElementArithmetic {}
