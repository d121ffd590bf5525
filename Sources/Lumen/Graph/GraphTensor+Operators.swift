/// The convenient way to build graphs: operators and methods on ``GraphTensor`` that add ops to the
/// tensor's graph, named as TensorFlow 1's Python API names them (`a + b` is an `Add` op named
/// `add`, `add_1`, …). Like the eager API they trap with the op's message on a shape or dtype error;
/// ``Graph/apply(_:_:attributes:name:)`` is the throwing form.
extension GraphTensor {
    /// Adds one op, trapping with its error message.
    static func build(_ type: String, _ inputs: [GraphTensor], _ attributes: Attributes = [:], name: String)
        -> GraphTensor
    {
        trappingGraphBuild { try inputs[0].graph.apply(type, inputs, attributes: attributes, name: name) }
    }

    /// A binary op with a scalar operand, built as TensorFlow does: the scalar becomes `scope/y`
    /// (or `scope/x`) and the op takes the scope's name.
    static func buildWithScalar(
        _ type: String, _ tensor: GraphTensor, _ scalar: Double, scalarFirst: Bool, name: String
    ) -> GraphTensor {
        trappingGraphBuild {
            try tensor.graph.nameScope(name) { scope in
                let constant = try tensor.graph.constant(
                    Tensor.full([], scalar, dtype: tensor.dtype), name: scalarFirst ? "x" : "y")
                return try tensor.graph.apply(
                    type, scalarFirst ? [constant, tensor] : [tensor, constant], name: scope + "/")
            }
        }
    }

    // MARK: Arithmetic

