extension Tensor {
    /// This tensor converted to `dtype` (NumPy's `astype`: floats truncate toward zero when cast to
    /// integers and saturate at the integer's range, NaN becomes 0, non-zero becomes `true`).
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
