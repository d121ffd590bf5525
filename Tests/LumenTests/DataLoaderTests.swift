import Testing
import Lumen

@Suite("Data loading") struct DataLoaderTests {
    /// Ten samples: input i is a [3, 2] block filled with i, target i is i (int64).
    private func numbered(_ count: Int = 10) -> TensorDataset {
        let inputs = Tensor((0..<count).flatMap { i in [Float](repeating: Float(i), count: 6) }, shape: [count, 3, 2])
        return TensorDataset(inputs: inputs, targets: Tensor(Array(0..<count), shape: [count]))
    }

    /// The sample numbers of every batch of one pass, checking that inputs and targets agree.
    private func epoch(_ loader: DataLoader<some Dataset>) -> [[Int]] {
        loader.map { batch in
            let targets = batch.targets.scalars(as: Int.self)
            let inputs = batch.inputs.reshaped([targets.count, -1]).scalars(as: Float.self)
            for (row, target) in targets.enumerated() {
                #expect(inputs[(row * 6)..<(row * 6 + 6)].allSatisfy { $0 == Float(target) })
            }
            return targets
        }
    }

    @Test func tensorDatasetSamples() {
        let dataset = numbered()
        #expect(dataset.count == 10)
        let (input, target) = dataset[7]
        #expect(input.shape == [3, 2] && target.shape == [])
        #expect(input.scalars(as: Float.self) == [Float](repeating: 7, count: 6))
        #expect(target.item(as: Int.self) == 7)
    }

