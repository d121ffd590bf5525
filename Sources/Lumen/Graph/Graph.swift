import Synchronization

/// A TensorFlow 1 computation graph: ``GraphOperation``s connected by ``GraphTensor``s, built now and run
/// later by a ``Session`` (docs/ARCHITECTURE.md, "Graph mode semantics").
///
/// Names are unique per graph (`add`, `add_1`, scopes `layer1/MatMul`); every op is checked by its
/// definition's shape and dtype inference as it is added, so a mistake is reported where it is made,
/// naming the node. Building is thread-safe: several tasks may add ops to one graph at once, each with
/// its own name scopes, devices and control dependencies.
///
/// ```swift
/// let graph = Graph()
/// let y = try graph.asDefault {
///     let x = try placeholder(.float32, shape: [-1, 3], name: "x")
///     return x.matmul(try constant(Tensor.ones([3, 2])))
/// }
/// let value = try Session(graph: graph).run(y, feeds: [graph.tensor(named: "x:0")!: Tensor.ones([4, 3])])
/// ```
public final class Graph: Sendable, CustomStringConvertible {
    struct State {
        var operations: [GraphOperation] = []
        var byName: [String: GraphOperation] = [:]
        /// TensorFlow's `_names_in_use`: lower-cased name → the next suffix to try.
        var namesInUse: [String: Int] = [:]
        var globalVariables: [Variable] = []
        var trainableVariables: [Variable] = []
        /// TensorFlow's `SUMMARIES` collection: the summary ops ``GraphSummaries/mergeAll(name:)`` merges.
        var summaries: [GraphTensor] = []
    }

    let state = Mutex(State())

    /// An empty graph.
    public init() {}

    private static let processDefault = Mutex(Graph())

    /// The graph ops are added to: the innermost ``asDefault(_:)`` of this task, else the
    /// process-wide default graph (TensorFlow's `tf.get_default_graph()`).
    public static var `default`: Graph {
        GraphBuildContext.defaultGraph ?? processDefault.withLock { $0 }
    }

    /// Replaces the process-wide default graph by a new, empty one (`tf.reset_default_graph()`).
    public static func resetDefault() {
        processDefault.withLock { $0 = Graph() }
    }

    /// Runs `body` with this graph as the default graph (`with graph.as_default():`).
    public func asDefault<R>(_ body: () throws -> R) rethrows -> R {
        try GraphBuildContext.$defaultGraph.withValue(self, operation: body)
    }

    // MARK: Contents

    /// Every operation, in the order they were added (a topological order).
    public var operations: [GraphOperation] { state.withLock { $0.operations } }

    /// The number of operations; it only grows.
    public var operationCount: Int { state.withLock { $0.operations.count } }

    /// The operation named `name`, if any.
    public func operation(named name: String) -> GraphOperation? { state.withLock { $0.byName[name] } }

    /// The tensor named `op:index` (`"x:0"`), if any.
    public func tensor(named name: String) -> GraphTensor? {
        guard let colon = name.lastIndex(of: ":"), let index = Int(name[name.index(after: colon)...]),
            let op = operation(named: String(name[..<colon])), op.outputSpecs.indices.contains(index)
        else { return nil }
        return GraphTensor(op: op, index: index)
    }

    /// Every variable created in this graph (TensorFlow's `GLOBAL_VARIABLES` collection).
    public var globalVariables: [Variable] { state.withLock { $0.globalVariables } }

    /// The variables optimizers train by default (`TRAINABLE_VARIABLES`).
    public var trainableVariables: [Variable] { state.withLock { $0.trainableVariables } }

    func register(_ variable: Variable, trainable: Bool) {
        state.withLock {
            $0.globalVariables.append(variable)
            if trainable { $0.trainableVariables.append(variable) }
        }
    }

    /// The summary ops in the summaries collection (TensorFlow's `tf.GraphKeys.SUMMARIES`), in order.
    public var summaries: [GraphTensor] { state.withLock { $0.summaries } }

    func addToSummaries(_ summary: GraphTensor) { state.withLock { $0.summaries.append(summary) } }

    public var description: String { "Graph(\(operationCount) operations)" }

    // MARK: Names

