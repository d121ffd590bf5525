/// The eager API. Each method runs the op registered under the TensorFlow name in its doc comment.
/// They trap on shape and dtype errors with the op's message; use
/// ``OpRegistry/execute(_:inputs:attributes:)`` for the throwing form.
extension Tensor {
    /// Runs a registered op with one output, trapping on error.
    @inline(__always)
    static func run(_ type: String, _ inputs: [Tensor], _ attributes: Attributes = [:]) -> Tensor {
        runAll(type, inputs, attributes)[0]
    }

    /// Runs a registered op, trapping on error, and records it for autograd when an input requires
    /// a gradient.
    static func runAll(_ type: String, _ inputs: [Tensor], _ attributes: Attributes = [:]) -> [Tensor] {
        let outputs = trapping { try OpRegistry.shared.execute(type, inputs: inputs, attributes: attributes) }
        return Autograd.record(type, inputs, attributes, outputs)
    }

    @inline(__always)
    static func binary(_ f: BinaryFunction, _ a: Tensor, _ b: Tensor) -> Tensor {
        let out = ElementwiseOps.binary(f, a, b)
        if a.autograd == nil && b.autograd == nil { return out }
        return Autograd.record(f.rawValue, [a, b], [:], [out])[0]
    }

    @inline(__always)
    static func unary(_ f: UnaryFunction, _ a: Tensor) -> Tensor {
        let out = ElementwiseOps.unary(f, a)
        if a.autograd == nil { return out }
        return Autograd.record(f.rawValue, [a], [:], [out])[0]
    }

    /// A scalar of this tensor's dtype.
    @inline(__always)
    func scalar(_ value: Double) -> Tensor { Tensor.full([], value, dtype: dtype) }

    // MARK: Arithmetic (Add, Sub, Mul, RealDiv, Neg)