    @Test func batchShapesAndCounts() {
        let loader = DataLoader(numbered(), batchSize: 4)
        #expect(loader.count == 3)
        let batches = Array(loader)
        #expect(batches.map(\.inputs.shape) == [[4, 3, 2], [4, 3, 2], [2, 3, 2]])
        #expect(batches.map(\.targets.shape) == [[4], [4], [2]])
        #expect(batches.map(\.inputs.dtype) == [.float32, .float32, .float32])
        #expect(epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    }

    @Test func dropLastLeavesOutTheShortBatch() {
        let loader = DataLoader(numbered(), batchSize: 4, dropLast: true)
        #expect(loader.count == 2)
        #expect(epoch(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]])
        let exact = DataLoader(numbered(12), batchSize: 4, dropLast: true)
        #expect(exact.count == 3 && Array(exact).count == 3)
        let tooFew = DataLoader(numbered(3), batchSize: 4, dropLast: true)
        #expect(tooFew.count == 0 && Array(tooFew).isEmpty)
        #expect(DataLoader(numbered(3), batchSize: 4).count == 1)
    }

    @Test func shuffledEpochsSeeEverySampleOnceInNewOrders() {
        let loader = DataLoader(numbered(), batchSize: 3, shuffle: true, seed: 42)
        var orders: [[Int]] = []
        for _ in 0..<4 {
            let batches = epoch(loader)
            #expect(batches.map(\.count) == [3, 3, 3, 1])
            let order = batches.flatMap { $0 }
            #expect(order.sorted() == Array(0..<10))
            orders.append(order)
        }
        #expect(Set(orders).count == 4, "epochs repeated an order: \(orders)")
        #expect(orders[0] != Array(0..<10))

        // The same seed gives the same sequence of epochs; another seed, another.
        let again = DataLoader(numbered(), batchSize: 3, shuffle: true, seed: 42)
        #expect((0..<4).map { _ in epoch(again).flatMap { $0 } } == orders)
        let other = DataLoader(numbered(), batchSize: 3, shuffle: true, seed: 43)
        #expect(epoch(other).flatMap { $0 } != orders[0])
        // A generator passed in gives the same orders as its seed.
        let fromGenerator = DataLoader(numbered(), batchSize: 3, shuffle: true, generator: RandomGenerator(seed: 42))
        #expect(fromGenerator.nextEpochOrder() == orders[0])
    }

    @Test func unseededLoadersFollowTheGlobalSeed() {
        RandomGenerator.seed(9)
        let first = DataLoader(numbered(), batchSize: 5, shuffle: true).nextEpochOrder()
        RandomGenerator.seed(9)
        let second = DataLoader(numbered(), batchSize: 5, shuffle: true).nextEpochOrder()
        #expect(first == second)
    }

    @Test func shuffleIsUniformEnough() {
        // Each of 4 samples should come first about a quarter of the time.
        let loader = DataLoader(numbered(4), batchSize: 4, shuffle: true, seed: 1)
        var firsts = [0, 0, 0, 0]
        for _ in 0..<4000 { firsts[loader.nextEpochOrder()[0]] += 1 }
        #expect(firsts.allSatisfy { (850...1150).contains($0) }, "\(firsts)")
    }

    /// A dataset without its own batch(at:): batches are stacked from samples.
    private struct Squares: Dataset {
        var count: Int { 7 }
        subscript(index: Int) -> (input: Tensor, target: Tensor) {
            (Tensor([Double(index), 1]), Tensor(Double(index * index)))
        }
    }

    @Test func customDatasetsAreStacked() {
        let loader = DataLoader(Squares(), batchSize: 3, shuffle: true, seed: 5)
        let order = DataLoader(Squares(), batchSize: 3, shuffle: true, seed: 5).nextEpochOrder()
        let batches = Array(loader)
        #expect(batches.map(\.inputs.shape) == [[3, 2], [3, 2], [1, 2]])
        #expect(batches.map(\.targets.shape) == [[3], [3], [1]])
        let targets = batches.flatMap { $0.targets.scalars(as: Double.self) }
        #expect(targets == order.map { Double($0 * $0) })
    }

    @Test func fastPathMatchesStacking() {
        let dataset = numbered()
        let indices = [9, 2, 2, 5]
        let fast = dataset.batch(at: indices)
        let stacked = (
            Tensor.stack(indices.map { dataset[$0].input }), Tensor.stack(indices.map { dataset[$0].target })
        )
        #expect(fast.inputs.shape == stacked.0.shape && fast.targets.shape == stacked.1.shape)
        #expect(fast.inputs.scalars(as: Float.self) == stacked.0.scalars(as: Float.self))
        #expect(fast.targets.scalars(as: Int.self) == stacked.1.scalars(as: Int.self))
    }

    @Test func emptyDatasetHasNoBatches() {
        let empty = TensorDataset(inputs: Tensor.zeros([0, 3]), targets: Tensor.zeros([0]))
        let loader = DataLoader(empty, batchSize: 2, shuffle: true, seed: 0)
        #expect(loader.count == 0)
        #expect(Array(loader).isEmpty)
    }

    @Test func trainingALinearModelWithLoaderAndOptimizer() throws {
        // y = x·[2, -3] + 1, learned by minibatch SGD with momentum.
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.normal([64, 2], dtype: .float64, using: &generator)
        let y = x.matmul(Tensor([[2], [-3]] as [[Double]])) + 1
        let loader = DataLoader(TensorDataset(inputs: x, targets: y), batchSize: 16, shuffle: true, seed: 0)
        let w = Tensor.zeros([2, 1], dtype: .float64).requiringGrad(),
            b = Tensor.zeros([1], dtype: .float64).requiringGrad()
        let optimizer = SGD([w, b], learningRate: 0.1, momentum: 0.9)
        let scheduler = StepLR(optimizer, stepSize: 20, gamma: 0.5)
        for _ in 0..<60 {
            for (inputs, targets) in loader {
                optimizer.zeroGrad()
                try (inputs.matmul(w) + b - targets).square().mean().backward()
                optimizer.step()
            }
            scheduler.step()
        }
        let learned = w.scalars(as: Double.self) + b.scalars(as: Double.self)
        #expect(zip(learned, [2, -3, 1]).allSatisfy { Swift.abs($0 - $1) < 1e-3 }, "\(learned)")
    }
}
