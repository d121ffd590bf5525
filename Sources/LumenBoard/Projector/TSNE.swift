import Dispatch
import Foundation

/// Barnes-Hut t-SNE (van der Maaten 2014) in 2 or 3 dimensions.
///
/// Input affinities come from each point's `3·perplexity` nearest neighbours (see
/// ``NearestNeighbors/all(_:k:seed:)``), each row's Gaussian bandwidth found by bisection so that
/// its entropy is log(perplexity), then symmetrised (`p_ij = (p_j|i + p_i|j) / 2n`). Each
/// iteration computes attractive forces over those pairs exactly and repulsive forces with a
/// space-partitioning tree (quadtree or octree; a cell counts as one body when its width is less
/// than θ times its distance). Optimisation as in scikit-learn: early exaggeration 12 for the
/// first 250 iterations with momentum 0.5, then momentum 0.8; per-coordinate gains; learning rate
/// `max(n / 48, 50)` unless given; start positions Gaussian with standard deviation 10⁻⁴.
///
/// An instance is used by one thread at a time.
public final class TSNE: @unchecked Sendable {
    public let rows: Int
    public let dims: Int
    public let perplexity: Double
    public let learningRate: Double
    public let theta: Double
    /// Iterations done.
    public private(set) var iteration = 0
    /// Row-major n × dims.
    public private(set) var positions: [Double]
    private var velocity: [Double]
    private var gains: [Double]
    // Symmetrised affinities in compressed rows (each pair appears in both rows).
    private var rowStart: [Int]
    private var neighbor: [Int32]
    private var affinity: [Float]

    public static let exaggerationIterations = 250

