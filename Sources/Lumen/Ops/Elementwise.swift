import RealModule

/// Binary elementwise functions with NumPy broadcasting.
public enum BinaryFunction: String, Sendable, CaseIterable {
    case add = "Add", subtract = "Sub", multiply = "Mul", divide = "RealDiv"
    case floorDivide = "FloorDiv", floorModulo = "FloorMod", power = "Pow"
    case maximum = "Maximum", minimum = "Minimum", squaredDifference = "SquaredDifference"
    case equal = "Equal", notEqual = "NotEqual", less = "Less", lessEqual = "LessEqual"
    case greater = "Greater", greaterEqual = "GreaterEqual"
    case logicalAnd = "LogicalAnd", logicalOr = "LogicalOr"

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
    var isLogical: Bool { self == .logicalAnd || self == .logicalOr }

    func accepts(_ dtype: DType) -> Bool {
        switch self {
        case .divide: dtype.isFloatingPoint
        case .power: dtype.isFloatingPoint || dtype == .int32 || dtype == .int64
        case .logicalAnd, .logicalOr: dtype == .bool
        case .equal, .notEqual: true
        default: dtype.isNumeric
        }
    }

    var expected: String {
        switch self {
        case .divide: "float32 or float64"
        case .power: "float32, float64, int32 or int64"
        case .logicalAnd, .logicalOr: "bool"
        case .equal, .notEqual: "any dtype"
        default: "a numeric dtype"
        }
    }
}

/// Unary elementwise functions.
public enum UnaryFunction: String, Sendable, CaseIterable {
    case negate = "Neg", abs = "Abs", sign = "Sign", square = "Square", relu = "Relu"
    case exp = "Exp", log = "Log", sqrt = "Sqrt", rsqrt = "Rsqrt", tanh = "Tanh", sigmoid = "Sigmoid"
    case softplus = "Softplus", logicalNot = "LogicalNot"

    func accepts(_ dtype: DType) -> Bool {
        switch self {
        case .negate, .abs, .sign, .square, .relu: dtype.isNumeric
        case .logicalNot: dtype == .bool
        default: dtype.isFloatingPoint
        }
    }

    var expected: String {
        switch self {
        case .negate, .abs, .sign, .square, .relu: "a numeric dtype"
        case .logicalNot: "bool"
        default: "float32 or float64"
        }
    }
}

/// Elementwise ops: arithmetic, comparisons, logic, activations, `SelectV2`, `Cast`, `ClipByValue`,
/// and their gradients (inputs that were broadcast get their gradient summed back to their own shape).
enum ElementwiseOps {
    static let definitions: [OpDefinition] = {
        var defs: [OpDefinition] = BinaryFunction.allCases.map { f in
            OpDefinition(
                f.rawValue, infer: { ctx, _ in [try inferBinary(f, ctx)] },
                compute: { call in
                    [binary(f, call.inputs[0], call.inputs[1], shape: call.outputs[0].shape)]
                }
            ).gradient(f.gradient).output(.elementwise)
        }
        defs += UnaryFunction.allCases.map { f in
            OpDefinition(
                f.rawValue,
                infer: { ctx, _ in
                    try ctx.expectInputs(1)
                    let spec = ctx.inputs[0]
                    guard f.accepts(spec.dtype) else { throw ctx.unsupported(spec.dtype, expected: f.expected) }
                    return [spec]
                }, compute: { call in [unary(f, call.inputs[0])] }
            ).gradient(f.gradient).output(.elementwise)
        }
        defs.append(
            OpDefinition(
                "AddV2", infer: { ctx, _ in [try inferBinary(.add, ctx)] },
                compute: { call in
                    [binary(.add, call.inputs[0], call.inputs[1], shape: call.outputs[0].shape)]
                }
            ).gradient(AddGradient()).output(.elementwise))
        defs.append(
            OpDefinition(
                "Gelu", infer: floatUnaryInfer,
                compute: { call in
                    [
                        gelu(
                            call.inputs[0],
                            approximate: try call.attributes.bool("approximate", default: false, call.context))
                    ]
                }
            ).gradient(GeluGradient()).output(.elementwise))
        defs.append(
            OpDefinition(
                "ClipByValue",
                infer: { ctx, attrs in
                    try ctx.expectInputs(1)
                    guard ctx.inputs[0].dtype.isNumeric else {
                        throw ctx.unsupported(ctx.inputs[0].dtype, expected: "a numeric dtype")
                    }
                    _ = try attrs.double("min", ctx)
                    _ = try attrs.double("max", ctx)
                    return [ctx.inputs[0]]
                },
                compute: { call in
                    [
                        clip(
                            call.inputs[0], min: try call.attributes.double("min", call.context),
                            max: try call.attributes.double("max", call.context))
                    ]
                }
            ).gradient(ClipByValueGradient()).output(.elementwise))
        defs.append(
            OpDefinition(
                "SelectV2",
                infer: { ctx, _ in
                    try ctx.expectInputs(3)
                    let (c, x, y) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
                    guard c.dtype == .bool else { throw ctx.error("condition must be bool, got \(c.dtype)") }
                    guard x.dtype == y.dtype else { throw ctx.dtypeMismatch(x.dtype, y.dtype) }
                    guard let xy = Shape.broadcast(x.shape, y.shape), let shape = Shape.broadcast(c.shape, xy) else {
                        throw ctx.shapeError("Incompatible shapes for broadcasting")
                    }
                    return [TensorSpec(dtype: x.dtype, shape: shape)]
                },
                compute: { call in
                    [select(call.inputs[0], call.inputs[1], call.inputs[2], shape: call.outputs[0].shape)]
                }
            ).gradient(SelectGradient()).output(.elementwise))
        defs.append(
            OpDefinition(
                "Cast",
                infer: { ctx, attrs in
                    try ctx.expectInputs(1)
                    return [TensorSpec(dtype: try attrs.dtype("DstT", ctx), shape: ctx.inputs[0].shape)]
                }, compute: { call in [call.inputs[0].cast(to: call.outputs[0].dtype)] }
            )
            .gradient(CastGradient())
            .tensorFlow(
                TensorFlowInterop(typeAttributes: ["SrcT": .input(0)], fixedAttributes: ["Truncate": .bool(false)])))
        return defs
    }()

