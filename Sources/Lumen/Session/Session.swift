import Synchronization

/// Runs a ``Graph`` (TensorFlow 1's `tf.Session`): computes fetched tensors from fed values, keeps
/// the values of the graph's variables between runs, and optimizes the subgraph each kind of run
/// needs, once.
///
/// ```swift
/// let session = Session(graph: graph)
/// try session.run(globalVariablesInitializer())
/// for batch in batches {
///     let loss = try session.run(loss, feeds: [x: batch.x, y: batch.y], targets: [trainOp])
/// }
/// ```
///
/// A session may be run from several threads at once; variable reads and updates are atomic.
public final class Session: Sendable {
    /// The graph this session runs.
    public let graph: Graph
    /// The optimizer passes and execution mode.
    public let options: SessionOptions
    let variables = VariableStore()

    private struct PlanKey: Hashable {
        let graphSize: Int
        let fetches: [String]
        let targets: [String]
        let feeds: [String]
    }

    private struct State {
        var isClosed = false
        var plans: [PlanKey: ExecutionPlan] = [:]
    }

    private let state = Mutex(State())

    /// A session for `graph` (the default graph unless given).
    public init(graph: Graph? = nil, options: SessionOptions = SessionOptions()) {
        self.graph = graph ?? Graph.default
        self.options = options
    }

    /// Runs the subgraph that `fetches` and `targets` need and returns the fetched values, in the
    /// structure of `fetches` (a tensor gives a ``Tensor``, an array an array, a dictionary a
    /// dictionary, an op `()`).
    ///
    /// Any tensor may be fed: its producer does not run, and fetching it gives the fed value. A
    /// placeholder the run needs must be fed. Errors: ``SessionError`` (unfed placeholder, a feed of
    /// the wrong shape or dtype, an uninitialized variable, a closed session) or the ``OpError`` of
    /// a kernel, naming the node.
    @discardableResult
    public func run<F: Fetchable>(_ fetches: F, feeds: [GraphTensor: Tensor] = [:], targets: [GraphOperation] = [])
        throws -> F.FetchResult
    {
        var request = FetchRequest()
        fetches.collectFetches(into: &request)
        for op in targets { request.add(op) }
        let (plan, feedValues) = try prepare(request, feeds: feeds)
        let executor = Executor(
            plan: plan, feeds: feedValues, store: variables,
            releaseAfterLastUse: options.optimizer.bufferReuse)
        let values = try executor.run(options.execution)
        var byTensor: [GraphTensor: Tensor] = [:]
        for (t, v) in zip(request.tensors, values) { byTensor[t] = v }
        return fetches.fetchResult(from: FetchedValues(values: byTensor))
    }

    /// Closes the session: its variable values are dropped and every later run throws
    /// ``SessionError/closed``.
    public func close() {
        state.withLock {
            $0.isClosed = true
            $0.plans = [:]
        }
        variables.removeAll()
    }

    /// `true` after ``close()``.
    public var isClosed: Bool { state.withLock { $0.isClosed } }

    /// `true` when the variable has a value in this session (`tf.is_variable_initialized`).
    public func isInitialized(_ variable: Variable) -> Bool { variables.isInitialized(variable.name) }

    // MARK: Inspecting plans

    /// The subgraph a run of `fetches` with `feeds` executes, after the optimizer's passes.
    public func optimizedGraph<F: Fetchable>(
        for fetches: F, feeds: [GraphTensor: Tensor] = [:],
        targets: [GraphOperation] = []
    ) throws -> OptimizedGraph {
        var request = FetchRequest()
        fetches.collectFetches(into: &request)
        for op in targets { request.add(op) }
        return OptimizedGraph(try prepare(request, feeds: feeds).plan)
    }

    /// The buffer plan for a run of `fetches` with `feeds` (whose shapes fix unknown dimensions),
    /// from the lifetimes of its intermediate tensors.
    public func memoryPlan<F: Fetchable>(
        for fetches: F, feeds: [GraphTensor: Tensor] = [:],
        targets: [GraphOperation] = []
    ) throws -> MemoryPlan {
        var request = FetchRequest()
        fetches.collectFetches(into: &request)
        for op in targets { request.add(op) }
        let (plan, values) = try prepare(request, feeds: feeds)
        return MemoryPlanner.plan(plan, feedSpecs: values.map(\.spec))
    }

    /// The bytes of intermediate tensors a run of `fetches` needs at most: the planned buffers with
    /// reuse when ``GraphOptimizerOptions/bufferReuse`` is on, else every tensor's own buffer.
    public func plannedPeakBytes<F: Fetchable>(
        for fetches: F, feeds: [GraphTensor: Tensor] = [:],
        targets: [GraphOperation] = []
    ) throws -> Int {
        let plan = try memoryPlan(for: fetches, feeds: feeds, targets: targets)
        return options.optimizer.bufferReuse ? plan.plannedBytes : plan.bytesWithoutReuse
    }

    // MARK: Planning

    /// Checks the request and feeds, and returns the (cached) plan and the fed values in its order.
    private func prepare(_ request: FetchRequest, feeds: [GraphTensor: Tensor]) throws -> (
        plan: ExecutionPlan, feeds: [Tensor]
    ) {
        if isClosed { throw SessionError.closed }
        for t in request.tensors where t.graph !== graph { throw SessionError.notInGraph("Tensor \(t.name)") }
        for op in request.operations where op.graph !== graph { throw SessionError.notInGraph("Operation \(op.name)") }
        for (t, value) in feeds {
            guard t.graph === graph else { throw SessionError.feedNotInGraph(tensor: t.name) }
            guard value.dtype == t.dtype else {
                throw SessionError.feedDTypeMismatch(tensor: t.name, fed: value.dtype, expected: t.dtype)
            }
            guard Shape.matches(t.shape, value.shape) else {
                throw SessionError.feedShapeMismatch(tensor: t.name, fed: value.shape, expected: t.shape)
            }
        }
        let fed = feeds.keys.sorted { ($0.op.id, $0.index) < ($1.op.id, $1.index) }
        let graphSize = graph.operationCount
        let key = PlanKey(
            graphSize: graphSize, fetches: request.tensors.map(\.name), targets: request.operations.map(\.name),
            feeds: fed.map(\.name))
        let plan: ExecutionPlan
        if let cached = state.withLock({ $0.plans[key] }) {
            plan = cached
        } else {
            let operations = Array(graph.operations.prefix(graphSize))
            var planGraph = PlanGraph(
                operations: operations, fetches: request.tensors, targets: request.operations, feeds: fed)
            let report = GraphOptimizer.optimize(&planGraph, options.optimizer)
            plan = try ExecutionPlan(planGraph, report: report)
            state.withLock { state in
                // Plans made before the graph grew are not asked for again.
                state.plans = state.plans.filter { $0.key.graphSize == graphSize }
                state.plans[key] = plan
            }
        }
        return (plan, fed.map { feeds[$0]! })
    }
}
