/// Everything a kernel gets: the op context, the input tensors, the attributes and the output specs
/// that shape inference computed.
public struct KernelInvocation: Sendable {
    public let context: OpContext
    public let inputs: [Tensor]
    public let attributes: Attributes
    public let outputs: [TensorSpec]
}

/// One operation, defined once for both eager and graph mode (DESIGN.md, "One op, two modes"):
/// its TensorFlow op-type name, its shape and dtype inference (which works on partially known
/// shapes), and its CPU kernel.
public struct OpDefinition: Sendable {
    /// The TensorFlow op-type name (`MatMul`, `Conv2D`, …), also the NodeDef `op` string.
    public let type: String
    /// Checks the inputs and attributes and returns the output specs. Unknown dimensions (-1) are
    /// allowed in graph mode; errors name the op, its inputs' shapes and dtypes.
    public let inferOutputs: @Sendable (OpContext, Attributes) throws -> [TensorSpec]
    /// Computes the outputs from concrete inputs.
    public let compute: @Sendable (KernelInvocation) throws -> [Tensor]
    /// The gradient, written once against ``GradientBuilder`` for both modes; `nil` for ops that are
    /// not differentiable (comparisons, casts to integers, argmax).
    public internal(set) var gradient: (any GradientFunction)?

    public init(
        _ type: String,
        infer: @escaping @Sendable (OpContext, Attributes) throws -> [TensorSpec],
        compute: @escaping @Sendable (KernelInvocation) throws -> [Tensor]
    ) {
        self.type = type
        self.inferOutputs = infer
        self.compute = compute
    }

    /// A copy registered under another name (`AddV2` for `Add`).
    func aliased(_ name: String) -> OpDefinition {
        var copy = OpDefinition(name, infer: inferOutputs, compute: compute)
        copy.gradient = gradient
        return copy
    }

    /// Infers and runs the op on concrete inputs (eager mode).
    public func execute(_ inputs: [Tensor], attributes: Attributes = [:]) throws -> [Tensor] {
        let context = OpContext(opType: type, inputs: inputs.map(\.spec))
        let outputs = try inferOutputs(context, attributes)
        return try compute(KernelInvocation(context: context, inputs: inputs, attributes: attributes, outputs: outputs))
    }
}

/// The op registry: every op, keyed by its TensorFlow op-type name.
public struct OpRegistry: Sendable {
    /// The registry holding all of Lumen's ops.
    public static let shared = OpRegistry(
        ElementwiseOps.definitions + ReductionOps.definitions + LinearAlgebraOps.definitions
            + ShapeOps.definitions + NeuralNetworkOps.definitions + GradientSupportOps.definitions + GradientKernelOps.definitions,
        gradients: OpGradients.all
    )

    private let definitions: [String: OpDefinition]

    init(_ list: [OpDefinition], gradients: [String: any GradientFunction] = [:]) {
        var map: [String: OpDefinition] = [:]
        for var def in list {
            precondition(map[def.type] == nil, "op \(def.type) registered twice")
            def.gradient = gradients[def.type]
            map[def.type] = def
        }
        for name in gradients.keys { precondition(map[name] != nil, "gradient for unknown op \(name)") }
        definitions = map
    }

    /// The definition registered under `type`, if any.
    public subscript(type: String) -> OpDefinition? { definitions[type] }

    /// Every registered op-type name, sorted.
    public var opTypes: [String] { definitions.keys.sorted() }

    /// Runs the op `type` eagerly, throwing ``OpError`` for an unknown op or bad inputs.
    public func execute(_ type: String, inputs: [Tensor], attributes: Attributes = [:]) throws -> [Tensor] {
        guard let def = definitions[type] else {
            throw OpError(opType: type, message: "no op named '\(type)' is registered")
        }
        return try def.execute(inputs, attributes: attributes)
    }
}

/// Runs an eager op and traps with its message on error (a programming error, like an index out of
/// range). The throwing form is ``OpRegistry/execute(_:inputs:attributes:)``.
@inline(__always)
func trapping<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch let error as OpError {
        fatalError(error.message)
    } catch {
        fatalError("\(error)")
    }
}