    /// A name unique in this graph for `name` inside the current name scope, TensorFlow's
    /// `unique_name`: `add`, then `add_1`, `add_2`, … (compared case-insensitively, as TensorFlow
    /// does). With `markAsUsed` false the name is only predicted.
    public func uniqueName(_ name: String, markAsUsed: Bool = true) -> String {
        let scoped = scopedName(name)
        return state.withLock { $0.uniqueName(scoped, markAsUsed: markAsUsed) }
    }

    /// The current name scope (`layer1/dense`), empty at the root.
    public var currentNameScope: String { currentScope.nameStack }

    func scopedName(_ name: String) -> String {
        let stack = currentScope.nameStack
        return stack.isEmpty ? name : stack + "/" + name
    }

    /// Enters the name scope `name` and passes the scope's full name to `body`: a fresh `name` is
    /// made unique (`layer1`, then `layer1_1` when entered again, as TensorFlow does); a name ending
    /// in `/` re-enters that exact scope; the empty name returns to the root.
    func nameScope<R>(_ name: String, _ body: (String) throws -> R) rethrows -> R {
        let stack: String
        if name.isEmpty {
            stack = ""
        } else if name.hasSuffix("/") {
            precondition(Graph.isValidScopeName(name), "'\(name)' is not a valid scope name")
            stack = String(name.dropLast())
        } else {
            precondition(Graph.isValidScopeName(name), "'\(name)' is not a valid scope name")
            stack = uniqueName(name)
        }
        return try withScope(changing: { $0.nameStack = stack }) { try body(stack) }
    }

