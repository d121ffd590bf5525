import COpenBLAS
import Dispatch
import Foundation

/// Nearest neighbours of embedding rows: one point's by cosine and Euclidean distance (the
/// `neighbors` endpoint), and every point's k nearest by Euclidean distance (t-SNE's input), exact
/// up to ``NearestNeighbors/exactLimit`` points and from a random-projection forest above it.
public enum NearestNeighbors {
    /// One neighbour: its row and its distance.
    public struct Neighbor: Sendable, Equatable {
        public var index: Int
        public var distance: Double
    }

    /// The `k` rows nearest to row `index` by Euclidean distance and by cosine distance
    /// (1 − cosine similarity), nearest first, ties by row; the row itself is left out.
    public static func of(_ index: Int, in matrix: EmbeddingMatrix, k: Int) -> (
        euclidean: [Neighbor], cosine: [Neighbor]
    ) {
        let n = matrix.rows, d = matrix.columns
        var euclidean = [Double](repeating: 0, count: n)
        var cosine = [Double](repeating: 0, count: n)
        matrix.values.withUnsafeBufferPointer { v in
            var queryNorm = 0.0
            for j in 0..<d { queryNorm += Double(v[index * d + j]) * Double(v[index * d + j]) }
            for i in 0..<n {
                var dot = 0.0, norm = 0.0, squared = 0.0
                for j in 0..<d {
                    let a = Double(v[i * d + j]), b = Double(v[index * d + j])
                    dot += a * b
                    norm += a * a
                    squared += (a - b) * (a - b)
                }
                euclidean[i] = squared.squareRoot()
                let denominator = (norm * queryNorm).squareRoot()
                cosine[i] = denominator > 0 ? 1 - dot / denominator : 1
            }
        }
        func top(_ distances: [Double]) -> [Neighbor] {
            var best = Heap(capacity: k)
            for i in 0..<n where i != index { best.offer(distances[i], i) }
            return best.sorted().map { Neighbor(index: $0.1, distance: $0.0) }
        }
        return (top(euclidean), top(cosine))
    }

    /// Problems up to this many points get exact neighbours.
    public static let exactLimit = 20_000

    /// Every row's `k` nearest rows by squared Euclidean distance, nearest first: `indices` and
    /// `distances` hold `k` entries per row.
    public static func all(_ matrix: EmbeddingMatrix, k: Int, seed: UInt64) -> (indices: [Int32], distances: [Float]) {
        matrix.rows <= exactLimit ? exact(matrix, k: k) : forest(matrix, k: k, seed: seed)
    }