    public static func + (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.subtract, a, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.multiply, a, b) }
    /// `RealDiv` for floating point; integer tensors use ``floorDivided(by:)``.
    public static func / (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.divide, a, b) }
    public static prefix func - (a: Tensor) -> Tensor { Tensor.unary(.negate, a) }

    public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b) }
    public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b) }
    public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b) }
    public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalar(b) }
    public static func + (a: Double, b: Tensor) -> Tensor { b.scalar(a) + b }
    public static func - (a: Double, b: Tensor) -> Tensor { b.scalar(a) - b }
    public static func * (a: Double, b: Tensor) -> Tensor { b.scalar(a) * b }
    public static func / (a: Double, b: Tensor) -> Tensor { b.scalar(a) / b }

    /// NumPy's `//` (`FloorDiv`).
    public func floorDivided(by other: Tensor) -> Tensor { Tensor.binary(.floorDivide, self, other) }
    /// NumPy's `%` (`FloorMod`).
    public func floorModulo(_ other: Tensor) -> Tensor { Tensor.binary(.floorModulo, self, other) }
    /// Elementwise power (`Pow`).
    public func pow(_ exponent: Tensor) -> Tensor { Tensor.binary(.power, self, exponent) }
    public func pow(_ exponent: Double) -> Tensor { pow(scalar(exponent)) }
    /// Elementwise maximum (`Maximum`), propagating NaN.
    public func maximum(_ other: Tensor) -> Tensor { Tensor.binary(.maximum, self, other) }
    /// Elementwise minimum (`Minimum`), propagating NaN.
    public func minimum(_ other: Tensor) -> Tensor { Tensor.binary(.minimum, self, other) }

    // MARK: Unary

    public func abs() -> Tensor { Tensor.unary(.abs, self) }
    public func sign() -> Tensor { Tensor.unary(.sign, self) }
    public func square() -> Tensor { Tensor.unary(.square, self) }
    public func exp() -> Tensor { Tensor.unary(.exp, self) }
    public func log() -> Tensor { Tensor.unary(.log, self) }
    public func sqrt() -> Tensor { Tensor.unary(.sqrt, self) }
    public func rsqrt() -> Tensor { Tensor.unary(.rsqrt, self) }
    public func tanh() -> Tensor { Tensor.unary(.tanh, self) }
    public func sigmoid() -> Tensor { Tensor.unary(.sigmoid, self) }
    public func relu() -> Tensor { Tensor.unary(.relu, self) }
    public func softplus() -> Tensor { Tensor.unary(.softplus, self) }
    /// GELU, exact (`x·Φ(x)`) or with the tanh approximation (`Gelu`, attribute `approximate`).
    public func gelu(approximate: Bool = false) -> Tensor {
        Tensor.run("Gelu", [self], ["approximate": .bool(approximate)])
    }
    /// Values limited to `[min, max]` (`ClipByValue`).
    public func clipped(min: Double, max: Double) -> Tensor {
        Tensor.run("ClipByValue", [self], ["min": .float(min), "max": .float(max)])
    }
    /// This tensor converted to `dtype` (`Cast`); recorded for autograd between floating-point types.
    public func cast(_ dtype: DType) -> Tensor {
        let out = cast(to: dtype)
        if autograd == nil || dtype == self.dtype { return out }
        return Autograd.record("Cast", [self], ["DstT": .dtype(dtype)], [out])[0]
    }

    // MARK: Comparison and logic (bool results)

    public static func .== (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.equal, a, b) }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.notEqual, a, b) }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.less, a, b) }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.lessEqual, a, b) }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.greater, a, b) }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.greaterEqual, a, b) }
    public static func .== (a: Tensor, b: Double) -> Tensor { a .== a.scalar(b) }
    public static func .< (a: Tensor, b: Double) -> Tensor { a .< a.scalar(b) }
    public static func .> (a: Tensor, b: Double) -> Tensor { a .> a.scalar(b) }
    public static func .& (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.logicalAnd, a, b) }
    public static func .| (a: Tensor, b: Tensor) -> Tensor { Tensor.binary(.logicalOr, a, b) }
    public static prefix func .! (a: Tensor) -> Tensor { Tensor.unary(.logicalNot, a) }

    /// Elements of `a` where `condition` is true, of `b` elsewhere, all three broadcast (`SelectV2`).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor.run("SelectV2", [condition, a, b])
    }

    // MARK: Reductions

    private func reduced(_ r: Reduction, _ axes: [Int]?, _ keepDims: Bool, correction: Int = 0) -> Tensor {
        var attributes: Attributes = ["keep_dims": .bool(keepDims), "correction": .int(correction)]
        if let axes { attributes["axes"] = .ints(axes) }
        return Tensor.run(r.rawValue, [self], attributes)
    }

    /// The sum over `axes` (all when `nil`) (`Sum`).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.sum, axes, keepDims) }
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }
    /// The mean (`Mean`), floating point only.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.mean, axes, keepDims) }
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }
    /// The maximum (`Max`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.max, axes, keepDims) }
    /// The minimum (`Min`).
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.min, axes, keepDims) }
    /// The product (`Prod`).
    public func product(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.product, axes, keepDims) }
    /// The variance with `correction` subtracted from the count (0: NumPy's default, 1: PyTorch's).
    public func variance(axes: [Int]? = nil, correction: Int = 0, keepDims: Bool = false) -> Tensor {
        reduced(.variance, axes, keepDims, correction: correction)
    }
    /// `log(sum(exp(x)))`, computed stably (`LogSumExp`).
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { reduced(.logSumExp, axes, keepDims) }
    /// Indices of the maxima along `axis` (of the flattened tensor when `nil`) (`ArgMax`), int64.
    public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        Tensor.run("ArgMax", [self], axis.map { ["axis": .int($0), "keep_dims": .bool(keepDims)] } ?? [:])
    }
    /// Indices of the minima (`ArgMin`), int64.
    public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        Tensor.run("ArgMin", [self], axis.map { ["axis": .int($0), "keep_dims": .bool(keepDims)] } ?? [:])
    }

    // MARK: Linear algebra

    /// The matrix product (`MatMul` for rank 2, `BatchMatMulV2` with broadcast batch dims otherwise).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        if rank == 2 && other.rank == 2 {
            // The MatMul definition's own inference and kernel, called directly: at 64×64 the
            // registry lookup and attribute dictionary would be a tenth of the work.
            let spec = trapping {
                try LinearAlgebraOps.inferMatMul(
                    OpContext(opType: "MatMul", inputs: [self.spec, other.spec]), batched: false,
                    transposeA: transposeSelf, transposeB: transposeOther)
            }
            let out = MatrixProduct.batched(
                self, other, transposeA: transposeSelf, transposeB: transposeOther, shape: spec.shape)
            if autograd == nil && other.autograd == nil { return out }
            return Autograd.record(
                "MatMul", [self, other], ["transpose_a": .bool(transposeSelf), "transpose_b": .bool(transposeOther)],
                [out])[0]
        }
        return Tensor.run(
            "BatchMatMulV2", [self, other], ["adj_x": .bool(transposeSelf), "adj_y": .bool(transposeOther)])
    }

    // MARK: Shape

    /// The same elements in a new shape; one dimension may be -1 (`Reshape`). Shares storage.
    public func reshaped(_ shape: [Int]) -> Tensor { Tensor.run("Reshape", [self], ["shape": .ints(shape)]) }

    /// Reshape without checks, sharing storage; for kernels that already validated the shape.
    func reshapedUnchecked(_ shape: [Int]) -> Tensor { Tensor(storage: storage, shape: shape, dtype: dtype) }

    /// A 1-D view of all elements.
    public func flattened() -> Tensor { reshapedUnchecked([count]) }

    /// Dimensions reordered by `permutation` (`Transpose`).
    public func permuted(_ permutation: [Int]) -> Tensor {
        Tensor.run("Transpose", [self], ["perm": .ints(permutation)])
    }

    /// The dimensions reversed (a matrix transpose for rank 2).
    public func transposed() -> Tensor { permuted(Array((0..<rank).reversed())) }

    /// Two dimensions swapped.
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var perm = Array(0..<rank)
        perm.swapAt(Shape.normalize(axis: a, rank: rank) ?? a, Shape.normalize(axis: b, rank: rank) ?? b)
        return permuted(perm)
    }

    /// A size-1 dimension inserted at `axis` (`ExpandDims`).
    public func expandingDims(at axis: Int) -> Tensor { Tensor.run("ExpandDims", [self], ["axis": .int(axis)]) }

    /// Size-1 dimensions removed: those in `axes`, or all (`Squeeze`).
    public func squeezed(axes: [Int] = []) -> Tensor { Tensor.run("Squeeze", [self], ["squeeze_dims": .ints(axes)]) }

    /// Broadcast to `shape` (`BroadcastTo`).
    public func broadcast(to shape: [Int]) -> Tensor { Tensor.run("BroadcastTo", [self], ["shape": .ints(shape)]) }

    /// Repeated `multiples[i]` times along each dimension (`Tile`).
    public func tiled(_ multiples: [Int]) -> Tensor { Tensor.run("Tile", [self], ["multiples": .ints(multiples)]) }

    /// Padded with `value`: `paddings[i]` is (before, after) for dimension i (`Pad`).
    public func padded(_ paddings: [(Int, Int)], value: Double = 0) -> Tensor {
        Tensor.run(
            "Pad", [self], ["paddings": .ints(paddings.flatMap { [$0.0, $0.1] }), "constant_value": .float(value)])
    }

    /// Slices taken along `axis` at `indices` (`GatherV2`).
    public func gathered(_ indices: Tensor, axis: Int = 0) -> Tensor {
        Tensor.run("GatherV2", [self, indices], ["axis": .int(axis)])
    }

    /// Equal parts along `axis` (`Split`).
    public func split(_ parts: Int, axis: Int = 0) -> [Tensor] {
        Tensor.runAll("Split", [self], ["axis": .int(axis), "num_split": .int(parts)])
    }

    /// Parts of the given sizes along `axis`; one size may be -1 (`SplitV`).
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        Tensor.runAll("SplitV", [self], ["axis": .int(axis), "size_splits": .ints(sizes)])
    }

    /// Tensors joined along an existing axis (`ConcatV2`).
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        Tensor.run("ConcatV2", tensors, ["axis": .int(axis)])
    }

    /// Tensors of one shape joined along a new axis (`Pack`).
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        Tensor.run("Pack", tensors, ["axis": .int(axis)])
    }

    /// One-hot vectors of length `depth` for integer `indices` (`OneHot`).
    public static func oneHot(
        _ indices: Tensor, depth: Int, on: Double = 1, off: Double = 0, axis: Int = -1,
        dtype: DType = .float32
    ) -> Tensor {
        Tensor.run(
            "OneHot", [indices],
            [
                "depth": .int(depth), "on_value": .float(on), "off_value": .float(off),
                "axis": .int(axis), "dtype": .dtype(dtype),
            ])
    }

    /// Slices with NumPy semantics: an index drops its dimension, a range keeps it; dimensions not
    /// named are kept whole (`StridedSlice`).
    public subscript(_ items: TensorIndex...) -> Tensor { self[items] }

    public subscript(_ items: [TensorIndex]) -> Tensor {
        var begin: [Int] = [], end: [Int] = [], strides: [Int] = []
        var beginMask = 0, endMask = 0, shrinkMask = 0
        for (axis, item) in items.enumerated() {
            switch item {
            case .index(let i):
                begin.append(i); end.append(i + 1); strides.append(1); shrinkMask |= 1 << axis
            case .range(let lower, let upper, let step):
                begin.append(lower ?? 0); end.append(upper ?? 0); strides.append(step)
                if lower == nil { beginMask |= 1 << axis }
                if upper == nil { endMask |= 1 << axis }
            }
        }
        return Tensor.run(
            "StridedSlice", [self],
            [
                "begin": .ints(begin), "end": .ints(end), "strides": .ints(strides),
                "begin_mask": .int(beginMask), "end_mask": .int(endMask), "shrink_axis_mask": .int(shrinkMask),
            ])
    }
}