    /// Runs `body` inside the name scope `name` (`with tf.name_scope(name):`). Ops created inside are
    /// named `name/Op`; entering `name` again gives `name_1/…`; a name ending in `/` re-enters that
    /// exact scope; `""` returns to the root.
    public func withNameScope<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        try nameScope(name) { _ in try body() }
    }

    /// Runs `body` with `device` recorded on every op created inside (`with tf.device(d):`);
    /// `nil` or `""` clears the device.
    public func withDevice<R>(_ device: String?, _ body: () throws -> R) rethrows -> R {
        try withScope(changing: { $0.device = device ?? "" }, body)
    }

    /// Runs `body` so that every op created inside runs after `ops` (`with
    /// tf.control_dependencies(ops):`). Blocks nest and add up; `nil` clears the outer ones.
    public func controlDependencies<R>(_ ops: [GraphOperation]?, _ body: () throws -> R) rethrows -> R {
        try withScope(
            changing: { scope in
                guard let ops else { scope.controlInputs = []; return }
                for op in ops where !scope.controlInputs.contains(op) { scope.controlInputs.append(op) }
            }, body)
    }

    /// Runs `body` so that every op created inside runs after the ops producing `tensors`.
    public func controlDependencies<R>(_ tensors: [GraphTensor], _ body: () throws -> R) rethrows -> R {
        try controlDependencies(tensors.map(\.op), body)
    }

    // MARK: Adding operations

    /// Adds an op of the registered type `type` and returns it.
    ///
    /// The op's definition checks the inputs and attributes now, with unknown dimensions allowed,
    /// and throws an ``OpError`` naming the node the way TensorFlow does: `Dimensions must be equal,
    /// but are 256 and 128 for 'MatMul_1' (op: 'MatMul') with input shapes: [?,256], [128,10]`.
    /// The name defaults to the type and is made unique inside the current name scope; a name ending
    /// in `/` is taken exactly. The op gets the current device and control dependencies.
    @discardableResult
    public func addOperation(
        _ type: String, inputs: [GraphTensor] = [], attributes: Attributes = [:], name: String? = nil,
        controlInputs: [GraphOperation] = []
    ) throws -> GraphOperation {
        try addOperation(
            type, inputs: inputs, attributes: attributes, name: name, controlInputs: controlInputs, value: nil)
    }

    /// Adds an op of type `type` and returns its first output (the throwing form of the operators on
    /// ``GraphTensor``): `try graph.apply("MatMul", [x, w])`.
    public func apply(
        _ type: String, _ inputs: [GraphTensor], attributes: Attributes = [:], name: String? = nil
    ) throws -> GraphTensor {
        let op = try addOperation(type, inputs: inputs, attributes: attributes, name: name)
        guard !op.outputSpecs.isEmpty else { throw GraphError.noOutputs(opType: type) }
        return op.output(0)
    }

    /// Adds an op of type `type` and returns all its outputs (for `Split` and the like).
    public func applyAll(
        _ type: String, _ inputs: [GraphTensor], attributes: Attributes = [:], name: String? = nil
    ) throws -> [GraphTensor] {
        try addOperation(type, inputs: inputs, attributes: attributes, name: name).outputs
    }

    func addOperation(
        _ type: String, inputs: [GraphTensor], attributes: Attributes, name: String?, controlInputs: [GraphOperation],
        value: Tensor?
    ) throws -> GraphOperation {
        guard let definition = OpRegistry.shared[type] else { throw GraphError.unknownOpType(type) }
        let requested = name ?? type
        if let name {
            guard Graph.isValidOpName(name.hasSuffix("/") ? String(name.dropLast()) : name) else {
                throw GraphError.invalidName(name)
            }
        }
        for input in inputs where input.op.graph !== self {
            throw GraphError.differentGraph(tensor: input.name, opName: requested)
        }
        for op in controlInputs where op.graph !== self {
            throw GraphError.differentGraph(tensor: op.name, opName: requested)
        }
        for reference in definition.referenceInputs {
            guard reference.index < inputs.count, inputs[reference.index].op.type == "VariableV2" else {
                throw GraphError.requiresLValue(argument: reference.argument, opType: type)
            }
        }
        let scope = currentScope
        var controls: [GraphOperation] = []
        for op in scope.controlInputs + controlInputs
        where !controls.contains(op) && !inputs.contains(where: { $0.op === op }) {
            controls.append(op)
        }
        let scoped = requested.hasSuffix("/") ? String(requested.dropLast()) : scopedName(requested)
        let inputSpecs = inputs.map(\.spec)
        return try state.withLock { state in
            let opName: String
            if requested.hasSuffix("/") {
                opName = scoped
            } else {
                opName = state.uniqueName(scoped, markAsUsed: false)
            }
            guard state.byName[opName] == nil else { throw GraphError.duplicateName(opName) }
            let outputs: [TensorSpec]
            if let value {
                outputs = [value.spec]
            } else {
                let context = OpContext(opType: type, nodeName: opName, inputs: inputSpecs)
                outputs = try definition.inferOutputs(context, attributes)
            }
            if requested.hasSuffix("/") {
                state.namesInUse[opName.lowercased()] = max(state.namesInUse[opName.lowercased(), default: 0], 1)
            } else {
                _ = state.uniqueName(scoped, markAsUsed: true)
            }
            let op = GraphOperation(
                graph: self, id: state.operations.count, name: opName, type: type, inputs: inputs,
                controlInputs: controls, attributes: attributes, device: scope.device, outputSpecs: outputs,
                value: value)
            state.operations.append(op)
            state.byName[opName] = op
            return op
        }
    }

    // MARK: Name rules

    /// TensorFlow's node-name rule: `[A-Za-z0-9.][A-Za-z0-9_.\-/>]*`.
    static func isValidOpName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isNameCharacter(first, extra: ".") else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { isNameCharacter($0, extra: "_.-/>") }
    }

    /// TensorFlow's scope-name rule: `[A-Za-z0-9_.\-/>]*`.
    static func isValidScopeName(_ name: String) -> Bool {
        name.unicodeScalars.allSatisfy { isNameCharacter($0, extra: "_.-/>") }
    }

    private static func isNameCharacter(_ c: Unicode.Scalar, extra: String) -> Bool {
        (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || extra.unicodeScalars.contains(c)
    }
}

extension Graph.State {
    /// TensorFlow's `Graph.unique_name` for a name already prefixed by its scope.
    mutating func uniqueName(_ name: String, markAsUsed: Bool) -> String {
        let base = name.lowercased()
        var i = namesInUse[base, default: 0]
        if markAsUsed { namesInUse[base] = i + 1 }
        guard i > 0 else { return name }
        var key = base
        while namesInUse[key] != nil {
            key = "\(base)_\(i)"
            i += 1
        }
        if markAsUsed { namesInUse[key] = 1 }
        return "\(name)_\(i - 1)"
    }
}
