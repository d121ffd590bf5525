import Dispatch
import Testing
@testable import Lumen

/// Session.run: fetch structures, feeds, variables, pruning, every run-time error message, running
/// from several threads, and parallel execution matching sequential execution exactly.
@Suite struct SessionRunTests {
    @Test func fetchesKeepTheirStructure() throws {
        let g = Graph()
        let (x, y, z) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 2], name: "x")
            let w = try constant(Tensor([[1, 2], [3, 4]] as [[Float]]))
            return (x, x.matmul(w), (x * 2.0).sum())
        }
        let session = Session(graph: g)
        let feed = Tensor([[1, 1], [0, 1], [2, 0]] as [[Float]])
        let single: Tensor = try session.run(y, feeds: [x: feed])
        #expect(single.shape == [3, 2] && single.scalars(as: Float.self) == [4, 6, 3, 4, 2, 4])
        let array: [Tensor] = try session.run([y, z], feeds: [x: feed])
        #expect(array.count == 2 && array[1].item(as: Float.self) == 10)
        let dictionary: [String: Tensor] = try session.run(["y": y, "z": z], feeds: [x: feed])
        #expect(dictionary["z"]?.item(as: Float.self) == 10 && dictionary["y"]?.shape == [3, 2])
        let nested: [[Tensor]] = try session.run([[z], [y, z]], feeds: [x: feed])
        #expect(nested[1][1].item(as: Float.self) == 10)
        let op: Void = try session.run(y.op, feeds: [x: feed])
        _ = op
    }

    @Test func anyTensorCanBeFedAndOpsBeforeItDoNotRun() throws {
        let g = Graph()
        let (x, h, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 2], name: "x")
            let h = x.relu() * 3.0
            return (x, h, h + 1.0)
        }
        let session = Session(graph: g)
        // x is not fed: it is only needed to compute h, which is fed.
        let fedH = Tensor([[5, 6]] as [[Float]])
        let values = try session.run([h, y], feeds: [h: fedH])
        #expect(values[0].scalars(as: Float.self) == [5, 6])
        #expect(values[1].scalars(as: Float.self) == [6, 7])
        #expect(try session.optimizedGraph(for: y, feeds: [h: fedH]).node(named: "x") == nil)
        // Fed as usual, the whole chain runs.
        #expect(try session.run(y, feeds: [x: Tensor([[-1, 2]] as [[Float]])]).scalars(as: Float.self) == [1, 7])
    }

    @Test func pruningLetsUnneededPlaceholdersGoUnfed() throws {
        let g = Graph()
        let (a, b) = try g.asDefault {
            let unused = try placeholder(.float32, shape: [3], name: "unused")
            _ = unused * unused
            let a = try constant(Tensor([1, 2, 3] as [Float]))
            return (a, a.sum())
        }
        let session = Session(graph: g)
        #expect(try session.run(b).item(as: Float.self) == 6)
        #expect(try session.run(a).scalars(as: Float.self) == [1, 2, 3])
        // Without pruning every op runs, so the placeholder must be fed.
        let unpruned = Session(graph: g, options: SessionOptions(optimizer: GraphOptimizerOptions(pruning: false)))
        #expect(throws: SessionError.placeholderNotFed(name: "unused", dtype: .float32, shape: [3])) {
            try unpruned.run(b)
        }
    }

    @Test func runTimeErrorsReadLikeTensorFlows() throws {
        let g = Graph()
        let (x, y, w, uses) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 64], name: "x")
            let w = try Variable(Tensor.ones([64]), name: "w")
            return (x, x.sum(axes: [1]), w, x * w.value)
        }
        let session = Session(graph: g)

        let unfed = #expect(throws: SessionError.self) { try session.run(y) }
        #expect(
            unfed?.description == "You must feed a value for placeholder tensor 'x' with dtype float and shape [?,64]")

        let badShape = #expect(throws: SessionError.self) { try session.run(y, feeds: [x: Tensor.zeros([3, 5])]) }
        #expect(
            badShape?.description == "Cannot feed value of shape (3, 5) for Tensor 'x:0', which has shape '(?, 64)'")
        let badRank = #expect(throws: SessionError.self) { try session.run(y, feeds: [x: Tensor.zeros([64])]) }
        #expect(badRank?.description == "Cannot feed value of shape (64,) for Tensor 'x:0', which has shape '(?, 64)'")

        let badDType = #expect(throws: SessionError.self) {
            try session.run(y, feeds: [x: Tensor.zeros([2, 64], dtype: .int32)])
        }
        #expect(badDType?.description == "Cannot feed value of dtype int32 for Tensor 'x:0', which has dtype float")

        let uninitialized = #expect(throws: SessionError.self) {
            try session.run(uses, feeds: [x: Tensor.zeros([2, 64])])
        }
        #expect(uninitialized?.description == "Attempting to use uninitialized value w")
        #expect(!session.isInitialized(w))
        try session.run(w.initializer)
        #expect(session.isInitialized(w))
        #expect(try session.run(uses, feeds: [x: Tensor.ones([2, 64])]).shape == [2, 64])

        // A kernel error at run time names the node.
        let g2 = Graph()
        let (p, q) = try g2.asDefault { () throws -> (GraphTensor, GraphTensor) in
            let p = try placeholder(.float32, shape: [-1, -1], name: "p")
            return (p, withNameScope("layer") { p.matmul(p) })
        }
        let kernelError = #expect(throws: OpError.self) {
            try Session(graph: g2).run(q, feeds: [p: Tensor.zeros([2, 3])])
        }
        #expect(
            kernelError?.message
                == "Dimensions must be equal, but are 3 and 2 for 'layer/MatMul' (op: 'MatMul') with input shapes: [2,3], [2,3]"
        )

        session.close()
        #expect(session.isClosed)
        let closed = #expect(throws: SessionError.self) { try session.run(y, feeds: [x: Tensor.zeros([1, 64])]) }
        #expect(closed?.description == "Attempted to use a closed Session.")

        let other = Graph()
        let foreign = try other.constant(Tensor(1 as Float))
        #expect(throws: SessionError.notInGraph("Tensor Const:0")) { try Session(graph: g).run(foreign) }
    }

    @Test func variablesLiveInTheSession() throws {
        let g = Graph()
        let (w, doubled, increment, reset, counter, tick) = try g.asDefault {
            let w = try Variable(Tensor([1, 2] as [Float]), name: "w")
            let counter = try Variable(Tensor(0 as Int64), name: "counter", trainable: false)
            return (
                w, try w.assign(w.value * 2.0), try w.assignAdd(Tensor([10, 10] as [Float])),
                try w.assign(Tensor([0, 0] as [Float])), counter, try counter.assignAdd(Tensor(1 as Int64))
            )
        }
        let first = Session(graph: g), second = Session(graph: g)
        try first.run(try g.globalVariablesInitializer())
        try second.run(g.operation(named: "init")!)
        #expect(try first.run(doubled).scalars(as: Float.self) == [2, 4])
        #expect(try first.run(doubled).scalars(as: Float.self) == [4, 8])
        #expect(try first.run(increment).scalars(as: Float.self) == [14, 18])
        #expect(try first.run(w).scalars(as: Float.self) == [14, 18])
        // Each session has its own values.
        #expect(try second.run(w).scalars(as: Float.self) == [1, 2])
        try second.run(reset)
        #expect(try second.run(w.value).scalars(as: Float.self) == [0, 0])
        for _ in 0..<3 { try first.run(tick) }
        #expect(try first.run(counter).item(as: Int64.self) == 3)
        // A fetch of a variable after its update in the same run sees the new value; a control
        // dependency orders a read after an update.
        let after = try g.asDefault { try controlDependencies([tick]) { try identity(counter.reference) } }
        #expect(try first.run(after).item(as: Int64.self) == 4)
    }

    @Test func sessionRunsFromSeveralThreadsAtOnce() throws {
        let g = Graph()
        let (x, y, counter, tick) = try g.asDefault {
            let x = try placeholder(.float64, shape: [-1, 3], name: "x")
            let w = try constant(Tensor([[1, 0], [0, 1], [1, 1]] as [[Double]]))
            let counter = try Variable(Tensor(0 as Int64), name: "counter")
            return (x, (x.matmul(w) * 2.0).sum(axes: [1]), counter, try counter.assignAdd(Tensor(1 as Int64)))
        }
        let session = Session(graph: g)
        try session.run(counter.initializer)
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for step in 0..<25 {
                let k = Double(thread * 100 + step)
                let feed = Tensor([[k, 1, 0], [0, k, 1]] as [[Double]])
                do {
                    let values = try session.run(y, feeds: [x: feed], targets: [tick.op])
                    // rows: [k, 1, 0]·w = [k, 1] → 2(k + 1); [0, k, 1]·w = [1, k + 1] → 2(k + 2)
                    if values.scalars(as: Double.self) != [2 * (k + 1), 2 * (k + 2)] { failures.withLock { $0 += 1 } }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(try session.run(counter).item(as: Int64.self) == 100)
    }

    /// 64 rows keep every product small (one BLAS thread, ops side by side); 256 rows make them large
    /// (all BLAS threads, each product alone): both must match sequential execution bit for bit.
    @Test(arguments: [64, 256])
    func parallelExecutionGivesExactlyTheSequentialResults(rows: Int) throws {
        var generator = RandomGenerator(seed: 11)
        let input = Tensor.normal([rows, 96], using: &generator)
        let weights = (0..<6).map { _ in Tensor.normal([96, 96], using: &generator) }
        let g = Graph()
        let (x, outputs) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 96], name: "x")
            // Six independent branches, joined at the end.
            let branches = try weights.enumerated().map { i, w in
                try withNameScope("branch\(i)") {
                    let h = x.matmul(try constant(w)).tanh()
                    return h.matmul(try constant(w), transposeOther: true).softmax().mean(axes: [0])
                }
            }
            let joined = try g.apply("AddN", branches)
            return (x, [joined] + branches)
        }
        let sequential = Session(graph: g, options: SessionOptions(execution: .sequential))
        let parallel = Session(graph: g, options: SessionOptions(execution: .parallel(interOpThreads: 4)))
        let expected = try sequential.run(outputs, feeds: [x: input]).map { $0.scalars(as: Float.self) }
        for _ in 0..<5 {
            let got = try parallel.run(outputs, feeds: [x: input]).map { $0.scalars(as: Float.self) }
            #expect(got == expected)
        }
        // And both match the same computation done eagerly.
        let eagerSoftmax = weights.map { w in
            softmax(input.matmul(w).tanh().matmul(w, transposeOther: true)).mean(axes: [0])
        }
        for (got, want) in zip(expected.dropFirst(), eagerSoftmax) {
            #expect(zip(got, want.scalars(as: Float.self)).allSatisfy { Swift.abs($0 - $1) <= 1e-6 })
        }
    }
}

import Synchronization

/// A value guarded by a mutex, for test counters shared across threads.
private final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