/// One entry of a tensor subscript: `t[2, .all, .range(1, 5, by: 2)]`.
public enum TensorIndex: Sendable, ExpressibleByIntegerLiteral {
    /// One position; the dimension is removed. Negative counts from the end.
    case index(Int)
    /// `lower..<upper` by `step`; `nil` bounds mean the whole extent in the step's direction.
    case range(Int?, Int?, step: Int)

    public init(integerLiteral value: Int) { self = .index(value) }

    /// The whole dimension.
    public static var all: TensorIndex { .range(nil, nil, step: 1) }
    /// The whole dimension, every `step`-th element (negative steps reverse).
    public static func every(_ step: Int) -> TensorIndex { .range(nil, nil, step: step) }
    /// `lower..<upper` by `step`.
    public static func range(_ lower: Int?, _ upper: Int?, by step: Int = 1) -> TensorIndex {
        .range(lower, upper, step: step)
    }
    public static func range(_ r: Range<Int>, by step: Int = 1) -> TensorIndex {
        .range(r.lowerBound, r.upperBound, step: step)
    }
    public static func range(_ r: PartialRangeFrom<Int>, by step: Int = 1) -> TensorIndex {
        .range(r.lowerBound, nil, step: step)
    }
    public static func range(_ r: PartialRangeUpTo<Int>, by step: Int = 1) -> TensorIndex {
        .range(nil, r.upperBound, step: step)
    }
}