    public static func + (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Add", [a, b], name: "add") }
    public static func - (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Sub", [a, b], name: "sub") }
    public static func * (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Mul", [a, b], name: "mul") }
    public static func / (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("RealDiv", [a, b], name: "truediv") }
    public static prefix func - (a: GraphTensor) -> GraphTensor { build("Neg", [a], name: "Neg") }

    public static func + (a: GraphTensor, b: Double) -> GraphTensor {
        buildWithScalar("Add", a, b, scalarFirst: false, name: "add")
    }
    public static func - (a: GraphTensor, b: Double) -> GraphTensor {
        buildWithScalar("Sub", a, b, scalarFirst: false, name: "sub")
    }
    public static func * (a: GraphTensor, b: Double) -> GraphTensor {
        buildWithScalar("Mul", a, b, scalarFirst: false, name: "mul")
    }
    public static func / (a: GraphTensor, b: Double) -> GraphTensor {
        buildWithScalar("RealDiv", a, b, scalarFirst: false, name: "truediv")
    }
    public static func + (a: Double, b: GraphTensor) -> GraphTensor {
        buildWithScalar("Add", b, a, scalarFirst: true, name: "add")
    }
    public static func - (a: Double, b: GraphTensor) -> GraphTensor {
        buildWithScalar("Sub", b, a, scalarFirst: true, name: "sub")
    }
    public static func * (a: Double, b: GraphTensor) -> GraphTensor {
        buildWithScalar("Mul", b, a, scalarFirst: true, name: "mul")
    }
    public static func / (a: Double, b: GraphTensor) -> GraphTensor {
        buildWithScalar("RealDiv", b, a, scalarFirst: true, name: "truediv")
    }

    /// Elementwise maximum (`Maximum`).
    public func maximum(_ other: GraphTensor, name: String = "Maximum") -> GraphTensor {
        Self.build("Maximum", [self, other], name: name)
    }
    /// Elementwise minimum (`Minimum`).
    public func minimum(_ other: GraphTensor, name: String = "Minimum") -> GraphTensor {
        Self.build("Minimum", [self, other], name: name)
    }
    /// `(self - other)²` (`SquaredDifference`).
    public func squaredDifference(_ other: GraphTensor, name: String = "SquaredDifference") -> GraphTensor {
        Self.build("SquaredDifference", [self, other], name: name)
    }

    // MARK: Elementwise functions

    public func relu(name: String = "Relu") -> GraphTensor { Self.build("Relu", [self], name: name) }
    public func sigmoid(name: String = "Sigmoid") -> GraphTensor { Self.build("Sigmoid", [self], name: name) }
    public func tanh(name: String = "Tanh") -> GraphTensor { Self.build("Tanh", [self], name: name) }
    public func exp(name: String = "Exp") -> GraphTensor { Self.build("Exp", [self], name: name) }
    public func log(name: String = "Log") -> GraphTensor { Self.build("Log", [self], name: name) }
    public func sqrt(name: String = "Sqrt") -> GraphTensor { Self.build("Sqrt", [self], name: name) }
    public func square(name: String = "Square") -> GraphTensor { Self.build("Square", [self], name: name) }
    public func abs(name: String = "Abs") -> GraphTensor { Self.build("Abs", [self], name: name) }

    /// Softmax along `axis` (`Softmax`).
    public func softmax(axis: Int = -1, name: String = "Softmax") -> GraphTensor {
        Self.build("Softmax", [self], ["axis": .int(axis)], name: name)
    }
    /// Log-softmax along `axis` (`LogSoftmax`).
    public func logSoftmax(axis: Int = -1, name: String = "LogSoftmax") -> GraphTensor {
        Self.build("LogSoftmax", [self], ["axis": .int(axis)], name: name)
    }

    // MARK: Reductions

    private func reduction(_ type: String, _ axes: [Int]?, _ keepDims: Bool, _ name: String) -> GraphTensor {
        var attributes: Attributes = ["keep_dims": .bool(keepDims)]
        if let axes { attributes["axes"] = .ints(axes) }
        return Self.build(type, [self], attributes, name: name)
    }
    /// The sum over `axes` (all when `nil`) (`Sum`, `tf.reduce_sum`).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false, name: String = "Sum") -> GraphTensor {
        reduction("Sum", axes, keepDims, name)
    }
    /// The mean over `axes` (`Mean`, `tf.reduce_mean`).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false, name: String = "Mean") -> GraphTensor {
        reduction("Mean", axes, keepDims, name)
    }
    /// The maximum over `axes` (`Max`).
    public func max(axes: [Int]? = nil, keepDims: Bool = false, name: String = "Max") -> GraphTensor {
        reduction("Max", axes, keepDims, name)
    }
    /// The index of the maximum along `axis` (`ArgMax`), int64.
    public func argmax(axis: Int, name: String = "ArgMax") -> GraphTensor {
        Self.build("ArgMax", [self], ["axis": .int(axis)], name: name)
    }

    // MARK: Linear algebra and shapes

    /// The matrix product (`MatMul` for rank 2, `BatchMatMulV2` otherwise).
    public func matmul(
        _ other: GraphTensor, transposeSelf: Bool = false, transposeOther: Bool = false,
        name: String = "MatMul"
    ) -> GraphTensor {
        if rank == 2 && other.rank == 2 {
            return Self.build(
                "MatMul", [self, other],
                ["transpose_a": .bool(transposeSelf), "transpose_b": .bool(transposeOther)], name: name)
        }
        return Self.build(
            "BatchMatMulV2", [self, other], ["adj_x": .bool(transposeSelf), "adj_y": .bool(transposeOther)], name: name)
    }

    /// The same elements in `shape`; one dimension may be -1 (`Reshape`).
    public func reshaped(_ shape: [Int], name: String = "Reshape") -> GraphTensor {
        Self.build("Reshape", [self], ["shape": .ints(shape)], name: name)
    }
    /// The dimensions reordered by `permutation` (`Transpose`, named `transpose` as `tf.transpose`).
    public func permuted(_ permutation: [Int], name: String = "transpose") -> GraphTensor {
        Self.build("Transpose", [self], ["perm": .ints(permutation)], name: name)
    }
    /// The dimensions reversed (a matrix transpose for rank 2).
    public func transposed(name: String = "transpose") -> GraphTensor {
        permuted(Array((0..<rank).reversed()), name: name)
    }
    /// This tensor converted to `dtype` (`Cast`).
    public func cast(_ dtype: DType, name: String = "Cast") -> GraphTensor {
        Self.build("Cast", [self], ["DstT": .dtype(dtype)], name: name)
    }

    // MARK: Comparison

    /// Elementwise equality, bool (`Equal`).
    public static func .== (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Equal", [a, b], name: "Equal") }
    /// Elementwise `a > b`, bool (`Greater`).
    public static func .> (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Greater", [a, b], name: "Greater") }
    /// Elementwise `a < b`, bool (`Less`).
    public static func .< (a: GraphTensor, b: GraphTensor) -> GraphTensor { build("Less", [a, b], name: "Less") }
}

/// Runs a graph-building step, trapping with the error's message: the behaviour of the operator
/// forms, as for the eager API.
func trappingGraphBuild<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch {
        fatalError("\(error)")
    }
}
