/// Which graph-optimizer passes a ``Session`` applies to the subgraph it runs. Each pass can be
/// switched off, for tests and for debugging a graph as written.
public struct GraphOptimizerOptions: Sendable, Equatable {
    /// Run only the ops the fetches and targets need, stopping at fed tensors. Off, every op of the
    /// graph runs (so every placeholder must be fed).
    public var pruning = true
    /// Evaluate once, when the run is planned, every op whose inputs are all constants, and use the
    /// result as a constant. Placeholders, variables and stateful ops are never folded.
    public var constantFolding = true
    /// Merge ops of the same type, inputs, attributes and device (stateful ops excepted).
    public var commonSubexpressionElimination = true
    /// Bypass `Identity` ops that neither read a variable nor wait on control inputs.
    public var identityRemoval = true
    /// Plan buffers from tensor lifetimes, and free each intermediate tensor after its last use so
    /// its storage is recycled. Off, every intermediate lives until the run ends.
    public var bufferReuse = true

    public init(
        pruning: Bool = true, constantFolding: Bool = true, commonSubexpressionElimination: Bool = true,
        identityRemoval: Bool = true, bufferReuse: Bool = true
    ) {
        self.pruning = pruning
        self.constantFolding = constantFolding
        self.commonSubexpressionElimination = commonSubexpressionElimination
        self.identityRemoval = identityRemoval
        self.bufferReuse = bufferReuse
    }

    /// Every pass off except pruning, which TensorFlow always applies.
    public static let minimal = GraphOptimizerOptions(
        constantFolding: false, commonSubexpressionElimination: false, identityRemoval: false, bufferReuse: false)
}

/// How a ``Session`` runs the ops of a step. Both modes give identical values; OpenBLAS runs on one
/// thread in both (its results depend on its thread count), while Lumen's own kernels, matrix
/// products included, still split large ops across ``Threading/intraOpThreads``.
///
/// Sessions run sequentially unless asked otherwise: the ops that cost most (matrix products,
/// convolutions) already use every core, and small ops run beside them only take cores away from
/// them. On the 2-core benchmark machine, the 784-256-10 MLP's training step (`lumen-bench --only
/// graph`) ran about 900 steps/s sequentially and about 640 in parallel. Parallel execution pays
/// where a graph has independent branches of single-threaded work.
public enum ExecutionMode: Sendable, Equatable {
    /// Independent ops run at once on a pool of `interOpThreads` workers, each op as soon as its
    /// inputs are ready.
    case parallel(interOpThreads: Int)
    /// One op after another on the calling thread, in a fixed topological order.
    case sequential

    /// Parallel on as many workers as there are cores.
    public static var parallel: ExecutionMode { .parallel(interOpThreads: ProcessInfoCores.count) }
}

/// The configuration of a ``Session`` (TensorFlow's `ConfigProto`, in part).
public struct SessionOptions: Sendable, Equatable {
    public var optimizer: GraphOptimizerOptions
    public var execution: ExecutionMode

    public init(optimizer: GraphOptimizerOptions = GraphOptimizerOptions(), execution: ExecutionMode = .sequential) {
        self.optimizer = optimizer
        self.execution = execution
    }
}
