/// Sources and structure: constants, placeholders, identities, no-ops and groups.
extension Graph {
    /// A `Const` op holding `value` (`tf.constant`).
    public func constant(_ value: Tensor, name: String? = nil) throws -> GraphTensor {
        try addOperation(
            "Const", inputs: [], attributes: ["dtype": .dtype(value.dtype)], name: name ?? "Const",
            controlInputs: [], value: value.detached
        ).output(0)
    }

    /// A `Placeholder`: a tensor whose value must be fed to ``Session/run(_:feeds:targets:)``
    /// (`tf.placeholder`). Unknown dimensions of `shape` are -1.
    public func placeholder(_ dtype: DType, shape: [Int], name: String? = nil) throws -> GraphTensor {
        try addOperation(
            "Placeholder", attributes: ["dtype": .dtype(dtype), "shape": .shape(shape)],
            name: name ?? "Placeholder"
        ).output(0)
    }

    /// An `Identity` of `x` (`tf.identity`): the same value, as a new node, useful under control
    /// dependencies.
    public func identity(_ x: GraphTensor, name: String? = nil) throws -> GraphTensor {
        try apply("Identity", [x], name: name ?? "Identity")
    }

    /// A `NoOp` (`tf.no_op`), that does nothing but wait for its control inputs.
    public func noOp(name: String? = nil) throws -> GraphOperation {
        try addOperation("NoOp", name: name ?? "NoOp")
    }

    /// A `NoOp` that runs after all of `ops` (`tf.group`), named `group_deps` by default.
    public func group(_ ops: [GraphOperation], name: String? = nil) throws -> GraphOperation {
        try addOperation("NoOp", name: name ?? "group_deps", controlInputs: ops)
    }

    /// A `NoOp` that runs every variable's initializer (`tf.global_variables_initializer`), named `init`.
    public func globalVariablesInitializer(name: String = "init") throws -> GraphOperation {
        try group(globalVariables.map(\.initializer), name: name)
    }

    /// Runs `body` with ``Graph/withNameScope(_:_:)`` semantics and passes the scope's full name.
    public func withNameScope<R>(_ name: String, _ body: (String) throws -> R) rethrows -> R {
        try nameScope(name, body)
    }
}

// MARK: The same on the default graph (TensorFlow 1's `tf.*` functions)

/// A `Const` holding `value` in the default graph (`tf.constant`).
public func constant(_ value: Tensor, name: String? = nil) throws -> GraphTensor {
    try Graph.default.constant(value, name: name)
}

/// A `Placeholder` in the default graph (`tf.placeholder`); unknown dimensions are -1.
public func placeholder(_ dtype: DType, shape: [Int], name: String? = nil) throws -> GraphTensor {
    try Graph.default.placeholder(dtype, shape: shape, name: name)
}

/// An `Identity` of `x`, in `x`'s graph (`tf.identity`).
public func identity(_ x: GraphTensor, name: String? = nil) throws -> GraphTensor {
    try x.graph.identity(x, name: name)
}

/// A `NoOp` in the default graph (`tf.no_op`).
public func noOp(name: String? = nil) throws -> GraphOperation {
    try Graph.default.noOp(name: name)
}

/// A `NoOp` that runs after all of `ops` (`tf.group`), in their graph (the default graph when empty).
public func group(_ ops: [GraphOperation], name: String? = nil) throws -> GraphOperation {
    try (ops.first?.graph ?? Graph.default).group(ops, name: name)
}

/// The initializer of every variable of the default graph (`tf.global_variables_initializer`).
public func globalVariablesInitializer() throws -> GraphOperation {
    try Graph.default.globalVariablesInitializer()
}

/// Runs `body` inside the name scope `name` of the default graph (`with tf.name_scope(name):`).
public func withNameScope<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
    try Graph.default.withNameScope(name, body)
}

/// Runs `body` with `device` recorded on the ops it creates in the default graph (`with tf.device(d):`).
public func withDevice<R>(_ device: String?, _ body: () throws -> R) rethrows -> R {
    try Graph.default.withDevice(device, body)
}

/// Runs `body` so that the ops it creates in the default graph run after `ops`
/// (`with tf.control_dependencies(ops):`); `nil` clears outer blocks.
public func controlDependencies<R>(_ ops: [GraphOperation]?, _ body: () throws -> R) rethrows -> R {
    try Graph.default.controlDependencies(ops, body)
}

/// Runs `body` so that the ops it creates in the default graph run after the ops producing `tensors`.
public func controlDependencies<R>(_ tensors: [GraphTensor], _ body: () throws -> R) rethrows -> R {
    try Graph.default.controlDependencies(tensors, body)
}
