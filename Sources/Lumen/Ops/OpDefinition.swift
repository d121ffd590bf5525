/// Everything a kernel gets: the op context, the input tensors, the attributes and the output specs
/// that shape inference computed.
public struct KernelInvocation: Sendable {
    public let context: OpContext
    public let inputs: [Tensor]
    public let attributes: Attributes
    public let outputs: [TensorSpec]
}

/// What a variable-update kernel gets (`Assign`, `ApplyAdam`, …): the op context, the attributes,
/// the variables its reference inputs name, its other inputs in order, and the session's variables.
struct VariableUpdateInvocation {
    let context: OpContext
    let attributes: Attributes
    let variables: [VariableReference]
    let inputs: [Tensor]
    let store: VariableStore
}

/// How an op is differentiated: by its gradient function, or not at all (comparisons, argmax,
/// integer results, the graph-only ops). Every op declares one of the two.
public enum GradientDeclaration: Sendable {
    /// The gradient, written once against ``GradientBuilder`` for both modes.
    case function(any GradientFunction)
    /// The op has no gradient; autograd stops at it.
    case notDifferentiable
}

/// One operation, defined once for both eager and graph mode: its TensorFlow op-type name, its shape
/// and dtype inference (which works on partially known shapes), its CPU kernel binding, its
/// gradient, and how it maps to and from TensorFlow's `NodeDef`. The registry, the eager and graph
/// front-ends, autograd, the session and GraphDef export/import all read this one record.
///
/// A definition is built by the initializer and refined by ``gradient(_:)``,
/// ``notDifferentiable()``, ``tensorFlow(_:)`` and ``graphOnly(stateful:referenceInputs:)``:
///
/// ```swift
/// OpDefinition("Reshape", infer: inferReshape, compute: reshapeKernel)
///     .gradient(ReshapeGradient())
///     .tensorFlow(TensorFlowInterop(constantInputs: [.init(attribute: "shape", input: "shape", kind: .ints)]))
/// ```
public struct OpDefinition: Sendable {
    /// The TensorFlow op-type name (`MatMul`, `Conv2D`, …), also the NodeDef `op` string.
    public let type: String
    /// Checks the inputs and attributes and returns the output specs. Unknown dimensions (-1) are
    /// allowed in graph mode; errors name the op, its inputs' shapes and dtypes.
    public let inferOutputs: @Sendable (OpContext, Attributes) throws -> [TensorSpec]
    /// Computes the outputs from concrete inputs.
    public let compute: @Sendable (KernelInvocation) throws -> [Tensor]
    /// The op's gradient declaration; `nil` only for an op that forgot to declare one (a test checks
    /// that none does).
    public private(set) var gradientDeclaration: GradientDeclaration?
    /// How the op is written to and read from a TensorFlow `GraphDef`.
    public private(set) var interop = TensorFlowInterop()
    /// Whether the op exists only in graph mode: its kernel needs a ``Session`` (fed values,
    /// variables) or its output only makes sense there (summaries). Eager execution refuses it.
    public private(set) var isGraphOnly = false
    /// Whether the op holds or changes state or takes fed values: the graph optimizer never folds,
    /// merges or removes it.
    public private(set) var isStateful = false
    /// The inputs that must be variables (TensorFlow's ref inputs), with their argument names.
    public private(set) var referenceInputs: [ReferenceInput] = []
    /// How the op's output relates to its inputs' storage, for the session's memory plan.
    public private(set) var outputStorage = OutputStorage.ownBuffer
    /// The kernel of an op that updates variables: the session runs it with its variable store
    /// (``compute`` refuses to run outside a session).
    private(set) var updateVariables: (@Sendable (VariableUpdateInvocation) throws -> [Tensor])?

    /// How an op's output uses memory.
    public enum OutputStorage: Sendable, Equatable {
        /// A buffer of its own.
        case ownBuffer
        /// A view of its first input's storage (`Identity`, `Reshape`): no buffer.
        case viewOfInput
        /// Elementwise: it may be written over an input of the same byte size at that input's last use.
        case elementwise
    }

    /// An input of a graph-only op that must be a variable.
    public struct ReferenceInput: Sendable, Equatable {
        public let index: Int
        /// TensorFlow's argument name (`ref`, `var`, `accum`), used in error messages.
        public let argument: String

        public init(_ index: Int, _ argument: String) {
            self.index = index
            self.argument = argument
        }
    }

