import Testing
@testable import Lumen

/// Each graph-optimizer pass shrinks a graph it applies to and leaves the fetched values unchanged
/// (compared with the pass switched off).
@Suite struct SessionGraphOptimizerTests {
    /// Options with every pass as given, one changed.
    private func options(_ change: (inout GraphOptimizerOptions) -> Void) -> SessionOptions {
        var o = GraphOptimizerOptions()
        change(&o)
        return SessionOptions(optimizer: o, execution: .sequential)
    }

    @Test func pruningRunsOnlyWhatTheFetchesNeed() throws {
        let g = Graph()
        let (y, unused) = try g.asDefault {
            let a = try constant(Tensor([1, 2, 3] as [Float]), name: "a")
            let x = try Variable(Tensor([1, 1, 1] as [Float]), name: "x")
            let unused = (x.value * x.value).exp().sum()
            return ((a * x.value).sum(), unused)
        }
        let pruned = Session(graph: g, options: options { _ in })
        let unpruned = Session(graph: g, options: options { $0.pruning = false })
        try pruned.run(g.globalVariablesInitializer())
        try unpruned.run(g.operation(named: "init")!)
        let small = try pruned.optimizedGraph(for: y), large = try unpruned.optimizedGraph(for: y)
        #expect(small.nodeCount < large.nodeCount && small.prunedCount > 0 && large.prunedCount == 0)
        #expect(small.node(named: unused.op.name) == nil && large.node(named: unused.op.name) != nil)
        #expect(try pruned.run(y).item(as: Float.self) == 6)
        #expect(try unpruned.run(y).item(as: Float.self) == 6)
    }