    public enum Failure: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String { if case .invalid(let s) = self { return s }; return "" }
    }

    public init(
        _ matrix: EmbeddingMatrix, dims: Int, perplexity: Double = 30, learningRate: Double? = nil,
        theta: Double = 0.5, seed: UInt64 = 0
    ) throws(Failure) {
        let n = matrix.rows
        guard dims == 2 || dims == 3 else { throw .invalid("dims must be 2 or 3, not \(dims)") }
        guard n >= 2 else { throw .invalid("t-SNE needs at least 2 points, the embedding has \(n)") }
        guard perplexity > 0, perplexity.isFinite, 3 * perplexity < Double(n) else {
            throw .invalid("perplexity must be positive and less than n/3 (\(Double(n) / 3)), not \(perplexity)")
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw .invalid("learningRate must be a positive number, not \(learningRate)")
        }
        rows = n
        self.dims = dims
        self.perplexity = perplexity
        self.learningRate = learningRate ?? max(Double(n) / 12 / 4, 50)
        self.theta = theta
        let k = min(n - 1, Int((3 * perplexity).rounded(.up)))
        let knn = NearestNeighbors.all(matrix, k: k, seed: seed)
        let conditional = Self.conditionalAffinities(distances: knn.distances, rows: n, k: k, perplexity: perplexity)
        // Symmetrise: each conditional entry (i, j) goes to row i and row j with weight / 2n.
        var counts = [Int](repeating: k, count: n)
        for index in knn.indices { counts[Int(index)] += 1 }
        var starts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { starts[i + 1] = starts[i] + counts[i] }
        var fill = Array(starts.prefix(n))
        var neighbor = [Int32](repeating: 0, count: starts[n])
        var affinity = [Float](repeating: 0, count: starts[n])
        let scale = Float(1 / (2 * Double(n)))
        for i in 0..<n {
            for c in 0..<k {
                let j = Int(knn.indices[i * k + c])
                let p = conditional[i * k + c] * scale
                neighbor[fill[i]] = Int32(j); affinity[fill[i]] = p; fill[i] += 1
                neighbor[fill[j]] = Int32(i); affinity[fill[j]] = p; fill[j] += 1
            }
        }
        rowStart = starts
        self.neighbor = neighbor
        self.affinity = affinity
        var random = SplitMix(seed: seed)
        positions = (0..<n * dims).map { _ in Self.gaussian(&random) * 1e-4 }
        velocity = [Double](repeating: 0, count: n * dims)
        gains = [Double](repeating: 1, count: n * dims)
    }

    private static func gaussian(_ random: inout SplitMix) -> Double {
        let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(random.next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// p_j|i per neighbour, each row's bandwidth found by bisection on β = 1/(2σ²).
    static func conditionalAffinities(distances: [Float], rows n: Int, k: Int, perplexity: Double) -> [Float] {
        let target = log(perplexity)
        let chunk = 2048
        let result = UnsafeOutput(count: n * k)
        DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
            var p = [Double](repeating: 0, count: k)
            for i in c * chunk..<min(n, (c + 1) * chunk) {
                var beta = 1.0, low = -Double.infinity, high = Double.infinity
                let row = i * k
                for _ in 0..<200 {
                    var sum = 0.0, weighted = 0.0
                    for c in 0..<k {
                        p[c] = exp(-Double(distances[row + c]) * beta)
                        sum += p[c]
                        weighted += Double(distances[row + c]) * p[c]
                    }
                    if sum == 0 { sum = 1e-12 }
                    let entropy = log(sum) + beta * weighted / sum
                    let difference = entropy - target
                    if abs(difference) < 1e-5 { break }
                    if difference > 0 {
                        low = beta
                        beta = high.isFinite ? (beta + high) / 2 : beta * 2
                    } else {
                        high = beta
                        beta = low.isFinite ? (beta + low) / 2 : beta / 2
                    }
                }
                var sum = 0.0
                for c in 0..<k { sum += p[c] }
                if sum == 0 { sum = 1 }
                for c in 0..<k { result.distances[row + c] = Float(p[c] / sum) }
            }
        }
        return result.result.distances
    }

    /// Runs `count` iterations.
    public func run(_ count: Int) {
        for _ in 0..<count { step() }
    }

    /// One gradient-descent iteration.
    public func step() {
        let n = rows, dims = self.dims
        let exaggerating = iteration < Self.exaggerationIterations
        let exaggeration = exaggerating ? 12.0 : 1.0
        let momentum = exaggerating ? 0.5 : 0.8
        let tree = SpaceTree(positions: positions, rows: n, dims: dims)
        let chunk = 1024
        let chunks = (n + chunk - 1) / chunk
        let forces = UnsafeForces(count: n * dims, chunks: chunks)
        let theta2 = theta * theta
        positions.withUnsafeBufferPointer { y in
            let y = UncheckedSendable(y)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                var z = 0.0
                var stack = [Int32](repeating: 0, count: SpaceTree.stackSize)
                // Points in the tree's order: consecutive points are close in space, so their
                // walks visit mostly the same cells, still in cache.
                for r in c * chunk..<min(n, (c + 1) * chunk) {
                    let i = Int(tree.order[r])
                    z += tree.repulsion(
                        point: i, positions: y.value, theta2: theta2, stack: &stack, into: forces.repulsive,
                        offset: i * dims)
                    var attract = (0.0, 0.0, 0.0)
                    for e in rowStart[i]..<rowStart[i + 1] {
                        let j = Int(neighbor[e])
                        let d0 = y.value[i * dims] - y.value[j * dims]
                        let d1 = y.value[i * dims + 1] - y.value[j * dims + 1]
                        let d2 = dims == 3 ? y.value[i * dims + 2] - y.value[j * dims + 2] : 0
                        let pq = Double(affinity[e]) / (1 + d0 * d0 + d1 * d1 + d2 * d2)
                        attract.0 += pq * d0; attract.1 += pq * d1; attract.2 += pq * d2
                    }
                    forces.attractive[i * dims] = attract.0
                    forces.attractive[i * dims + 1] = attract.1
                    if dims == 3 { forces.attractive[i * dims + 2] = attract.2 }
                }
                forces.partialZ[c] = z
            }
        }
        var z = 0.0
        for c in 0..<chunks { z += forces.partialZ[c] }
        if z <= 0 { z = 1e-12 }
        for index in 0..<n * dims {
            let gradient = 4 * (exaggeration * forces.attractive[index] - forces.repulsive[index] / z)
            gains[index] = velocity[index] * gradient < 0 ? gains[index] + 0.2 : max(gains[index] * 0.8, 0.01)
            velocity[index] = momentum * velocity[index] - learningRate * gains[index] * gradient
            positions[index] += velocity[index]
        }
        // Keep the embedding centred.
        for d in 0..<dims {
            var mean = 0.0
            for i in 0..<n { mean += positions[i * dims + d] }
            mean /= Double(n)
            for i in 0..<n { positions[i * dims + d] -= mean }
        }
        iteration += 1
    }
}