    public init(
        _ type: String,
        infer: @escaping @Sendable (OpContext, Attributes) throws -> [TensorSpec],
        compute: @escaping @Sendable (KernelInvocation) throws -> [Tensor]
    ) {
        self.type = type
        self.inferOutputs = infer
        self.compute = compute
    }

    /// The gradient function, if the op has one.
    public var gradient: (any GradientFunction)? {
        if case .function(let function) = gradientDeclaration { return function }
        return nil
    }

    /// This definition with `function` as its gradient.
    public func gradient(_ function: any GradientFunction) -> OpDefinition {
        var copy = self
        copy.gradientDeclaration = .function(function)
        return copy
    }

    /// This definition with `function` as its gradient, or declared not differentiable when `nil`
    /// (for families whose members differ, such as comparisons among the binary functions).
    func gradient(_ function: (any GradientFunction)?) -> OpDefinition {
        function.map { gradient($0) } ?? notDifferentiable()
    }

    /// This definition declared not differentiable.
    public func notDifferentiable() -> OpDefinition {
        var copy = self
        copy.gradientDeclaration = .notDifferentiable
        return copy
    }

    /// This definition with its TensorFlow interop metadata.
    public func tensorFlow(_ interop: TensorFlowInterop) -> OpDefinition {
        var copy = self
        copy.interop = interop
        return copy
    }

    /// This definition marked graph-only (and, when `stateful`, never optimized away); graph-only
    /// ops have no gradient.
    public func graphOnly(stateful: Bool = false, referenceInputs: [ReferenceInput] = []) -> OpDefinition {
        var copy = notDifferentiable()
        copy.isGraphOnly = true
        copy.isStateful = stateful
        copy.referenceInputs = referenceInputs
        return copy
    }

    /// This definition with its output's use of memory declared.
    func output(_ storage: OutputStorage) -> OpDefinition {
        var copy = self
        copy.outputStorage = storage
        return copy
    }

    /// This definition with `kernel` as its variable-update kernel.
    func updatingVariables(_ kernel: @escaping @Sendable (VariableUpdateInvocation) throws -> [Tensor]) -> OpDefinition
    {
        var copy = self
        copy.updateVariables = kernel
        return copy
    }

    /// Infers and runs the op on concrete inputs (eager mode).
    public func execute(_ inputs: [Tensor], attributes: Attributes = [:]) throws -> [Tensor] {
        let context = OpContext(opType: type, inputs: inputs.map(\.spec))
        let outputs = try inferOutputs(context, attributes)
        return try compute(KernelInvocation(context: context, inputs: inputs, attributes: attributes, outputs: outputs))
    }
}

/// The op registry: every op, keyed by its TensorFlow op-type name, eager and graph-only alike.
public struct OpRegistry: Sendable {
    /// The registry holding all of Lumen's ops.
    public static let shared = OpRegistry(
        ElementwiseOps.definitions + ReductionOps.definitions + LinearAlgebraOps.definitions
            + ShapeOps.definitions + NeuralNetworkOps.definitions + GradientSupportOps.definitions
            + GraphOps.definitions + SummaryOps.definitions
    )

    private let definitions: [String: OpDefinition]

    init(_ list: [OpDefinition]) {
        var map: [String: OpDefinition] = [:]
        for def in list {
            precondition(map[def.type] == nil, "op \(def.type) registered twice")
            map[def.type] = def
        }
        definitions = map
    }

    /// The definition registered under `type`, if any (graph-only ops included).
    public subscript(type: String) -> OpDefinition? { definitions[type] }

    /// Every op-type name that runs eagerly, sorted.
    public var opTypes: [String] { definitions.values.filter { !$0.isGraphOnly }.map(\.type).sorted() }

    /// Every registered definition, graph-only ops included, sorted by op type.
    public var allDefinitions: [OpDefinition] { definitions.values.sorted { $0.type < $1.type } }

    /// Runs the op `type` eagerly, throwing ``OpError`` for an unknown or graph-only op or bad inputs.
    public func execute(_ type: String, inputs: [Tensor], attributes: Attributes = [:]) throws -> [Tensor] {
        guard let def = definitions[type] else {
            throw OpError(opType: type, message: "no op named '\(type)' is registered")
        }
        if def.isGraphOnly {
            throw OpError(opType: type, message: "\(type) is a graph-mode op: it runs only inside a Session")
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
