import Dispatch
import Foundation

/// A value flowing between nodes in one run: a tensor, or a reference to a variable that each
/// consumer reads when it runs (TensorFlow 1's reference variables).
enum Slot: Sendable {
    case tensor(Tensor)
    case variable(String)
}

/// Runs an ``ExecutionPlan`` once: in parallel, each node as soon as the nodes it waits for are done
/// (inter-op parallelism), or sequentially in node order. Kernels are deterministic and each node
/// reads the same inputs either way, so both modes give identical values. OpenBLAS is set to one
/// thread for the run in both modes: ops running at once must not oversubscribe the cores, and
/// OpenBLAS's results depend on its thread count, so a single setting keeps the modes identical.
/// Large kernels still split their work with ``Threading/parallelFor(_:minimumChunk:_:)``.
struct Executor {
    let plan: ExecutionPlan
    let feeds: [Tensor]
    let store: VariableStore
    /// Drop each intermediate value after its last use, so its storage returns to the pool.
    let releaseAfterLastUse: Bool

    /// Runs the plan and returns the fetched values, in the order of `plan.fetches`.
    func run(_ mode: ExecutionMode) throws -> [Tensor] {
        let values: [[Slot?]] = try Threading.withSingleThreadedBLAS {
            switch mode {
            case .parallel(let threads) where threads > 1 && plan.nodes.count > 1:
                try runParallel(workers: Swift.min(threads, plan.nodes.count))
            default:
                try runSequential()
            }
        }
        return try plan.fetches.map { e in
            guard let slot = values[e.node][e.output] else { preconditionFailure("fetched value released") }
            return try read(slot)
        }
    }

    private func read(_ slot: Slot) throws -> Tensor {
        switch slot {
        case .tensor(let t): t
        case .variable(let name): try store.read(name)
        }
    }

    /// Runs node `i` on its input slots.
    private func execute(_ i: Int, _ inputSlots: [Slot]) throws -> [Slot] {
        let node = plan.nodes[i]
        switch node.kind {
        case .feed(let k):
            return [.tensor(feeds[k])]
        case .constant(let values):
            return values.map { .tensor($0) }
        case .placeholder:
            let spec = node.outputSpecs[0]
            throw SessionError.placeholderNotFed(name: node.name, dtype: spec.dtype, shape: spec.shape)
        case .variable(let name):
            return [.variable(name)]
        case .noOp:
            return []
        case .variableUpdate(let kernel):
            let inputs = try inputSlots.map(read)
            let context = OpContext(opType: node.type, nodeName: node.name, inputs: inputs.map(\.spec))
            return try kernel(
                VariableUpdateInvocation(
                    context: context, attributes: node.attributes, variables: node.variables, inputs: inputs,
                    store: store)
            ).map { .tensor($0) }
        case .kernel(let definition):
            let inputs = try inputSlots.map(read)
            let context = OpContext(opType: node.type, nodeName: node.name, inputs: inputs.map(\.spec))
            let specs = try definition.inferOutputs(context, node.attributes)
            let outputs = try definition.compute(
                KernelInvocation(context: context, inputs: inputs, attributes: node.attributes, outputs: specs))
            return outputs.map { .tensor($0) }
        }
    }

    private func emptySlots() -> [[Slot?]] {
        plan.nodes.map { [Slot?](repeating: nil, count: $0.outputSpecs.count) }
    }

    /// Counts down the uses of node `i`'s inputs, releasing values nobody else reads.
    private func release(after i: Int, _ values: inout [[Slot?]], _ remaining: inout [[Int]]) {
        guard releaseAfterLastUse else { return }
        for e in plan.nodes[i].inputs {
            remaining[e.node][e.output] -= 1
            if remaining[e.node][e.output] == 0 && !plan.fetched.contains(e) { values[e.node][e.output] = nil }
        }
        for o in values[i].indices where remaining[i][o] == 0 && !plan.fetched.contains(Endpoint(node: i, output: o)) {
            values[i][o] = nil
        }
    }

    private func runSequential() throws -> [[Slot?]] {
        var values = emptySlots()
        var remaining = plan.uses
        for i in plan.nodes.indices {
            let inputs = plan.nodes[i].inputs.map { values[$0.node][$0.output]! }
            let outputs = try execute(i, inputs)
            for (o, slot) in outputs.enumerated() where o < values[i].count { values[i][o] = slot }
            release(after: i, &values, &remaining)
        }
        return values
    }

    /// The shared state of a parallel run, guarded by its condition.
    private final class ParallelState: @unchecked Sendable {
        let condition = NSCondition()
        var values: [[Slot?]]
        var remaining: [[Int]]
        var pending: [Int]
        var ready: [Int]
        var completed = 0
        var error: (any Error)?

        init(values: [[Slot?]], remaining: [[Int]], pending: [Int]) {
            self.values = values
            self.remaining = remaining
            self.pending = pending
            ready = pending.indices.filter { pending[$0] == 0 }.reversed()
        }
    }

    /// Runs the plan on the calling thread and `workers - 1` threads of ``InterOpThreads``, so that
    /// a large kernel's own split (``Threading/parallelFor(_:minimumChunk:_:)``) still gets every
    /// core of Dispatch's pool.
    private func runParallel(workers: Int) throws -> [[Slot?]] {
        let state = ParallelState(values: emptySlots(), remaining: plan.uses, pending: plan.predecessorCounts)
        let total = plan.nodes.count
        let executor = self
        // A worker that finishes a node goes on with one of the nodes it made ready, and wakes
        // another worker only for the rest (TensorFlow's executor runs a chain inline the same way):
        // a chain of small ops stays on one thread instead of waking a sleeper per op.
        let work: @Sendable () -> Void = {
            state.condition.lock()
            var next: Int?
            while true {
                let i: Int
                if let inline = next {
                    i = inline
                    next = nil
                } else {
                    while state.ready.isEmpty && state.completed < total && state.error == nil {
                        state.condition.wait()
                    }
                    if state.completed == total || state.error != nil { break }
                    i = state.ready.removeLast()
                }
                let inputs = executor.plan.nodes[i].inputs.map { state.values[$0.node][$0.output]! }
                state.condition.unlock()
                do {
                    let outputs = try executor.execute(i, inputs)
                    state.condition.lock()
                    for (o, slot) in outputs.enumerated() where o < state.values[i].count { state.values[i][o] = slot }
                    executor.release(after: i, &state.values, &state.remaining)
                    state.completed += 1
                    for s in executor.plan.successors[i] {
                        state.pending[s] -= 1
                        guard state.pending[s] == 0 else { continue }
                        if next == nil { next = s } else { state.ready.append(s) }
                    }
                    if state.completed == total {
                        state.condition.broadcast()
                    } else if !state.ready.isEmpty {
                        state.condition.signal()
                    }
                } catch {
                    state.condition.lock()
                    if state.error == nil { state.error = error }
                    state.condition.broadcast()
                    break
                }
            }
            state.condition.unlock()
        }
        let helpers = DispatchGroup()
        for _ in 1..<workers { InterOpThreads.shared.async(helpers, work) }
        work()
        helpers.wait()
        if let error = state.error { throw error }
        return state.values
    }
}