/// The force buffers of one iteration, written by parallel workers at their own points.
private final class UnsafeForces: @unchecked Sendable {
    let attractive: UnsafeMutableBufferPointer<Double>
    let repulsive: UnsafeMutableBufferPointer<Double>
    let partialZ: UnsafeMutableBufferPointer<Double>

    init(count: Int, chunks: Int) {
        attractive = .allocate(capacity: count)
        attractive.initialize(repeating: 0)
        repulsive = .allocate(capacity: count)
        repulsive.initialize(repeating: 0)
        partialZ = .allocate(capacity: chunks)
        partialZ.initialize(repeating: 0)
    }

    deinit {
        attractive.deallocate()
        repulsive.deallocate()
        partialZ.deallocate()
    }
}

/// A quadtree (2-D) or octree (3-D) over the current positions, with each cell's centre of mass,
/// for the Barnes-Hut approximation of the repulsive forces.
struct SpaceTree: @unchecked Sendable {
    /// One cell: its centre of mass, width and point count; its children (`firstChild < 0` for a
    /// leaf) or, for a leaf, the range of ``order`` holding its points. One node fills one cache
    /// line's worth of a walk.
    struct Node {
        var centre: (Double, Double, Double) = (0, 0, 0)
        var width = 0.0
        var count: Int32 = 0
        var firstChild: Int32 = -1
        var childCount: Int32 = 0
        var pointStart: Int32 = 0
        var pointEnd: Int32 = 0
    }

    let dims: Int
    var nodes: [Node] = []
    /// The points, each leaf's together, in depth-first order of the cells.
    var order: [Int32]
    static let leafCapacity = 8
    static let maximumDepth = 48
    /// Enough for a depth-first walk: at most 7 siblings wait per level.
    static let stackSize = (maximumDepth + 2) * 8

    init(positions y: [Double], rows n: Int, dims: Int) {
        self.dims = dims
        order = (0..<n).map(Int32.init)
        var lower = [Double](repeating: .infinity, count: 3), upper = [Double](repeating: -.infinity, count: 3)
        for i in 0..<n {
            for d in 0..<dims { lower[d] = min(lower[d], y[i * dims + d]); upper[d] = max(upper[d], y[i * dims + d]) }
        }
        var side = 0.0
        for d in 0..<dims { side = max(side, upper[d] - lower[d]) }
        side = max(side, 1e-12) * (1 + 1e-9)
        var scratch = [Int32](repeating: 0, count: n)
        var octants = [UInt8](repeating: 0, count: n)
        // Per cell being split: where each octant's points start (and end), and the next free slot.
        var bucket = [Int](repeating: 0, count: 9)
        var fill = [Int](repeating: 0, count: 8)
        // Work items: node index, range, cell origin and side.
        struct Work {
            var node: Int; var lo: Int; var hi: Int; var origin: (Double, Double, Double); var side: Double;
            var depth: Int
        }
        nodes.reserveCapacity(n / 2 + 16)
        nodes.append(Node())
        var stack = [
            Work(node: 0, lo: 0, hi: n, origin: (lower[0], lower[1], dims == 3 ? lower[2] : 0), side: side, depth: 0)
        ]
        let children = 1 << dims
        while let w = stack.popLast() {
            var com = (0.0, 0.0, 0.0)
            for r in w.lo..<w.hi {
                let i = Int(order[r])
                com.0 += y[i * dims]; com.1 += y[i * dims + 1]; if dims == 3 { com.2 += y[i * dims + 2] }
            }
            let total = Double(w.hi - w.lo)
            nodes[w.node].centre = (com.0 / total, com.1 / total, com.2 / total)
            nodes[w.node].count = Int32(w.hi - w.lo)
            nodes[w.node].width = w.side
            if w.hi - w.lo <= Self.leafCapacity || w.depth >= Self.maximumDepth {
                nodes[w.node].pointStart = Int32(w.lo)
                nodes[w.node].pointEnd = Int32(w.hi)
                continue
            }
            let half = w.side / 2
            let mid = (w.origin.0 + half, w.origin.1 + half, w.origin.2 + half)
            // Count each child's points, then place them (a counting sort by octant).
            for q in 0...children { bucket[q] = 0 }
            for r in w.lo..<w.hi {
                let i = Int(order[r])
                var q = y[i * dims] >= mid.0 ? 1 : 0
                if y[i * dims + 1] >= mid.1 { q |= 2 }
                if dims == 3, y[i * dims + 2] >= mid.2 { q |= 4 }
                octants[r] = UInt8(q)
                bucket[q + 1] += 1
            }
            for q in 0..<children { bucket[q + 1] += bucket[q] }
            for q in 0..<children { fill[q] = bucket[q] }
            for r in w.lo..<w.hi {
                let q = Int(octants[r])
                scratch[w.lo + fill[q]] = order[r]
                fill[q] += 1
            }
            for r in w.lo..<w.hi { order[r] = scratch[r] }
            nodes[w.node].firstChild = Int32(nodes.count)
            var made: Int32 = 0
            for q in 0..<children where bucket[q + 1] > bucket[q] {
                let child = nodes.count
                nodes.append(Node())
                made += 1
                let origin = (
                    w.origin.0 + (q & 1 != 0 ? half : 0), w.origin.1 + (q & 2 != 0 ? half : 0),
                    w.origin.2 + (q & 4 != 0 ? half : 0)
                )
                stack.append(
                    Work(
                        node: child, lo: w.lo + bucket[q], hi: w.lo + bucket[q + 1], origin: origin, side: half,
                        depth: w.depth + 1))
            }
            nodes[w.node].childCount = made
        }
    }

