/// A lookup table of vectors indexed by integers (PyTorch's `nn.Embedding`): an integer input of
/// shape `S` gives an output of shape `S + [embeddingDim]`.
open class Embedding: Module {
    /// The number of vectors.
    public let numEmbeddings: Int
    /// The length of each vector.
    public let embeddingDim: Int
    /// An index whose vector gets no gradient (and starts as zeros), if any.
    public let paddingIndex: Int?
    /// The table, of shape `[numEmbeddings, embeddingDim]`.
    @Parameter public var weight: Tensor

    /// A table initialized from N(0, 1), as PyTorch does, with the `paddingIndex` row zeroed.
    /// A negative `paddingIndex` counts from the end.
    public init(
        numEmbeddings: Int, embeddingDim: Int, paddingIndex: Int? = nil, dtype: DType = .float32,
        generator: inout RandomGenerator
    ) {
        let padding = paddingIndex.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        if let padding {
            precondition(
                (0..<numEmbeddings).contains(padding),
                "Embedding: paddingIndex \(paddingIndex!) is out of range for \(numEmbeddings) embeddings")
        }
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        self.paddingIndex = padding
        var table = Tensor.normal([numEmbeddings, embeddingDim], dtype: dtype, using: &generator)
        if let padding {
            var rowMask = [Double](repeating: 1, count: numEmbeddings)
            rowMask[padding] = 0
            table = table * Tensor(rowMask, shape: [numEmbeddings, 1]).cast(to: dtype)
        }
        self.weight = table
        super.init()
    }

    /// A table initialized with a generator seeded from the global one.
    public convenience init(numEmbeddings: Int, embeddingDim: Int, paddingIndex: Int? = nil, dtype: DType = .float32) {
        var generator = RandomGenerator.forkingGlobal()
        self.init(
            numEmbeddings: numEmbeddings, embeddingDim: embeddingDim, paddingIndex: paddingIndex, dtype: dtype,
            generator: &generator)
    }

    open override func forward(_ indices: Tensor) -> Tensor {
        precondition(indices.dtype.isInteger, "Embedding: indices must be integers, not \(indices.dtype)")
        let rows = weight.gathered(indices, axis: 0)
        guard let paddingIndex else { return rows }
        // Same values; the padding rows come from the detached table, so they get no gradient.
        let keep = (indices .!= Tensor.full([], Double(paddingIndex), dtype: indices.dtype)).expandingDims(at: -1)
        return Tensor.where(keep, rows, weight.detached.gathered(indices, axis: 0))
    }

    open override var extraDescription: String {
        "numEmbeddings: \(numEmbeddings), embeddingDim: \(embeddingDim)"
            + (paddingIndex.map { ", paddingIndex: \($0)" } ?? "")
    }
}
