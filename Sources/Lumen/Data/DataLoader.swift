/// Batches of a ``Dataset``, in order or shuffled (PyTorch's `torch.utils.data.DataLoader`).
///
/// Each pass over the loader is one epoch. With `shuffle`, every epoch visits the samples in a new
/// random order drawn from the loader's generator, so the sequence of epochs is reproducible from
/// the seed:
///
/// ```swift
/// let loader = DataLoader(TensorDataset(inputs: x, targets: y), batchSize: 32, shuffle: true, seed: 0)
/// for epoch in 0..<10 {
///     for (inputs, targets) in loader {   // inputs [32, …], targets [32, …]
///         …
///     }
/// }
/// ```
///
/// The last batch is smaller when the batch size doesn't divide the sample count, unless
/// `dropLast` is set. A loader is a reference type with a mutable generator and is not `Sendable`.
public final class DataLoader<Source: Dataset>: Sequence {
    /// The dataset the batches come from.
    public let dataset: Source
    /// The number of samples per batch.
    public let batchSize: Int
    /// Whether each epoch visits the samples in a new random order.
    public let shuffle: Bool
    /// Whether to leave out a last batch smaller than ``batchSize``.
    public let dropLast: Bool
    private var generator: RandomGenerator

    /// A loader whose shuffled orders come from `generator` (copied; the loader advances its copy).
    public init(
        _ dataset: Source, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
        generator: RandomGenerator
    ) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        precondition(dataset.count >= 0, "DataLoader: the dataset has a negative count \(dataset.count)")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.generator = generator
    }

    /// A loader whose shuffled orders come from a generator seeded with `seed`; without a seed, one
    /// is drawn from the global generator (which ``RandomGenerator/seed(_:)`` resets).
    public convenience init(
        _ dataset: Source, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
        seed: UInt64? = nil
    ) {
        let seed = seed ?? RandomGenerator.withGlobal { $0.next() }
        self.init(
            dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast,
            generator: RandomGenerator(seed: seed))
    }

    /// The number of batches in one epoch.
    public var count: Int {
        let samples = dataset.count
        return dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize
    }

    public var underestimatedCount: Int { count }

    /// The sample indices of the next epoch, in visiting order. Shuffling loaders draw a new order
    /// each call, advancing the generator as a pass over the loader does.
    public func nextEpochOrder() -> [Int] {
        shuffle ? generator.permutation(of: dataset.count) : Array(0..<dataset.count)
    }

    /// Starts an epoch: draws its order now, so iterators made one after another see different
    /// orders even before either is used.
    public func makeIterator() -> Iterator {
        Iterator(dataset: dataset, order: nextEpochOrder(), batchSize: batchSize, batches: count)
    }

    /// The batches of one epoch.
    public struct Iterator: IteratorProtocol {
        let dataset: Source
        let order: [Int]
        let batchSize: Int
        let batches: Int
        var produced = 0

        /// The next batch: inputs `[B, …]` and targets `[B, …]`, or `nil` at the end of the epoch.
        public mutating func next() -> (inputs: Tensor, targets: Tensor)? {
            guard produced < batches else { return nil }
            let start = produced * batchSize
            let indices = Array(order[start..<Swift.min(start + batchSize, order.count)])
            produced += 1
            return dataset.batch(at: indices)
        }
    }
}
