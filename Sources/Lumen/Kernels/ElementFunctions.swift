import RealModule

// Elementwise functions as types. A kernel generic over one of these is specialized for it, so the
// function is inlined into the loop and the loop vectorizes; a closure captured by the parallel loop
// would instead be called indirectly for every element.

/// A function of one element.
protocol UnaryKernel {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ x: Input) -> Output
}

/// A function of two elements.
protocol BinaryKernel {
    associatedtype Left
    associatedtype Right
    associatedtype Output
    func callAsFunction(_ x: Left, _ y: Right) -> Output
}

enum Elementwise {
    // MARK: Binary arithmetic

    struct Add<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.add(x, y) }
    }
    struct Subtract<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.subtract(x, y) }
    }
    struct Multiply<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.multiply(x, y) }
    }
    struct Divide<T: FloatElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { x / y }
    }
    struct FloorDivide<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.floorDivide(x, y) }
    }
    struct FloorModulo<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.floorModulo(x, y) }
    }
    struct Power<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { T.power(x, y) }
    }
    /// Maximum that propagates NaN (`x != x` only for NaN).
    struct Maximum<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { (x > y || x != x) ? x : y }
    }
    struct Minimum<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { (x < y || x != x) ? x : y }
    }
    struct SquaredDifference<T: NumericElement>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> T { let d = T.subtract(x, y); return T.multiply(d, d) }
    }

    // MARK: Comparison and logic

    struct Equal<T: Equatable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x == y }
    }
    struct NotEqual<T: Equatable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x != y }
    }
    struct Less<T: Comparable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x < y }
    }
    struct LessEqual<T: Comparable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x <= y }
    }
    struct Greater<T: Comparable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x > y }
    }
    struct GreaterEqual<T: Comparable>: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: T, _ y: T) -> Bool { x >= y }
    }
    struct LogicalAnd: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: Bool, _ y: Bool) -> Bool { x && y }
    }
    struct LogicalOr: BinaryKernel {
        @inline(__always) func callAsFunction(_ x: Bool, _ y: Bool) -> Bool { x || y }
    }

    // MARK: Unary

    struct Negate<T: NumericElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { T.negate(x) }
    }
    struct Absolute<T: NumericElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { x < 0 ? T.negate(x) : (x == 0 ? 0 : x) }
    }
    /// -1, 0 or 1; NaN stays NaN.
    struct Sign<T: NumericElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? T.negate(1) : (x != x ? x : 0)) }
    }
    struct Square<T: NumericElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { T.multiply(x, x) }
    }
    /// max(x, 0); NaN stays NaN.
    struct Relu<T: NumericElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { x > 0 || x != x ? x : 0 }
    }
    struct Exp<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { T.exp(x) }
    }
    struct Log<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { T.log(x) }
    }
    struct SquareRoot<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { x.squareRoot() }
    }
    struct ReciprocalSquareRoot<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { 1 / x.squareRoot() }
    }
    struct Tanh<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { T.tanh(x) }
    }
    /// The logistic function, computed without overflow on either side.
    struct Sigmoid<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T {
            x >= 0 ? 1 / (1 + T.exp(-x)) : T.exp(x) / (1 + T.exp(x))
        }
    }
    /// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
    struct Softplus<T: FloatElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: T) -> T { (x > 0 ? x : 0) + T.log(onePlus: T.exp(-Swift.abs(x))) }
    }
    struct LogicalNot: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: Bool) -> Bool { !x }
    }
    /// x·Φ(x) with the exact normal CDF.
    struct GeluExact<T: FloatElement>: UnaryKernel {
        let scale = 1 / T.sqrt(2)
        @inline(__always) func callAsFunction(_ x: T) -> T { T(0.5) * x * (1 + T.erf(x * scale)) }
    }
    /// The tanh approximation of GELU.
    struct GeluTanh<T: FloatElement>: UnaryKernel {
        let c = T.sqrt(2 / T.pi)
        @inline(__always) func callAsFunction(_ x: T) -> T {
            T(0.5) * x * (1 + T.tanh(c * (x + T(0.044715) * x * x * x)))
        }
    }
    struct Clip<T: NumericElement>: UnaryKernel {
        let low: T, high: T
        @inline(__always) func callAsFunction(_ x: T) -> T { x < low ? low : (x > high ? high : x) }
    }

    // MARK: Conversion

    struct Convert<A: TensorElement, B: TensorElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: A) -> B { B(converting: x.doubleValue) }
    }
    struct FloatToDouble: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: Float) -> Double { Double(x) }
    }
    struct DoubleToFloat: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: Double) -> Float { Float(x) }
    }
    struct IsNonZero<A: TensorElement>: UnaryKernel {
        @inline(__always) func callAsFunction(_ x: A) -> Bool { x.doubleValue != 0 }
    }
}
