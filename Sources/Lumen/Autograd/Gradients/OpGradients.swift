/// Every op's gradient function, keyed by op type; ``OpRegistry`` attaches them to the definitions.
enum OpGradients {
    static let all: [String: any GradientFunction] = {
        var table: [String: any GradientFunction] = [:]
        for type in ElementwiseGradient.opTypes { table[type] = ElementwiseGradient() }
        for type in ReductionGradient.opTypes { table[type] = ReductionGradient() }
        for type in LinearAlgebraGradient.opTypes { table[type] = LinearAlgebraGradient() }
        for type in ShapeGradient.opTypes { table[type] = ShapeGradient() }
        for type in NeuralNetworkGradient.opTypes { table[type] = NeuralNetworkGradient() }
        return table
    }()
}

extension GradientBuilder {
    func zerosLike(_ x: Value) throws -> Value { try op("ZerosLike", x) }
    func onesLike(_ x: Value) throws -> Value { try op("OnesLike", x) }
    func cast(_ x: Value, to dtype: DType) throws -> Value { try op("Cast", x, attributes: ["DstT": .dtype(dtype)]) }
    func select(_ condition: Value, _ a: Value, _ b: Value) throws -> Value { try op("SelectV2", condition, a, b) }
    func reshape(_ x: Value, _ shape: [Int]) throws -> Value { try op("Reshape", x, attributes: ["shape": .ints(shape)]) }

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
