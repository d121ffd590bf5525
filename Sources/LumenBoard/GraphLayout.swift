/// A layered ("Sugiyama-style") layout of a directed graph of boxes, flowing top to bottom.
///
/// The steps, each a classic one:
/// 1. **Cycle breaking**: a depth-first search (sources first, then in index order) reverses the
///    edges that close a cycle (back edges), which leaves a DAG.
/// 2. **Layering**: longest-path layering (a node's layer is one more than its deepest
///    predecessor's); then every source is moved down to just above its nearest successor, which
///    only shortens its edges (otherwise every constant of a deep network sits in the top layer).
/// 3. **Dummy nodes**: an edge spanning several layers becomes a chain through one zero-width dummy
///    node per layer crossed, so that it takes part in ordering and gets room between boxes (up to
///    a budget of dummies; the longest edges beyond it are left out of ordering).
/// 4. **Crossing reduction**: alternating downward and upward sweeps that sort each layer by the
///    barycentre (mean position) of its neighbours in the layer before, keeping the order with the
///    fewest crossings (counted exactly per layer pair with a Fenwick tree).
/// 5. **Coordinates**: layers stacked with a gap; within a layer the order is fixed and each pass
///    moves every node as close as the separation constraints allow to the barycentre of its
///    neighbours' x, solved exactly per layer as a weighted isotonic regression (pool adjacent
///    violators), alternately from above and from below, then from both.
///
/// Time is about O((V + D + E) log V) per sweep, with D the dummy nodes.
struct LayeredLayout {
    /// The gaps between boxes.
    struct Spacing: Sendable {
        /// Between two boxes in one layer.
        var nodeGap = 24.0
        /// Between a dummy node (a long edge passing through a layer) and its neighbours.
        var dummyGap = 10.0
        /// Between two layers.
        var layerGap = 44.0
    }

    /// The placed boxes: top-left corners, in the input's node order.
    struct Result: Sendable {
        var x: [Double]
        var y: [Double]
        /// The layer of each node (0 at the top).
        var layer: [Int]
        /// The bounding box of every box, from (0, 0).
        var width: Double
        var height: Double
        /// Crossings between proper (adjacent-layer) edge segments after ordering.
        var crossings: Int
    }

