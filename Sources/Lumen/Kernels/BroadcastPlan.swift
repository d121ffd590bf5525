/// How to walk the operands of a broadcasting elementwise op: the output shape with adjacent
/// dimensions merged wherever every operand allows it, and each operand's strides (0 where it is
/// broadcast). The innermost dimension is walked by a tight loop; the outer ones by a counter.
struct BroadcastPlan {
    /// Collapsed output dimensions; the last one is the inner loop.
    let dims: [Int]
    /// Per operand, its element strides over `dims`.
    let strides: [[Int]]
    let count: Int

    init(output: [Int], operands: [[Int]]) {
        let rank = output.count
        count = Shape.elementCount(output)
        var allStrides: [[Int]] = operands.map { shape in
            var s = [Int](repeating: 0, count: rank)
            var running = 1
            for i in stride(from: shape.count - 1, through: 0, by: -1) {
                let outIndex = i + rank - shape.count
                s[outIndex] = shape[i] == 1 && output[outIndex] != 1 ? 0 : running
                running *= shape[i]
            }
            return s
        }
        // Drop size-1 output dimensions, then merge neighbours that are contiguous for every operand.
        var dims: [Int] = []
        var merged: [[Int]] = Array(repeating: [], count: operands.count)
        for i in 0..<rank where output[i] != 1 {
            if let last = dims.last,
                allStrides.indices.allSatisfy({ k in merged[k].last! == allStrides[k][i] * output[i] })
            {
                dims[dims.count - 1] = last * output[i]
                for k in merged.indices { merged[k][merged[k].count - 1] = allStrides[k][i] }
            } else {
                dims.append(output[i])
                for k in merged.indices { merged[k].append(allStrides[k][i]) }
            }
        }
        if dims.isEmpty {
            dims = [count == 0 ? 0 : 1]
            merged = merged.map { _ in [1] }
        }
        allStrides = merged
        self.dims = dims
        self.strides = allStrides
    }

    /// The number of inner rows.
    var rows: Int { dims.count <= 1 ? 1 : Shape.elementCount(Array(dims.dropLast())) }
    var inner: Int { dims.last ?? 0 }

    /// Element offsets of every operand at the start of `row`.
    @inline(__always)
    func offsets(ofRow row: Int, into offsets: inout [Int]) {
        for k in offsets.indices { offsets[k] = 0 }
        var r = row
        var d = dims.count - 2
        while d >= 0 {
            let size = dims[d]
            let i = r % size
            r /= size
            for k in offsets.indices { offsets[k] += i * strides[k][d] }
            d -= 1
        }
    }

    /// Calls `body(row offsets, start, end)` for inner runs, split across threads when large.
    /// `body` receives the output offset, the operand offsets and the inner range.
    @inline(__always)
    func run(_ body: (_ out: Int, _ operands: [Int], _ range: Range<Int>) -> Void) {
        let rows = self.rows, inner = self.inner
        if count == 0 { return }
        if rows == 1 {
            let zeros = [Int](repeating: 0, count: strides.count)
            Threading.parallelFor(inner) { range in body(0, zeros, range) }
            return
        }
        Threading.parallelFor(rows, minimumChunk: max(1, (1 << 15) / max(inner, 1))) { rowRange in
            var offsets = [Int](repeating: 0, count: strides.count)
            for row in rowRange {
                self.offsets(ofRow: row, into: &offsets)
                body(row * inner, offsets, 0..<inner)
            }
        }
    }
}

/// Applies `f` elementwise to two broadcast operands.
@inline(__always)
func broadcastMap2<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, into out: inout Tensor, _ f: K) {
    let pa = a.pointer(K.Left.self), pb = b.pointer(K.Right.self), po = out.pointer(K.Output.self)
    if a.shape == b.shape {
        Threading.parallelFor(out.count) { range in
            for i in range { po[i] = f(pa[i], pb[i]) }
        }
        return
    }
    let plan = BroadcastPlan(output: out.shape, operands: [a.shape, b.shape])
    let sa = plan.strides[0].last!, sb = plan.strides[1].last!
    plan.run { o, offsets, range in
        let x = pa + offsets[0], y = pb + offsets[1], z = po + o
        switch (sa, sb) {
        case (1, 1): for i in range { z[i] = f(x[i], y[i]) }
        case (0, 1): let xv = x[0]; for i in range { z[i] = f(xv, y[i]) }
        case (1, 0): let yv = y[0]; for i in range { z[i] = f(x[i], yv) }
        default: for i in range { z[i] = f(x[i * sa], y[i * sb]) }
        }
    }
}

/// `condition ? a : b` elementwise over three broadcast operands (a select); `T` is any type of
/// the element's size, since selection only moves bits.
func broadcastSelect<T>(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: inout Tensor, _: T.Type) {
    let pc = condition.pointer(Bool.self), pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
    let plan = BroadcastPlan(output: out.shape, operands: [condition.shape, a.shape, b.shape])
    let sc = plan.strides[0].last!, sa = plan.strides[1].last!, sb = plan.strides[2].last!
    plan.run { o, offsets, range in
        let c = pc + offsets[0], x = pa + offsets[1], y = pb + offsets[2], z = po + o
        for i in range { z[i] = c[i * sc] ? x[i * sa] : y[i * sb] }
    }
}

/// Applies `f` to every element.
@inline(__always)
func map1<K: UnaryKernel>(_ a: Tensor, into out: inout Tensor, _ f: K) {
    let pa = a.pointer(K.Input.self), po = out.pointer(K.Output.self)
    Threading.parallelFor(a.count, minimumChunk: 1 << 14) { range in
        for i in range { po[i] = f(pa[i]) }
    }
}