    static let floatUnaryInfer: @Sendable (OpContext, Attributes) throws -> [TensorSpec] = { ctx, _ in
        try ctx.expectInputs(1)
        guard ctx.inputs[0].dtype.isFloatingPoint else {
            throw ctx.unsupported(ctx.inputs[0].dtype, expected: "float32 or float64")
        }
        return [ctx.inputs[0]]
    }

    // MARK: Inference

    static func inferBinary(_ f: BinaryFunction, _ ctx: OpContext) throws -> TensorSpec {
        try ctx.expectInputs(2)
        let a = ctx.inputs[0], b = ctx.inputs[1]
        guard a.dtype == b.dtype else { throw ctx.dtypeMismatch(a.dtype, b.dtype) }
        guard f.accepts(a.dtype) else { throw ctx.unsupported(a.dtype, expected: f.expected) }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            throw OpError(
                opType: ctx.opType,
                message: "Incompatible shapes: \(Shape.describe(a.shape)) vs. "
                    + "\(Shape.describe(b.shape)) for '\(ctx.nodeName)' (op: '\(ctx.opType)')")
        }
        return TensorSpec(dtype: (f.isComparison ? .bool : a.dtype), shape: shape)
    }

    /// Eager binary op with inference; traps on bad inputs.
    @inline(__always)
    static func binary(_ f: BinaryFunction, _ a: Tensor, _ b: Tensor) -> Tensor {
        if a.dtype == b.dtype && a.shape == b.shape && f.accepts(a.dtype) {
            return binary(f, a, b, shape: a.shape)
        }
        let spec = trapping { try inferBinary(f, OpContext(opType: f.rawValue, inputs: [a.spec, b.spec])) }
        return binary(f, a, b, shape: spec.shape)
    }

    // MARK: Kernels

    static func binary(_ f: BinaryFunction, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        var out = Tensor(uninitializedShape: shape, dtype: f.isComparison ? .bool : a.dtype)
        switch a.dtype {
        case .float32: floatBinary(f, a, b, &out, Float.self)
        case .float64: floatBinary(f, a, b, &out, Double.self)
        case .int32: numericBinary(f, a, b, &out, Int32.self)
        case .int64: numericBinary(f, a, b, &out, Int64.self)
        case .uint8: numericBinary(f, a, b, &out, UInt8.self)
        case .bool:
            switch f {
            case .logicalAnd: broadcastMap2(a, b, into: &out, Elementwise.LogicalAnd())
            case .logicalOr: broadcastMap2(a, b, into: &out, Elementwise.LogicalOr())
            case .equal: broadcastMap2(a, b, into: &out, Elementwise.Equal<Bool>())
            case .notEqual: broadcastMap2(a, b, into: &out, Elementwise.NotEqual<Bool>())
            default: preconditionFailure("\(f.rawValue) on bool")
            }
        }
        return out
    }

    static func floatBinary<T: FloatElement>(
        _ f: BinaryFunction, _ a: Tensor, _ b: Tensor, _ out: inout Tensor, _: T.Type
    ) {
        if f == .divide {
            broadcastMap2(a, b, into: &out, Elementwise.Divide<T>())
        } else {
            numericBinary(f, a, b, &out, T.self)
        }
    }

    static func numericBinary<T: NumericElement>(
        _ f: BinaryFunction, _ a: Tensor, _ b: Tensor, _ out: inout Tensor, _: T.Type
    ) {
        switch f {
        case .add: broadcastMap2(a, b, into: &out, Elementwise.Add<T>())
        case .subtract: broadcastMap2(a, b, into: &out, Elementwise.Subtract<T>())
        case .multiply: broadcastMap2(a, b, into: &out, Elementwise.Multiply<T>())
        case .floorDivide: broadcastMap2(a, b, into: &out, Elementwise.FloorDivide<T>())
        case .floorModulo: broadcastMap2(a, b, into: &out, Elementwise.FloorModulo<T>())
        case .power: broadcastMap2(a, b, into: &out, Elementwise.Power<T>())
        case .maximum: broadcastMap2(a, b, into: &out, Elementwise.Maximum<T>())
        case .minimum: broadcastMap2(a, b, into: &out, Elementwise.Minimum<T>())
        case .squaredDifference: broadcastMap2(a, b, into: &out, Elementwise.SquaredDifference<T>())
        case .equal: broadcastMap2(a, b, into: &out, Elementwise.Equal<T>())
        case .notEqual: broadcastMap2(a, b, into: &out, Elementwise.NotEqual<T>())
        case .less: broadcastMap2(a, b, into: &out, Elementwise.Less<T>())
        case .lessEqual: broadcastMap2(a, b, into: &out, Elementwise.LessEqual<T>())
        case .greater: broadcastMap2(a, b, into: &out, Elementwise.Greater<T>())
        case .greaterEqual: broadcastMap2(a, b, into: &out, Elementwise.GreaterEqual<T>())
        case .divide, .logicalAnd, .logicalOr: preconditionFailure("\(f.rawValue) on \(T.dtype)")
        }
    }

    static func unary(_ f: UnaryFunction, _ a: Tensor) -> Tensor {
        if !f.accepts(a.dtype) {
            fatalError(
                OpContext(opType: f.rawValue, inputs: [a.spec]).unsupported(a.dtype, expected: f.expected).message)
        }
        var out = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
        switch a.dtype {
        case .float32: floatUnary(f, a, &out, Float.self)
        case .float64: floatUnary(f, a, &out, Double.self)
        case .int32: numericUnary(f, a, &out, Int32.self)
        case .int64: numericUnary(f, a, &out, Int64.self)
        case .uint8: numericUnary(f, a, &out, UInt8.self)
        case .bool: map1(a, into: &out, Elementwise.LogicalNot())
        }
        return out
    }

    static func numericUnary<T: NumericElement>(_ f: UnaryFunction, _ a: Tensor, _ out: inout Tensor, _: T.Type) {
        switch f {
        case .negate: map1(a, into: &out, Elementwise.Negate<T>())
        case .abs: map1(a, into: &out, Elementwise.Absolute<T>())
        case .sign: map1(a, into: &out, Elementwise.Sign<T>())
        case .square: map1(a, into: &out, Elementwise.Square<T>())
        case .relu: map1(a, into: &out, Elementwise.Relu<T>())
        default: preconditionFailure("\(f.rawValue) on \(T.dtype)")
        }
    }

    static func floatUnary<T: FloatElement>(_ f: UnaryFunction, _ a: Tensor, _ out: inout Tensor, _: T.Type) {
        switch f {
        case .exp: map1(a, into: &out, Elementwise.Exp<T>())
        case .log: map1(a, into: &out, Elementwise.Log<T>())
        case .sqrt: map1(a, into: &out, Elementwise.SquareRoot<T>())
        case .rsqrt: map1(a, into: &out, Elementwise.ReciprocalSquareRoot<T>())
        case .tanh: map1(a, into: &out, Elementwise.Tanh<T>())
        case .sigmoid: map1(a, into: &out, Elementwise.Sigmoid<T>())
        case .softplus: map1(a, into: &out, Elementwise.Softplus<T>())
        default: numericUnary(f, a, &out, T.self)
        }
    }

    static func gelu(_ a: Tensor, approximate: Bool) -> Tensor {
        var out = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
        func run<T: FloatElement>(_: T.Type) {
            if approximate {
                map1(a, into: &out, Elementwise.GeluTanh<T>())
            } else {
                map1(a, into: &out, Elementwise.GeluExact<T>())
            }
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default:
            fatalError(
                OpContext(opType: "Gelu", inputs: [a.spec]).unsupported(a.dtype, expected: "float32 or float64").message
            )
        }
        return out
    }

    static func clip(_ a: Tensor, min lo: Double, max hi: Double) -> Tensor {
        var out = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
        func run<T: NumericElement>(_: T.Type) {
            map1(a, into: &out, Elementwise.Clip<T>(low: T(converting: lo), high: T(converting: hi)))
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .uint8: run(UInt8.self)
        case .bool:
            fatalError(
                OpContext(opType: "ClipByValue", inputs: [a.spec]).unsupported(.bool, expected: "a numeric dtype")
                    .message)
        }
        return out
    }

    static func select(_ c: Tensor, _ x: Tensor, _ y: Tensor, shape: [Int]) -> Tensor {
        var out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        switch x.dtype.byteSize {
        case 1: broadcastSelect(c, x, y, into: &out, UInt8.self)
        case 4: broadcastSelect(c, x, y, into: &out, UInt32.self)
        default: broadcastSelect(c, x, y, into: &out, UInt64.self)
        }
        return out
    }
}

