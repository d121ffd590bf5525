extension Tensor {
    /// This tensor converted to `dtype` (NumPy's `astype`: floats truncate toward zero when cast to
    /// integers and saturate at the integer's range, NaN becomes 0, narrowing integers wrap, non-zero
    /// becomes `true`).
    public func cast(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        var out = Tensor(uninitializedShape: shape, dtype: dtype)
        func from<A: TensorElement>(_: A.Type) {
            switch dtype {
            case .float32: convert(A.self, Float.self)
            case .float64: convert(A.self, Double.self)
            case .int32: convert(A.self, Int32.self)
            case .int64: convert(A.self, Int64.self)
            case .uint8: convert(A.self, UInt8.self)
            case .bool: convert(A.self, Bool.self)
            }
        }
        func convert<A: TensorElement, B: TensorElement>(_: A.Type, _: B.Type) {
            if A.self == Float.self, B.self == Double.self {
                map1(self, into: &out, Elementwise.FloatToDouble())
            } else if A.self == Double.self, B.self == Float.self {
                map1(self, into: &out, Elementwise.DoubleToFloat())
            } else if B.self == Bool.self {
                map1(self, into: &out, Elementwise.IsNonZero<A>())
            } else {
                map1(self, into: &out, Elementwise.Convert<A, B>())
            }
        }
        switch (self.dtype, dtype) {
        // Integer narrowing keeps the low bits (NumPy's astype, TensorFlow, PyTorch); int64 → float32
        // rounds once, not through Double.
        case (.int64, .int32): map1(self, into: &out, WrappingIntegerCast<Int64, Int32>()); return out
        case (.int64, .uint8): map1(self, into: &out, WrappingIntegerCast<Int64, UInt8>()); return out
        case (.int32, .uint8): map1(self, into: &out, WrappingIntegerCast<Int32, UInt8>()); return out
        case (.int64, .float32): map1(self, into: &out, Int64ToFloat()); return out
        default: break
        }
        switch self.dtype {
        case .float32: from(Float.self)
        case .float64: from(Double.self)
        case .int32: from(Int32.self)
        case .int64: from(Int64.self)
        case .uint8: from(UInt8.self)
        case .bool: from(Bool.self)
        }
        return out
    }
}

/// Integer to integer conversion that wraps like C (`B(truncatingIfNeeded:)`).
struct WrappingIntegerCast<A: FixedWidthInteger, B: FixedWidthInteger>: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: A) -> B { B(truncatingIfNeeded: x) }
}

/// int64 → float32 with a single rounding.
struct Int64ToFloat: UnaryKernel {
    @inline(__always) func callAsFunction(_ x: Int64) -> Float { Float(x) }
}
