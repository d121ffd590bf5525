/// The per-task state of graph building, TensorFlow 1's thread-local graph stack: the default graph,
/// and for each graph its current name scope, device and control dependencies.
///
/// It lives in task-locals, so two tasks (or threads) building into one graph never see each other's
/// scopes, while the graph's names stay unique across all of them.
enum GraphBuildContext {
    /// The graph set by ``Graph/asDefault(_:)``; `nil` outside any.
    @TaskLocal static var defaultGraph: Graph?
    /// The scopes entered on each graph, keyed by the graph's identity.
    @TaskLocal static var scopes: [ObjectIdentifier: GraphBuildScope] = [:]
}

/// The scope state of one graph in one task.
struct GraphBuildScope: Sendable {
    /// The current name scope without a trailing slash (`layer1/dense`); empty at the root.
    var nameStack = ""
    /// The device of the innermost ``Graph/withDevice(_:_:)``; empty when none.
    var device = ""
    /// The ops every op created in this scope waits for.
    var controlInputs: [GraphOperation] = []
}

extension Graph {
    /// This task's scope state for this graph.
    var currentScope: GraphBuildScope { GraphBuildContext.scopes[ObjectIdentifier(self)] ?? GraphBuildScope() }

    /// Runs `body` with `scope` as this graph's scope state.
    func withScope<R>(_ scope: GraphBuildScope, _ body: () throws -> R) rethrows -> R {
        var all = GraphBuildContext.scopes
        all[ObjectIdentifier(self)] = scope
        return try GraphBuildContext.$scopes.withValue(all, operation: body)
    }

    /// Runs `body` with this graph's scope changed by `change`.
    func withScope<R>(changing change: (inout GraphBuildScope) -> Void, _ body: () throws -> R) rethrows -> R {
        var scope = currentScope
        change(&scope)
        return try withScope(scope, body)
    }
}