// MARK: Gradients

extension BinaryFunction {
    /// The function's gradient; `nil` for the comparisons, the logic functions and the integer
    /// divisions, which are not differentiable.
    var gradient: (any GradientFunction)? {
        switch self {
        case .add: AddGradient()
        case .subtract: SubtractGradient()
        case .multiply: MultiplyGradient()
        case .divide: DivideGradient()
        case .power: PowerGradient()
        case .maximum: ExtremumGradient(isMaximum: true)
        case .minimum: ExtremumGradient(isMaximum: false)
        case .squaredDifference: SquaredDifferenceGradient()
        case .floorDivide, .floorModulo, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual,
            .logicalAnd, .logicalOr:
            nil
        }
    }
}

extension UnaryFunction {
    /// The function's gradient; `nil` for `LogicalNot`.
    var gradient: (any GradientFunction)? {
        switch self {
        case .negate: NegateGradient()
        case .abs: AbsGradient()
        case .sign: SignGradient()
        case .square: SquareGradient()
        case .relu: ReluGradient()
        case .exp: ExpGradient()
        case .log: LogGradient()
        case .sqrt: SqrtGradient()
        case .rsqrt: RsqrtGradient()
        case .tanh: TanhGradient()
        case .sigmoid: SigmoidGradient()
        case .softplus: SoftplusGradient()
        case .logicalNot: nil
        }
    }
}