    /// Adds Σ_j q_ij² (y_i − y_j) (unnormalised q) to `out[offset...]`; returns Σ_j q_ij.
    func repulsion(
        point i: Int, positions y: UnsafeBufferPointer<Double>, theta2: Double, stack: inout [Int32],
        into out: UnsafeMutableBufferPointer<Double>, offset: Int
    ) -> Double {
        let p0 = y[i * dims], p1 = y[i * dims + 1], p2 = dims == 3 ? y[i * dims + 2] : 0
        var f0 = 0.0, f1 = 0.0, f2 = 0.0, z = 0.0
        var top = 1
        stack[0] = 0
        nodes.withUnsafeBufferPointer { nodes in
            order.withUnsafeBufferPointer { order in
                while top > 0 {
                    top -= 1
                    let node = nodes[Int(stack[top])]
                    let first = Int(node.firstChild)
                    if first < 0 {
                        for r in Int(node.pointStart)..<Int(node.pointEnd) {
                            let j = Int(order[r])
                            if j == i { continue }
                            let d0 = p0 - y[j * dims], d1 = p1 - y[j * dims + 1]
                            let d2 = dims == 3 ? p2 - y[j * dims + 2] : 0
                            let q = 1 / (1 + d0 * d0 + d1 * d1 + d2 * d2)
                            z += q
                            let q2 = q * q
                            f0 += q2 * d0; f1 += q2 * d1; f2 += q2 * d2
                        }
                        continue
                    }
                    let d0 = p0 - node.centre.0, d1 = p1 - node.centre.1, d2 = p2 - node.centre.2
                    let distance2 = d0 * d0 + d1 * d1 + d2 * d2
                    if node.width * node.width < theta2 * distance2 {
                        let q = 1 / (1 + distance2)
                        let m = Double(node.count)
                        z += m * q
                        let mq2 = m * q * q
                        f0 += mq2 * d0; f1 += mq2 * d1; f2 += mq2 * d2
                    } else {
                        for c in 0..<Int(node.childCount) {
                            stack[top] = Int32(first + c)
                            top += 1
                        }
                    }
                }
            }
        }
        out[offset] += f0
        out[offset + 1] += f1
        if dims == 3 { out[offset + 2] += f2 }
        return z
    }
}
