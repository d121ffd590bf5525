/// The small interface gradient functions are written against, implemented by both modes
/// (docs/ARCHITECTURE.md, "One op, two modes"): eager mode runs each op at once on ``Tensor``s; graph mode adds
/// a node to the graph for each op under `gradients/…/<op>_grad/`.
public protocol GradientBuilder {
    /// A tensor in this mode: a concrete ``Tensor`` eagerly, a symbolic tensor in a graph.
    associatedtype Value

    /// Runs (or adds) the op `type` and returns its outputs.
    func apply(_ type: String, _ inputs: [Value], _ attributes: Attributes) throws -> [Value]
    /// The dtype and static shape of `value` (`-1` for dimensions unknown until run time).
    func spec(of value: Value) -> TensorSpec
    /// A constant holding `tensor`.
    func constant(_ tensor: Tensor) -> Value
}

/// What a gradient function sees of one op application: the op's type and attributes, its inputs and
/// outputs, and the gradients flowing into its outputs (`nil` where an output got no gradient).
public struct GradientInput<Value> {
    public let opType: String
    public let attributes: Attributes
    public let inputs: [Value]
    public let outputs: [Value]
    public let outputGradients: [Value?]
    /// Per input, whether anything will use its gradient; `nil` when every input's may be used.
    /// Gradient functions may skip the work for an input marked `false` and return `nil` for it (eager
    /// mode marks inputs that do not require a gradient, such as a network's input batch).
    public var needsGradient: [Bool]? = nil

    /// Whether the gradient of input `index` may be used.
    public func needsGradient(_ index: Int) -> Bool { needsGradient.map { index >= $0.count || $0[index] } ?? true }
}

/// The gradient of one op type: given its inputs, outputs and output gradients, the gradients of
/// its inputs (`nil` for an input that gets none, such as integer indices).
public protocol GradientFunction: Sendable {
    func gradients<B: GradientBuilder>(_ builder: B, _ op: GradientInput<B.Value>) throws -> [B.Value?]
}

/// A gradient that starts from the gradient of output 0: when output 0 got none, no input gets one.
protocol OutputGradientFunction: GradientFunction {
    /// The input gradients, given `g`, the gradient of output 0.
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?]
}

extension OutputGradientFunction {
    public func gradients<B: GradientBuilder>(_ builder: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        guard let g = op.outputGradients[0] else { return op.inputs.map { _ in nil } }
        return try gradients(builder, op, g)
    }
}

extension GradientBuilder {
    /// Runs a one-output op.
    public func op(_ type: String, _ inputs: Value..., attributes: Attributes = [:]) throws -> Value {
        try apply(type, inputs, attributes)[0]
    }

    public func shape(of value: Value) -> [Int] { spec(of: value).shape }
    public func dtype(of value: Value) -> DType { spec(of: value).dtype }

    public func add(_ a: Value, _ b: Value) throws -> Value { try op("Add", a, b) }
    public func subtract(_ a: Value, _ b: Value) throws -> Value { try op("Sub", a, b) }
    public func multiply(_ a: Value, _ b: Value) throws -> Value { try op("Mul", a, b) }
    public func divide(_ a: Value, _ b: Value) throws -> Value { try op("RealDiv", a, b) }
    public func negate(_ a: Value) throws -> Value { try op("Neg", a) }

    /// A scalar constant of `like`'s dtype.
    public func scalar(_ value: Double, like: Value) -> Value {
        constant(Tensor.full([], value, dtype: dtype(of: like)))
    }

    /// `gradient` summed over the dimensions that broadcasting added to `input`, so it has `input`'s
    /// shape. Nothing is added when the static shapes already agree.
    public func unbroadcast(_ gradient: Value, to input: Value) throws -> Value {
        let gs = shape(of: gradient), xs = shape(of: input)
        if gs == xs && Shape.isFullyDefined(xs) { return gradient }
        return try op("SumToShapeOf", gradient, input)
    }
}

extension GradientBuilder {
    func zerosLike(_ x: Value) throws -> Value { try op("ZerosLike", x) }
    func onesLike(_ x: Value) throws -> Value { try op("OnesLike", x) }
    func cast(_ x: Value, to dtype: DType) throws -> Value { try op("Cast", x, attributes: ["DstT": .dtype(dtype)]) }
    func select(_ condition: Value, _ a: Value, _ b: Value) throws -> Value { try op("SelectV2", condition, a, b) }
    func reshape(_ x: Value, _ shape: [Int]) throws -> Value {
        try op("Reshape", x, attributes: ["shape": .ints(shape)])
    }

    /// `shape` with unknown dimensions written as -1 where at most one is unknown; otherwise the
    /// shape as is (callers only reach here with at most one unknown dimension).
    func reshapeTarget(_ shape: [Int]) -> [Int] { shape.map { $0 < 0 ? -1 : $0 } }

    /// A reduced gradient reshaped to the input's rank (reduced axes as size 1), ready to broadcast.
    func expandReduced(_ g: Value, input: Value, attributes: Attributes) throws -> Value {
        let xs = shape(of: input)
        let keep: Bool
        if case .bool(let k) = attributes["keep_dims"] { keep = k } else { keep = false }
        if keep { return g }
        var axes: Set<Int> = Set(0..<xs.count)
        if case .ints(let a) = attributes["axes"] { axes = Set(a.map { $0 < 0 ? $0 + xs.count : $0 }) }
        let kept = xs.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        return try reshape(g, reshapeTarget(kept))
    }

    /// The number of elements reduced, as a constant of `like`'s dtype (static shapes).
    func reducedCount(input: Value, attributes: Attributes) -> Double {
        let xs = shape(of: input)
        var axes = Array(0..<xs.count)
        if case .ints(let a) = attributes["axes"] { axes = a.map { $0 < 0 ? $0 + xs.count : $0 } }
        return Set(axes).reduce(1.0) { $0 * Double(xs[$1]) }
    }
}