/// `Add`, `AddV2`: g to both, summed back over broadcast dimensions.
struct AddGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.unbroadcast(g, to: op.inputs[0]), try b.unbroadcast(g, to: op.inputs[1])]
    }
}

struct SubtractGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.unbroadcast(g, to: op.inputs[0]), try b.unbroadcast(b.negate(g), to: op.inputs[1])]
    }
}

struct MultiplyGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
        return [try b.unbroadcast(b.multiply(g, y), to: x), try b.unbroadcast(b.multiply(g, x), to: y)]
    }
}

struct DivideGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
        let dx = try b.divide(g, y)
        let dy = try b.negate(b.divide(b.multiply(g, op.outputs[0]), y))
        return [try b.unbroadcast(dx, to: x), try b.unbroadcast(dy, to: y)]
    }
}

/// d/dx = y·x^(y−1); d/dy = x^y·log(x), taken as 0 where x ≤ 0 (as TensorFlow does).
struct PowerGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y, z) = (op.inputs[0], op.inputs[1], op.outputs[0])
        let dx = try b.multiply(g, b.multiply(y, b.op("Pow", x, b.subtract(y, b.scalar(1, like: y)))))
        let positive = try b.op("Greater", x, b.scalar(0, like: x))
        let safeX = try b.select(positive, x, b.onesLike(x))
        let logX = try b.select(positive, b.op("Log", safeX), b.zerosLike(x))
        let dy = try b.multiply(g, b.multiply(z, logX))
        return [try b.unbroadcast(dx, to: x), try b.unbroadcast(dy, to: y)]
    }
}