    @Test func constantFoldingEvaluatesConstantSubgraphsOnce() throws {
        let g = Graph()
        let (x, y, w) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1, 2], name: "x")
            let a = try constant(Tensor([[1, 2], [3, 4]] as [[Float]]), name: "a")
            let b = try constant(Tensor([[0.5, 0], [0, 0.5]] as [[Float]]), name: "b")
            let folded = (a.matmul(b) + 1.0).transposed()  // constant: folds
            let w = try Variable(Tensor([[1, 0], [0, 1]] as [[Float]]), name: "w")
            return (x, x.matmul(folded) + x.matmul(w.value) * 2.0, w)  // placeholder and variable: never fold
        }
        let feed = Tensor([[1, 2], [3, 4]] as [[Float]])
        let folding = Session(graph: g, options: options { _ in })
        let plain = Session(graph: g, options: options { $0.constantFolding = false })
        for s in [folding, plain] { try s.run(w.initializer) }
        let small = try folding.optimizedGraph(for: y, feeds: [x: feed]),
            large = try plain.optimizedGraph(for: y, feeds: [x: feed])
        #expect(small.foldedCount == 3 && large.foldedCount == 0)
        #expect(small.nodeCount < large.nodeCount)
        // The folded transpose keeps its name, now a constant; the placeholder-fed and variable paths remain.
        #expect(small.node(named: "transpose")?.type == "Const" && small.node(named: "MatMul") == nil)
        #expect(small.node(named: "w/read")?.type == "Identity" && small.node(named: "MatMul_2")?.type == "MatMul")
        let expected = try plain.run(y, feeds: [x: feed]).scalars(as: Float.self)
        #expect(try folding.run(y, feeds: [x: feed]).scalars(as: Float.self) == expected)
        // By hand: a·b + 1 = [[1.5, 2], [2.5, 3]], transposed [[1.5, 2.5], [2, 3]];
        // x·that = [[5.5, 8.5], [12.5, 19.5]]; plus 2x.
        #expect(expected == [7.5, 12.5, 18.5, 27.5] as [Float])
        // Folding happens once per plan, not per run.
        #expect(try folding.run(y, feeds: [x: feed * 2]).scalars(as: Float.self) == expected.map { $0 * 2 })
    }

    @Test func commonSubexpressionsAreMerged() throws {
        let g = Graph()
        let (x, y, update) = try g.asDefault {
            let x = try placeholder(.float32, shape: [3], name: "x")
            let two = try constant(Tensor(2 as Float)), alsoTwo = try constant(Tensor(2 as Float))
            let a = x * two, b = x * alsoTwo  // same after the constants merge
            let c = (a.exp() + b.exp()) + a.exp()
            let counter = try Variable(Tensor(0 as Float), name: "counter")
            // Two identical updates are stateful: both must run.
            let update = try group([
                try counter.assignAdd(Tensor(1 as Float)).op, try counter.assignAdd(Tensor(1 as Float)).op,
            ])
            return (x, c, update)
        }
        let feed = Tensor([0, 1, -1] as [Float])
        let merging = Session(graph: g, options: options { $0.constantFolding = false })
        let plain = Session(
            graph: g,
            options: options {
                $0.constantFolding = false; $0.commonSubexpressionElimination = false
            })
        let small = try merging.optimizedGraph(for: y, feeds: [x: feed]),
            large = try plain.optimizedGraph(for: y, feeds: [x: feed])
        // Const_1 into Const, mul_1 into mul, and the two Exp of `mul` twice more.
        #expect(small.mergedCount == 4 && small.count(ofType: "Exp") == 1 && large.count(ofType: "Exp") == 3)
        #expect(small.nodeCount == large.nodeCount - 4)
        let expected = try plain.run(y, feeds: [x: feed]).scalars(as: Float.self)
        #expect(try merging.run(y, feeds: [x: feed]).scalars(as: Float.self) == expected)
        let byHand: [Float] = [0, 2, -2].map { (v: Float) -> Float in
            Foundation.exp(v) + Foundation.exp(v) + Foundation.exp(v)
        }
        #expect(expected == byHand)
        // Stateful ops are never merged: both increments run.
        try merging.run(g.operation(named: "counter/Assign")!)
        try merging.run(update)
        #expect(try merging.optimizedGraph(for: update).count(ofType: "AssignAdd") == 2)
        #expect(try merging.run(g.operation(named: "counter")!.output(0)).item(as: Float.self) == 2)
    }

    @Test func identityRemovalBypassesIdentitiesButKeepsVariableReads() throws {
        let g = Graph()
        let (x, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [2], name: "x")
            let w = try Variable(Tensor([3, 4] as [Float]), name: "w")
            let y = try identity(try identity(x * 2.0)) + w.value
            return (x, try identity(y, name: "output"))
        }
        let feed = Tensor([1, 2] as [Float])
        let removing = Session(graph: g, options: options { _ in })
        let plain = Session(graph: g, options: options { $0.identityRemoval = false })
        for s in [removing, plain] { try s.run(g.operation(named: "w/Assign")!) }
        let small = try removing.optimizedGraph(for: y, feeds: [x: feed]),
            large = try plain.optimizedGraph(for: y, feeds: [x: feed])
        #expect(small.identitiesRemovedCount == 3 && small.nodeCount == large.nodeCount - 3)
        #expect(small.node(named: "w/read") != nil && small.count(ofType: "Identity") == 1)
        #expect(try removing.run(y, feeds: [x: feed]).scalars(as: Float.self) == [5, 8])
        #expect(try plain.run(y, feeds: [x: feed]).scalars(as: Float.self) == [5, 8])
    }

    @Test func bufferReusePlansFromTensorLifetimes() throws {
        let g = Graph()
        let n = 1000
        let (x, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1], name: "x")
            // A chain of ten elementwise ops, then a reduction: each intermediate dies at the next op.
            var h = x
            for i in 0..<5 { h = (h * Double(i + 1)).tanh() }
            return (x, h.sum())
        }
        var generator = RandomGenerator(seed: 3)
        let feed = Tensor.uniform([n], low: -1, high: 1, using: &generator)
        let reusing = Session(graph: g, options: options { _ in })
        let plain = Session(graph: g, options: options { $0.bufferReuse = false })
        let plan = try reusing.memoryPlan(for: y, feeds: [x: feed])
        // Ten [1000] float intermediates and the scalar sum.
        #expect(plan.tensorCount == 11 && plan.bytesWithoutReuse == 10 * 4 * n + 4)
        // The first op reads the fed value, so it gets a buffer; every later elementwise op takes its
        // input's buffer in place; the sum needs one more.
        #expect(plan.inPlaceCount == 9 && plan.bufferCount == 2 && plan.plannedBytes == 4 * n + 4)
        #expect(plan.peakLiveBytes == 4 * n + 4)
        #expect(try reusing.plannedPeakBytes(for: y, feeds: [x: feed]) == 4 * n + 4)
        #expect(try plain.plannedPeakBytes(for: y, feeds: [x: feed]) == 10 * 4 * n + 4)
        // The unknown dimension comes from the feed.
        #expect(try reusing.memoryPlan(for: y, feeds: [x: Tensor.zeros([10])]).plannedBytes == 44)
        let expected = try plain.run(y, feeds: [x: feed]).item(as: Float.self)
        #expect(try reusing.run(y, feeds: [x: feed]).item(as: Float.self) == expected)
        var eager = feed
        for i in 0..<5 { eager = (eager * Double(i + 1)).tanh() }
        #expect(eager.sum().item(as: Float.self) == expected)
    }

    @Test func bufferReuseWithBranchesKeepsLiveTensorsApart() throws {
        let g = Graph()
        let (x, y) = try g.asDefault {
            let x = try placeholder(.float32, shape: [256, 256], name: "x")
            let a = x.matmul(x)  // a lives until the end
            let b = a.matmul(x)  // dies at c
            let c = b.matmul(x)  // dies at d
            let d = c.matmul(x)
            return (x, a + d)
        }
        let session = Session(graph: g, options: options { _ in })
        let plan = try session.memoryPlan(for: y, feeds: [x: Tensor.zeros([256, 256])])
        let m = 256 * 256 * 4
        // a, b, c, d and the sum: a and one of b/c/d/sum are live with one more at the peak.
        #expect(plan.bytesWithoutReuse == 5 * m && plan.peakLiveBytes == 3 * m)
        #expect(plan.plannedBytes == 3 * m && plan.bufferCount == 3 && plan.inPlaceCount == 1)
    }
}

import Foundation