infix operator .& : LogicalConjunctionPrecedence
infix operator .| : LogicalDisjunctionPrecedence
prefix operator .!

// MARK: Neural-network functions

/// A 2-D convolution of an NCHW input with OIHW weights (`Conv2D`). `padding` is `"valid"`,
/// `"same"` (TensorFlow's split, the extra row or column at the end) or explicit per-side amounts.
public func conv2d(
    _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
    padding: Padding = .valid, dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    var attributes: Attributes = [
        "strides": .ints([stride.0, stride.1]), "dilations": .ints([dilation.0, dilation.1]),
        "groups": .int(groups),
    ]
    padding.apply(to: &attributes)
    let y = Tensor.run("Conv2D", [input, weight], attributes)
    guard let bias else { return y }
    return y + bias.reshaped([1, -1, 1, 1])
}

/// Max pooling over NCHW windows (`MaxPool`); `stride` defaults to the kernel size.
public func maxPool2d(_ input: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding = .valid)
    -> Tensor
{
    let s = stride ?? kernel
    var attributes: Attributes = ["ksize": .ints([kernel.0, kernel.1]), "strides": .ints([s.0, s.1])]
    padding.apply(to: &attributes)
    return Tensor.run("MaxPool", [input], attributes)
}

/// Average pooling over NCHW windows (`AvgPool`). With explicit padding, `countIncludePad` chooses
/// PyTorch's divisor (the whole window, padding included) over TensorFlow's (only real elements).
public func avgPool2d(
    _ input: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: Padding = .valid,
    countIncludePad: Bool = false
) -> Tensor {
    let s = stride ?? kernel
    var attributes: Attributes = [
        "ksize": .ints([kernel.0, kernel.1]), "strides": .ints([s.0, s.1]),
        "count_include_pad": .bool(countIncludePad),
    ]
    padding.apply(to: &attributes)
    return Tensor.run("AvgPool", [input], attributes)
}

/// Softmax along `axis` (`Softmax`).
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor { Tensor.run("Softmax", [x], ["axis": .int(axis)]) }

/// Log-softmax along `axis` (`LogSoftmax`).
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor { Tensor.run("LogSoftmax", [x], ["axis": .int(axis)]) }

/// Padding of a convolution or pooling window.
public enum Padding: Sendable, Equatable {
    /// No padding.
    case valid
    /// Enough padding that the output is `ceil(input / stride)` (TensorFlow's `SAME`).
    case same
    /// Per-side amounts.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// Symmetric padding of `height` rows and `width` columns on each side (PyTorch's `padding=(h, w)`).
    public static func symmetric(_ height: Int, _ width: Int) -> Padding {
        .explicit(top: height, bottom: height, left: width, right: width)
    }

    func apply(to attributes: inout Attributes) {
        switch self {
        case .valid: attributes["padding"] = "VALID"
        case .same: attributes["padding"] = "SAME"
        case let .explicit(top, bottom, left, right):
            attributes["padding"] = "EXPLICIT"
            attributes["explicit_paddings"] = .ints([top, bottom, left, right])
        }
    }
}