/// `Maximum`, `Minimum`: g to the input that was picked (x on ties).
struct ExtremumGradient: OutputGradientFunction {
    let isMaximum: Bool

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
        let pick = try b.op(isMaximum ? "GreaterEqual" : "LessEqual", x, y)
        let zeros = try b.zerosLike(g)
        return [
            try b.unbroadcast(b.select(pick, g, zeros), to: x),
            try b.unbroadcast(b.select(pick, zeros, g), to: y),
        ]
    }
}

struct SquaredDifferenceGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, y) = (op.inputs[0], op.inputs[1])
        let d = try b.multiply(b.scalar(2, like: x), b.multiply(g, b.subtract(x, y)))
        return [try b.unbroadcast(d, to: x), try b.unbroadcast(b.negate(d), to: y)]
    }
}

struct NegateGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.negate(g)]
    }
}

struct AbsGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.multiply(g, b.op("Sign", op.inputs[0]))]
    }
}

struct SignGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.zerosLike(op.inputs[0])]
    }
}

struct SquareGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        return [try b.multiply(g, b.multiply(x, b.scalar(2, like: x)))]
    }
}

struct ReluGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.op("ReluGrad", g, op.inputs[0])]
    }
}

struct ExpGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.multiply(g, op.outputs[0])]
    }
}

struct LogGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.divide(g, op.inputs[0])]
    }
}

struct SqrtGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.divide(b.multiply(g, b.scalar(0.5, like: op.inputs[0])), op.outputs[0])]
    }
}

struct RsqrtGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let y = op.outputs[0]
        return [try b.multiply(g, b.multiply(b.scalar(-0.5, like: op.inputs[0]), b.multiply(y, b.multiply(y, y))))]
    }
}

struct TanhGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let y = op.outputs[0]
        return [try b.multiply(g, b.subtract(b.scalar(1, like: y), b.multiply(y, y)))]
    }
}

struct SigmoidGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let y = op.outputs[0]
        return [try b.multiply(g, b.multiply(y, b.subtract(b.scalar(1, like: y), y)))]
    }
}

struct SoftplusGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.multiply(g, b.op("Sigmoid", op.inputs[0]))]
    }
}

struct GeluGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [
            try b.op(
                "GeluGrad", g, op.inputs[0], attributes: ["approximate": op.attributes["approximate"] ?? .bool(false)])
        ]
    }
}

/// g where `min ≤ x ≤ max`, else 0.
struct ClipByValueGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let x = op.inputs[0]
        let low = b.scalar(try number(op, "min"), like: x), high = b.scalar(try number(op, "max"), like: x)
        let inside = try b.op("LogicalAnd", b.op("GreaterEqual", x, low), b.op("LessEqual", x, high))
        return [try b.select(inside, g, b.zerosLike(g))]
    }

    private func number<V>(_ op: GradientInput<V>, _ name: String) throws -> Double {
        switch op.attributes[name] {
        case .float(let v): return v
        case .int(let v): return Double(v)
        default: throw OpError(opType: op.opType, message: "\(op.opType): attribute '\(name)' must be a number")
        }
    }
}

/// `SelectV2`: g to the branch each element came from; the condition gets none.
struct SelectGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (c, x, y) = (op.inputs[0], op.inputs[1], op.inputs[2])
        let zeros = try b.zerosLike(g)
        return [nil, try b.unbroadcast(b.select(c, g, zeros), to: x), try b.unbroadcast(b.select(c, zeros, g), to: y)]
    }
}

/// g cast back to the source dtype; none for an integer source.
struct CastGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let source = b.dtype(of: op.inputs[0])
        return [source.isFloatingPoint ? try b.cast(g, to: source) : nil]
    }
}
