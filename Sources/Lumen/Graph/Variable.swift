/// A TensorFlow 1 variable in a graph: a `VariableV2` op, its initializer (an `Assign` of the initial
/// value) and a snapshot read (`Identity` named `<name>/read`).
///
/// The graph only describes the variable; its value lives in each ``Session`` that runs the graph,
/// from the time the session runs ``initializer`` (or ``globalVariablesInitializer()``).
///
/// ```swift
/// let w = try Variable(Tensor.zeros([3, 2]), name: "w")   // ops w, w/initial_value, w/Assign, w/read
/// let y = x.matmul(w.value)
/// ```
public struct Variable: Hashable, Sendable, CustomStringConvertible {
    /// The `VariableV2` op; its name is the variable's name.
    public let op: GraphOperation
    /// The `Assign` that sets the initial value.
    public let initializer: GraphOperation
    /// The value read as a tensor: the `<name>/read` identity, what computations use.
    public let value: GraphTensor
    /// The initial value the initializer assigns.
    public let initialValue: GraphTensor

    /// The variable itself (output 0 of the `VariableV2`): the tensor to pass to updates and
    /// ``Graph/gradients(ys:xs:gradYs:)``; each use reads the current value.
    public var reference: GraphTensor { op.output(0) }
    /// The name (`w`, `layer1/w`).
    public var name: String { op.name }
    public var dtype: DType { op.outputSpecs[0].dtype }
    public var shape: [Int] { op.outputSpecs[0].shape }
    public var graph: Graph { op.graph }

    public var description: String { "Variable('\(name)' shape=\(Shape.describe(shape)) dtype=\(dtype))" }

    /// A variable initialized to `initialValue`, in `graph` (the default graph unless given).
    public init(_ initialValue: Tensor, name: String? = nil, trainable: Bool = true, graph: Graph? = nil) throws {
        let graph = graph ?? Graph.default
        try self.init(graph: graph, name: name, trainable: trainable) {
            try graph.constant(initialValue, name: "initial_value")
        }
    }

    /// A variable initialized to the value of `initialValue` when its initializer runs (for example a
    /// random-initialization subgraph); its static shape must be fully defined.
    public init(_ initialValue: GraphTensor, name: String? = nil, trainable: Bool = true) throws {
        try self.init(graph: initialValue.graph, name: name, trainable: trainable) {
            try initialValue.graph.identity(initialValue, name: "initial_value")
        }
    }

    private init(graph: Graph, name: String?, trainable: Bool, initialValue makeInitialValue: () throws -> GraphTensor)
        throws
    {
        // Like TensorFlow's init_scope: variables ignore the control dependencies around them.
        let (op, initializer, snapshot, initial) = try graph.controlDependencies(nil as [GraphOperation]?) {
            try graph.nameScope(name ?? "Variable") { scope in
                let initial = try makeInitialValue()
                guard Shape.isFullyDefined(initial.shape) else {
                    throw GraphError.variableShapeNotFullyDefined(name: scope, shape: initial.shape)
                }
                let op = try graph.addOperation(
                    "VariableV2",
                    attributes: [
                        "dtype": .dtype(initial.dtype), "shape": .shape(initial.shape),
                        "container": .string(""), "shared_name": .string(""),
                    ], name: scope + "/")
                let initializer = try graph.addOperation(
                    "Assign", inputs: [op.output(0), initial],
                    attributes: [
                        "validate_shape": .bool(true), "use_locking": .bool(true),
                    ], name: "Assign")
                let snapshot = try graph.identity(op.output(0), name: "read")
                return (op, initializer, snapshot, initial)
            }
        }
        self.op = op
        self.initializer = initializer
        self.value = snapshot
        self.initialValue = initial
        graph.register(self, trainable: trainable)
    }

    // MARK: Updates

    /// An `Assign` of `newValue` to this variable; its output is the new value (`w.assign(v)`).
    public func assign(_ newValue: GraphTensor, name: String? = nil) throws -> GraphTensor {
        try graph.apply(
            "Assign", [reference, newValue],
            attributes: ["validate_shape": .bool(true), "use_locking": .bool(true)], name: name ?? "Assign")
    }

    /// An `Assign` of the constant `newValue`.
    public func assign(_ newValue: Tensor, name: String? = nil) throws -> GraphTensor {
        try graph.withNameScope(name ?? "Assign") { scope in
            try graph.apply(
                "Assign", [reference, try graph.constant(newValue, name: "value")],
                attributes: ["validate_shape": .bool(true), "use_locking": .bool(true)], name: scope + "/")
        }
    }

    /// An `AssignAdd`: adds `delta` to this variable; its output is the new value.
    public func assignAdd(_ delta: GraphTensor, name: String? = nil) throws -> GraphTensor {
        try graph.apply(
            "AssignAdd", [reference, delta], attributes: ["use_locking": .bool(false)], name: name ?? "AssignAdd")
    }

    /// An `AssignAdd` of the constant `delta`.
    public func assignAdd(_ delta: Tensor, name: String? = nil) throws -> GraphTensor {
        try graph.withNameScope(name ?? "AssignAdd") { scope in
            try graph.apply(
                "AssignAdd", [reference, try graph.constant(delta, name: "value")],
                attributes: ["use_locking": .bool(false)], name: scope + "/")
        }
    }

    /// An `AssignSub`: subtracts `delta` from this variable; its output is the new value.
    public func assignSub(_ delta: GraphTensor, name: String? = nil) throws -> GraphTensor {
        try graph.apply(
            "AssignSub", [reference, delta], attributes: ["use_locking": .bool(false)], name: name ?? "AssignSub")
    }
}