    static func exact(_ matrix: EmbeddingMatrix, k: Int) -> (indices: [Int32], distances: [Float]) {
        let n = matrix.rows, d = matrix.columns
        let norms: [Float] = matrix.values.withUnsafeBufferPointer { v in
            (0..<n).map { i in
                var s: Float = 0; for j in 0..<d { s += v[i * d + j] * v[i * d + j] }; return s
            }
        }
        let block = 256
        let blocks = (n + block - 1) / block
        let out = UnsafeOutput(count: n * k)
        matrix.values.withUnsafeBufferPointer { v in
            let values = UncheckedSendable(v)
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let lo = b * block, hi = min(n, lo + block)
                var dots = [Float](repeating: 0, count: (hi - lo) * n)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, blasint(hi - lo), blasint(n), blasint(d), 1,
                    values.value.baseAddress! + lo * d, blasint(d), values.value.baseAddress, blasint(d), 0, &dots,
                    blasint(n))
                for i in lo..<hi {
                    var heap = Heap(capacity: k)
                    let row = (i - lo) * n
                    for j in 0..<n where j != i {
                        heap.offer(Double(max(0, norms[i] + norms[j] - 2 * dots[row + j])), j)
                    }
                    out.store(row: i, k: k, heap.sorted())
                }
            }
        }
        return out.result
    }

    /// A forest of 8 random-projection trees (each split at the median of the rows' projections on
    /// the difference of two random rows) gives each row candidate neighbours (its leaves'
    /// members); one pass over neighbours' neighbours (the nearest 15 of the nearest 15) refines them.
    static func forest(_ matrix: EmbeddingMatrix, k: Int, seed: UInt64) -> (indices: [Int32], distances: [Float]) {
        let n = matrix.rows, d = matrix.columns
        let trees = 8
        let leafSize = max(2 * k, 64)
        var leafOf = [[Int32]](repeating: [], count: trees)  // per tree: row → leaf id
        var leaves = [[[Int32]]](repeating: [], count: trees)
        let forestValues = matrix.values
        for t in 0..<trees {
            var random = SplitMix(seed: seed &+ UInt64(t) &* 0x9E37_79B9_7F4A_7C15)
            var order = (0..<n).map(Int32.init)
            var treeLeaves: [[Int32]] = []
            var stack: [Range<Int>] = [0..<n]
            var projection = [Float](repeating: 0, count: n)
            forestValues.withUnsafeBufferPointer { v in
                while let range = stack.popLast() {
                    if range.count <= leafSize {
                        treeLeaves.append(Array(order[range]))
                        continue
                    }
                    let a = Int(order[range.lowerBound + Int(random.next() % UInt64(range.count))])
                    let b = Int(order[range.lowerBound + Int(random.next() % UInt64(range.count))])
                    for r in range {
                        let i = Int(order[r])
                        var s: Float = 0
                        for j in 0..<d { s += v[i * d + j] * (v[a * d + j] - v[b * d + j]) }
                        projection[i] = s
                    }
                    var slice = Array(order[range])
                    let middle = slice.count / 2
                    slice.sort { projection[Int($0)] < projection[Int($1)] }
                    order.replaceSubrange(range, with: slice)
                    stack.append(range.lowerBound..<range.lowerBound + middle)
                    stack.append(range.lowerBound + middle..<range.upperBound)
                }
            }
            var owner = [Int32](repeating: 0, count: n)
            for (leaf, members) in treeLeaves.enumerated() { for i in members { owner[Int(i)] = Int32(leaf) } }
            leafOf[t] = owner
            leaves[t] = treeLeaves
        }
        let chunk = 4096
        let chunks = (n + chunk - 1) / chunk
        @Sendable func distance(_ v: UnsafeBufferPointer<Float>, _ i: Int, _ j: Int) -> Double {
            var s: Float = 0
            for c in 0..<d { let x = v[i * d + c] - v[j * d + c]; s += x * x }
            return Double(s)
        }
        let candidates = UnsafeOutput(count: n * k)
        do {
            let out = candidates
            let forestLeaves = leaves, owners = leafOf
            forestValues.withUnsafeBufferPointer { v in
                let values = UncheckedSendable(v)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    var seen = Set<Int32>()
                    for i in c * chunk..<min(n, (c + 1) * chunk) {
                        var heap = Heap(capacity: k)
                        seen.removeAll(keepingCapacity: true)
                        for t in 0..<trees {
                            for j in forestLeaves[t][Int(owners[t][i])] where Int(j) != i && seen.insert(j).inserted {
                                heap.offer(distance(values.value, i, Int(j)), Int(j))
                            }
                        }
                        out.store(row: i, k: k, heap.sorted())
                    }
                }
            }
        }
        // One refinement pass: neighbours of neighbours.
        let first = candidates.result.indices
        let out = UnsafeOutput(count: n * k)
        do {
            forestValues.withUnsafeBufferPointer { v in
                let values = UncheckedSendable(v)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    var seen = Set<Int32>()
                    for i in c * chunk..<min(n, (c + 1) * chunk) {
                        var heap = Heap(capacity: k)
                        seen.removeAll(keepingCapacity: true)
                        let direct = first[i * k..<(i + 1) * k]
                        for j in direct where seen.insert(j).inserted {
                            heap.offer(distance(values.value, i, Int(j)), Int(j))
                        }
                        let reach = min(k, 15)
                        for j in direct.prefix(reach) {
                            for m in first[Int(j) * k..<(Int(j) + 1) * k].prefix(reach)
                            where Int(m) != i && seen.insert(m).inserted {
                                heap.offer(distance(values.value, i, Int(m)), Int(m))
                            }
                        }
                        out.store(row: i, k: k, heap.sorted())
                    }
                }
            }
        }
        return out.result
    }
}

/// A bounded max-heap keeping the `capacity` smallest (distance, index) pairs; ties by index.
struct Heap {
    let capacity: Int
    private(set) var items: [(Double, Int)] = []

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(capacity)
    }

    private static func less(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }

    mutating func offer(_ distance: Double, _ index: Int) {
        guard capacity > 0 else { return }
        let item = (distance, index)
        if items.count < capacity {
            items.append(item)
            var c = items.count - 1
            while c > 0 {
                let p = (c - 1) / 2
                guard Self.less(items[p], items[c]) else { break }
                items.swapAt(p, c)
                c = p
            }
        } else if Self.less(item, items[0]) {
            items[0] = item
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < items.count, Self.less(items[m], items[l]) { m = l }
                if r < items.count, Self.less(items[m], items[r]) { m = r }
                if m == p { break }
                items.swapAt(p, m)
                p = m
            }
        }
    }

    func sorted() -> [(Double, Int)] { items.sorted(by: Self.less) }
}

/// Rows of neighbour results written by parallel workers, each to rows of its own.
final class UnsafeOutput: @unchecked Sendable {
    let indices: UnsafeMutableBufferPointer<Int32>
    let distances: UnsafeMutableBufferPointer<Float>

    init(count: Int) {
        indices = .allocate(capacity: count)
        indices.initialize(repeating: 0)
        distances = .allocate(capacity: count)
        distances.initialize(repeating: 0)
    }

    deinit {
        indices.deallocate()
        distances.deallocate()
    }

    func store(row: Int, k: Int, _ sorted: [(Double, Int)]) {
        for (c, item) in sorted.enumerated() {
            indices[row * k + c] = Int32(item.1)
            distances[row * k + c] = Float(item.0)
        }
    }

    var result: (indices: [Int32], distances: [Float]) { (Array(indices), Array(distances)) }
}

/// SplitMix64: a small seeded generator, so runs are reproducible.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
