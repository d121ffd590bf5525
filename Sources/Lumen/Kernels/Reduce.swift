/// A reduction laid out as `outer × reduced × inner` elements, the reduced axes contiguous.
struct ReductionLayout {
    let outer: Int
    let reduced: Int
    let inner: Int
    /// The input, transposed if the reduced axes were not one contiguous block.
    let input: Tensor

    /// `axes` must be normalized, sorted and unique.
    init(_ x: Tensor, axes: [Int]) {
        let shape = x.shape
        if axes.isEmpty {
            self.init(outer: x.count, reduced: 1, inner: 1, input: x)
            return
        }
        let contiguous = axes.last! - axes.first! + 1 == axes.count
        if contiguous {
            let lo = axes.first!, hi = axes.last!
            self.init(
                outer: Shape.elementCount(Array(shape[..<lo])),
                reduced: Shape.elementCount(Array(shape[lo...hi])),
                inner: Shape.elementCount(Array(shape[(hi + 1)...])), input: x)
        } else {
            let kept = (0..<shape.count).filter { !axes.contains($0) }
            let moved = x.permuted(kept + axes)
            self.init(
                outer: Shape.elementCount(kept.map { shape[$0] }),
                reduced: Shape.elementCount(axes.map { shape[$0] }), inner: 1, input: moved)
        }
    }

    private init(outer: Int, reduced: Int, inner: Int, input: Tensor) {
        self.outer = outer
        self.reduced = reduced
        self.inner = inner
        self.input = input
    }
}

enum ReduceKernels {
    /// Folds the reduced dimension with `combine`, starting from `initial`.
    @inline(__always)
    static func fold<T, K: BinaryKernel>(
        _ layout: ReductionLayout, into out: UnsafeMutablePointer<T>, initial: T, _ combine: K
    )
    where K.Left == T, K.Right == T, K.Output == T {
        let x = layout.input.pointer(T.self)
        let (outer, reduced, inner) = (layout.outer, layout.reduced, layout.inner)
        if inner == 1 {
            Threading.parallelFor(outer, minimumChunk: max(1, (1 << 15) / max(reduced, 1))) { range in
                for o in range {
                    var acc = initial
                    let row = x + o * reduced
                    for r in 0..<reduced { acc = combine(acc, row[r]) }
                    out[o] = acc
                }
            }
        } else {
            Threading.parallelFor(outer * inner, minimumChunk: max(1, (1 << 15) / max(reduced, 1))) { range in
                // Walk whole rows of `inner` so the inner loop is contiguous.
                var i = range.lowerBound
                while i < range.upperBound {
                    let o = i / inner, j0 = i % inner
                    let j1 = min(inner, j0 + (range.upperBound - i))
                    let dst = out + o * inner
                    for j in j0..<j1 { dst[j] = initial }
                    for r in 0..<reduced {
                        let src = x + (o * reduced + r) * inner
                        for j in j0..<j1 { dst[j] = combine(dst[j], src[j]) }
                    }
                    i += j1 - j0
                }
            }
        }
    }

    /// The sum of `count` contiguous floats, vectorized, in blocks combined in double precision.
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Double {
        let partial = Threading.mapChunks(count, minimumChunk: 1 << 16) { range -> Double in
            var total = 0.0
            var i = range.lowerBound
            let block = 1 << 12
            while i < range.upperBound {
                let end = min(i + block, range.upperBound)
                // Four independent accumulators keep the adds off one dependency chain.
                var acc0 = SIMD16<Float>(repeating: 0), acc1 = acc0, acc2 = acc0, acc3 = acc0
                var k = i
                while k + 64 <= end {
                    let raw = UnsafeRawPointer(p + k)
                    acc0 += raw.loadUnaligned(as: SIMD16<Float>.self)
                    acc1 += raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                    acc2 += raw.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                    acc3 += raw.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                    k += 64
                }
                var acc = (acc0 + acc1) + (acc2 + acc3)
                while k + 16 <= end {
                    acc += UnsafeRawPointer(p + k).loadUnaligned(as: SIMD16<Float>.self)
                    k += 16
                }
                var tail: Float = 0
                while k < end { tail += p[k]; k += 1 }
                total += Double(acc.sum()) + Double(tail)
                i = end
            }
            return total
        }
        return partial.reduce(0, +)
    }
}

extension Threading {
    /// Like `parallelFor`, collecting one result per chunk in order.
    static func mapChunks<R>(_ count: Int, minimumChunk: Int, _ body: (Range<Int>) -> R) -> [R] {
        let workers = max(1, min(intraOpThreads, count / max(minimumChunk, 1)))
        let chunk = (count + workers - 1) / max(workers, 1)
        var results = [R?](repeating: nil, count: workers)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            parallelFor(workers, minimumChunk: 1) { range in
                for w in range {
                    let start = w * chunk, end = min(start + chunk, count)
                    slots[w] = body(start..<max(start, end))
                }
            }
        }
        return results.map { $0! }
    }
}