    /// Lays out boxes of the given sizes joined by `edges` (pairs of node indices; self-loops,
    /// duplicates and out-of-range indices are ignored).
    static func compute(
        widths: [Double], heights: [Double], edges: [(source: Int, target: Int)], spacing: Spacing = Spacing()
    ) -> Result {
        let n = min(widths.count, heights.count)
        guard n > 0 else { return Result(x: [], y: [], layer: [], width: 0, height: 0, crossings: 0) }

        // Unique edges with their multiplicity as weight.
        var weightByPair: [UInt64: Int] = [:]
        var pairs: [(Int, Int)] = []
        for (s, t) in edges where s != t && s >= 0 && t >= 0 && s < n && t < n {
            let key = UInt64(s) << 32 | UInt64(t)
            if let w = weightByPair[key] {
                weightByPair[key] = w + 1
            } else {
                weightByPair[key] = 1
                pairs.append((s, t))
            }
        }
        let weights = pairs.map { weightByPair[UInt64($0.0) << 32 | UInt64($0.1)] ?? 1 }

        let reversed = breakCycles(n, pairs)
        let dag = pairs.indices.map { reversed[$0] ? (pairs[$0].1, pairs[$0].0) : pairs[$0] }
        var layer = assignLayers(n, dag)

        // The proper layered graph: real nodes, then dummies; segments between adjacent layers.
        var proper = ProperGraph(realCount: n, layer: layer)
        proper.add(edges: dag, weights: weights, dummyBudget: max(20_000, 8 * n))
        layer = proper.layer
        let layerCount = (layer.max() ?? 0) + 1

        var order = initialOrder(proper, layerCount)
        let crossings = reduceCrossings(proper, &order)

        // Sizes of the proper graph's nodes (dummies are zero-sized).
        var w = [Double](repeating: 0, count: proper.count)
        var h = [Double](repeating: 0, count: proper.count)
        for i in 0..<n {
            w[i] = max(0, widths[i].isFinite ? widths[i] : 0)
            h[i] = max(0, heights[i].isFinite ? heights[i] : 0)
        }
        let centres = assignX(proper, order, widths: w, spacing: spacing)

        // Layers stacked top to bottom; boxes centred vertically in their layer.
        var layerHeight = [Double](repeating: 0, count: layerCount)
        for i in 0..<n { layerHeight[layer[i]] = max(layerHeight[layer[i]], h[i]) }
        var layerTop = [Double](repeating: 0, count: layerCount)
        var top = 0.0
        for l in 0..<layerCount {
            layerTop[l] = top
            top += layerHeight[l] + (l + 1 < layerCount ? spacing.layerGap : 0)
        }
        var left = Double.infinity, right = -Double.infinity
        for i in 0..<proper.count {
            left = min(left, centres[i] - w[i] / 2)
            right = max(right, centres[i] + w[i] / 2)
        }
        var x = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            x[i] = centres[i] - w[i] / 2 - left
            y[i] = layerTop[layer[i]] + (layerHeight[layer[i]] - h[i]) / 2
        }
        return Result(
            x: x, y: y, layer: Array(layer[0..<n]), width: right - left, height: top, crossings: crossings)
    }

    // MARK: - 1. Cycle breaking

    /// Flags the edges that a depth-first search finds closing a cycle. Iterative, so that a long
    /// chain can't overflow the stack; sources are roots first so that the flow direction is kept.
    static func breakCycles(_ n: Int, _ pairs: [(Int, Int)]) -> [Bool] {
        let out = Adjacency(n, pairs.indices.map { (pairs[$0].0, $0) })
        var indegree = [Int](repeating: 0, count: n)
        for (_, t) in pairs { indegree[t] += 1 }
        var reversed = [Bool](repeating: false, count: pairs.count)
        var state = [UInt8](repeating: 0, count: n)  // 0 unvisited, 1 on the stack, 2 done
        var stack: [(node: Int, next: Int)] = []
        let roots = (0..<n).filter { indegree[$0] == 0 } + (0..<n).filter { indegree[$0] != 0 }
        for root in roots where state[root] == 0 {
            state[root] = 1
            stack.append((root, out.start[root]))
            while let top = stack.last {
                if top.next < out.start[top.node + 1] {
                    stack[stack.count - 1].next += 1
                    let edge = out.items[top.next]
                    let target = pairs[edge].1
                    if state[target] == 0 {
                        state[target] = 1
                        stack.append((target, out.start[target]))
                    } else if state[target] == 1 {
                        reversed[edge] = true
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
        return reversed
    }

    // MARK: - 2. Layering

    /// Longest-path layers of a DAG, with sources moved down next to their nearest successor.
    static func assignLayers(_ n: Int, _ dag: [(Int, Int)]) -> [Int] {
        let out = Adjacency(n, dag.map { ($0.0, $0.1) })
        var indegree = [Int](repeating: 0, count: n)
        for (_, t) in dag { indegree[t] += 1 }
        var layer = [Int](repeating: 0, count: n)
        var queue = (0..<n).filter { indegree[$0] == 0 }
        var remaining = indegree
        var head = 0
        while head < queue.count {
            let u = queue[head]
            head += 1
            for k in out.start[u]..<out.start[u + 1] {
                let v = out.items[k]
                layer[v] = max(layer[v], layer[u] + 1)
                remaining[v] -= 1
                if remaining[v] == 0 { queue.append(v) }
            }
        }
        for u in 0..<n where indegree[u] == 0 && out.start[u] < out.start[u + 1] {
            var nearest = Int.max
            for k in out.start[u]..<out.start[u + 1] { nearest = min(nearest, layer[out.items[k]]) }
            layer[u] = max(layer[u], nearest - 1)
        }
        let lowest = layer.min() ?? 0
        return layer.map { $0 - lowest }
    }

    // MARK: - 3. The proper layered graph

    /// Real nodes and dummies, with segments only between adjacent layers.
    struct ProperGraph {
        var realCount: Int
        var layer: [Int]
        /// Segments: upper node, lower node, weight.
        var segments: [(upper: Int, lower: Int, weight: Int)] = []
        var count: Int { layer.count }

        init(realCount: Int, layer: [Int]) {
            self.realCount = realCount
            self.layer = layer
        }

        /// Adds the DAG's edges, each long one as a chain of dummies while the budget lasts
        /// (shortest edges first, so that the budget goes to as many edges as possible).
        mutating func add(edges: [(Int, Int)], weights: [Int], dummyBudget: Int) {
            var long: [Int] = []
            for (i, (u, v)) in edges.enumerated() {
                if layer[v] - layer[u] == 1 {
                    segments.append((u, v, weights[i]))
                } else {
                    long.append(i)
                }
            }
            long.sort { layer[edges[$0].1] - layer[edges[$0].0] < layer[edges[$1].1] - layer[edges[$1].0] }
            var budget = dummyBudget
            for i in long {
                let (u, v) = edges[i]
                let span = layer[v] - layer[u]
                guard span - 1 <= budget else { break }
                budget -= span - 1
                var previous = u
                for l in (layer[u] + 1)..<layer[v] {
                    let dummy = layer.count
                    layer.append(l)
                    segments.append((previous, dummy, weights[i]))
                    previous = dummy
                }
                segments.append((previous, v, weights[i]))
            }
        }

        func isDummy(_ node: Int) -> Bool { node >= realCount }
    }

    /// Per layer, the nodes in order; initially in index order (real nodes in input order, then
    /// dummies in creation order).
    static func initialOrder(_ graph: ProperGraph, _ layerCount: Int) -> [[Int]] {
        var order = [[Int]](repeating: [], count: layerCount)
        for node in 0..<graph.count { order[graph.layer[node]].append(node) }
        return order
    }

    // MARK: - 4. Crossing reduction

    /// Barycentre sweeps; leaves the best order found in `order` and returns its crossing count.
    static func reduceCrossings(_ graph: ProperGraph, _ order: inout [[Int]]) -> Int {
        let up = Adjacency(graph.count, graph.segments.map { ($0.lower, $0.upper) })
        let down = Adjacency(graph.count, graph.segments.map { ($0.upper, $0.lower) })
        var position = [Int](repeating: 0, count: graph.count)
        func index() {
            for layer in order { for (i, node) in layer.enumerated() { position[node] = i } }
        }
        index()
        guard order.count > 1 else { return 0 }
        var best = order
        var bestCrossings = crossings(graph, order, position, down)
        var stale = 0
        var key = [Double](repeating: 0, count: graph.count)
        for sweep in 0..<24 where bestCrossings > 0 && stale < 4 {
            let downward = sweep % 2 == 0
            let layers = downward ? Array(1..<order.count) : Array((0..<order.count - 1).reversed())
            let neighbours = downward ? up : down
            for l in layers {
                for node in order[l] {
                    var sum = 0.0, count = 0.0
                    for k in neighbours.start[node]..<neighbours.start[node + 1] {
                        sum += Double(position[neighbours.items[k]])
                        count += 1
                    }
                    // Nodes without neighbours there keep their place, measured on the same scale.
                    key[node] = count > 0 ? sum / count : Double(position[node])
                }
                order[l].sort { key[$0] < key[$1] || (key[$0] == key[$1] && position[$0] < position[$1]) }
                for (i, node) in order[l].enumerated() { position[node] = i }
            }
            let c = crossings(graph, order, position, down)
            if c < bestCrossings {
                bestCrossings = c
                best = order
                stale = 0
            } else {
                stale += 1
            }
        }
        order = best
        return bestCrossings
    }

    /// The number of crossing segment pairs between every two adjacent layers: segments sorted by
    /// upper position, then the inversions of their lower positions counted with a Fenwick tree.
    static func crossings(_ graph: ProperGraph, _ order: [[Int]], _ position: [Int], _ down: Adjacency) -> Int {
        var total = 0
        var lowers: [Int] = []
        for l in 0..<max(0, order.count - 1) {
            lowers.removeAll(keepingCapacity: true)
            for node in order[l] {
                let start = lowers.count
                for k in down.start[node]..<down.start[node + 1] { lowers.append(position[down.items[k]]) }
                lowers[start...].sort()
            }
            let size = order[l + 1].count
            var tree = [Int](repeating: 0, count: size + 1)
            for (seen, p) in lowers.enumerated() {
                // Segments already seen whose lower end is right of p cross this one.
                var i = p + 1, notRight = 0
                while i > 0 {
                    notRight += tree[i]
                    i -= i & -i
                }
                total += seen - notRight
                i = p + 1
                while i <= size {
                    tree[i] += 1
                    i += i & -i
                }
            }
        }
        return total
    }

    // MARK: - 5. Coordinates

    /// Centre x of every node of the proper graph.
    static func assignX(_ graph: ProperGraph, _ order: [[Int]], widths: [Double], spacing: Spacing) -> [Double] {
        let up = Adjacency(graph.count, graph.segments.map { ($0.lower, $0.upper) })
        let down = Adjacency(graph.count, graph.segments.map { ($0.upper, $0.lower) })
        var x = [Double](repeating: 0, count: graph.count)
        func gap(_ a: Int, _ b: Int) -> Double {
            (widths[a] + widths[b]) / 2 + (graph.isDummy(a) || graph.isDummy(b) ? spacing.dummyGap : spacing.nodeGap)
        }
        for layer in order {
            var at = 0.0
            for (i, node) in layer.enumerated() {
                if i > 0 { at += gap(layer[i - 1], node) }
                x[node] = at
            }
        }
        // Centre the layers on each other before the passes, so that they start balanced.
        for layer in order where !layer.isEmpty {
            let shift = -(x[layer[layer.count - 1]]) / 2
            for node in layer { x[node] += shift }
        }
        var target: [Double] = [], weight: [Double] = [], offset: [Double] = []
        func place(_ layer: [Int], _ sources: [Adjacency]) {
            target.removeAll(keepingCapacity: true)
            weight.removeAll(keepingCapacity: true)
            offset.removeAll(keepingCapacity: true)
            var at = 0.0
            for (i, node) in layer.enumerated() {
                if i > 0 { at += gap(layer[i - 1], node) }
                offset.append(at)
                var sum = 0.0, count = 0.0
                for adjacency in sources {
                    for k in adjacency.start[node]..<adjacency.start[node + 1] {
                        sum += x[adjacency.items[k]]
                        count += 1
                    }
                }
                // Dummies pull harder, to keep long edges straight; unconnected nodes stay put.
                let desired = count > 0 ? sum / count : x[node]
                target.append(desired - at)
                weight.append(count > 0 ? (graph.isDummy(node) ? 8 : 1) * count : 0.01)
            }
            let fitted = isotonicRegression(target, weight)
            for (i, node) in layer.enumerated() { x[node] = fitted[i] + offset[i] }
        }
        for pass in 0..<8 {
            if pass % 2 == 0 {
                for l in 1..<max(1, order.count) { place(order[l], [up]) }
            } else {
                for l in (0..<max(0, order.count - 1)).reversed() { place(order[l], [down]) }
            }
        }
        for l in 0..<order.count { place(order[l], [up, down]) }
        return x
    }

    /// The non-decreasing sequence closest to `values` in weighted least squares (pool adjacent
    /// violators).
    static func isotonicRegression(_ values: [Double], _ weights: [Double]) -> [Double] {
        var mean: [Double] = [], total: [Double] = [], size: [Int] = []
        for (v, w) in zip(values, weights) {
            mean.append(v)
            total.append(w)
            size.append(1)
            while mean.count > 1 && mean[mean.count - 2] > mean[mean.count - 1] {
                let (m, t, s) = (mean.removeLast(), total.removeLast(), size.removeLast())
                let k = mean.count - 1
                let combined = total[k] + t
                mean[k] = combined > 0 ? (mean[k] * total[k] + m * t) / combined : (mean[k] + m) / 2
                total[k] = combined
                size[k] += s
            }
        }
        var out: [Double] = []
        out.reserveCapacity(values.count)
        for (m, s) in zip(mean, size) { out.append(contentsOf: repeatElement(m, count: s)) }
        return out
    }

    /// Compressed adjacency lists: the items of node `i` are `items[start[i]..<start[i + 1]]`,
    /// in input order.
    struct Adjacency {
        var start: [Int]
        var items: [Int]

        init(_ n: Int, _ pairs: [(Int, Int)]) {
            var start = [Int](repeating: 0, count: n + 1)
            for (from, _) in pairs { start[from + 1] += 1 }
            for i in 0..<n { start[i + 1] += start[i] }
            var fill = start
            var items = [Int](repeating: 0, count: pairs.count)
            for (from, to) in pairs {
                items[fill[from]] = to
                fill[from] += 1
            }
            self.start = start
            self.items = items
        }
    }
}
