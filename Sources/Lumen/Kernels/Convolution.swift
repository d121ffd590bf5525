/// How a 2-D window (convolution or pool) slides over an NCHW input. The op layer reads it from
/// the `strides`, `dilations` and `padding` attributes; the kernels here only use it.
struct WindowGeometry: Equatable, Sendable {
    var kernel: (h: Int, w: Int)
    var stride: (h: Int, w: Int)
    var dilation: (h: Int, w: Int)
    var padTop = 0, padBottom = 0, padLeft = 0, padRight = 0
    var outputHeight = 0, outputWidth = 0

    static func == (a: WindowGeometry, b: WindowGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.dilation == b.dilation
            && (a.padTop, a.padBottom, a.padLeft, a.padRight) == (b.padTop, b.padBottom, b.padLeft, b.padRight)
    }

    var isTwoByTwoTiling: Bool {
        kernel == (2, 2) && stride == (2, 2) && padTop + padBottom + padLeft + padRight == 0
    }

    var isPointwise: Bool {
        kernel == (1, 1) && stride == (1, 1) && padTop + padBottom + padLeft + padRight == 0
    }
}

/// Convolution of NCHW inputs with OIHW filters, and its two gradients.
///
/// The forward product is one GEMM per image and group over the image's column matrix (im2col);
/// the input gradient is a GEMM per image and group, then col2im, which scatters the columns back
/// into the image; the filter gradient is im2col, then a GEMM per image and group accumulated over
/// the batch. All run the images of the batch in parallel with OpenBLAS single-threaded inside that
/// region. Batches whose column matrix fits take ``BatchedConvolution``'s one product instead.
enum Convolution {
    /// The convolution of `x` [N, C, H, W] with `w` [O, C/groups, KH, KW] into an output of `shape`.
    static func forward(_ x: Tensor, _ w: Tensor, geometry g: WindowGeometry, groups: Int, shape: [Int]) -> Tensor {
        switch x.dtype {
        case .float32: return forward(x, w, g, groups, shape, Float.self)
        default: return forward(x, w, g, groups, shape, Double.self)
        }
    }

    private static func forward<T: FloatElement>(
        _ x: Tensor, _ w: Tensor, _ g: WindowGeometry, _ groups: Int, _ shape: [Int], _: T.Type
    ) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outChannels = shape[1], plane = shape[2] * shape[3]
        let groupChannels = channels / groups, groupOut = outChannels / groups
        let patch = groupChannels * g.kernel.h * g.kernel.w
        if out.count == 0 { return out }
        if patch == 0 {
            out.storage.bytes.initializeMemory(as: T.self, repeating: 0, count: out.count)
            return out
        }
        let px = x.pointer(T.self), pw = w.pointer(T.self), po = out.pointer(T.self)
        if let lowering = BatchedConvolution<T>(
            inputShape: x.shape, outChannels: outChannels, groups: groups, geometry: g)
        {
            lowering.forward(input: px, filter: pw, output: po)
            return out
        }
        let pointwise = g.isPointwise
        let workers = min(Threading.intraOpThreads, batch)
        let perWorker = (batch + workers - 1) / max(workers, 1)
        func work(_ images: Range<Int>) {
            let columns = pointwise ? nil : UnsafeMutablePointer<T>.allocate(capacity: patch * plane)
            defer { columns?.deallocate() }
            for n in images {
                for group in 0..<groups {
                    let input = px + (n * channels + group * groupChannels) * height * width
                    let matrix: UnsafePointer<T>
                    if let columns {
                        im2col(input, channels: groupChannels, height: height, width: width, g, into: columns)
                        matrix = UnsafePointer(columns)
                    } else {
                        matrix = UnsafePointer(input)
                    }
                    MatrixProduct.multiply(
                        x.dtype, false, false, groupOut, plane, patch,
                        pw + group * groupOut * patch, matrix,
                        po + (n * outChannels + group * groupOut) * plane)
                }
            }
        }
        if workers > 1 {
            Threading.withSingleThreadedBLAS {
                Threading.parallelFor(batch, minimumChunk: perWorker) { work($0) }
            }
        } else {
            work(0..<batch)
        }
        return out
    }

    /// Unfolds every window of one image into a column: rows are (channel, kh, kw), columns are output
    /// positions; padding reads as zero. Rows start `rowStride` elements apart (default: packed).
    static func im2col<T: FloatElement>(
        _ input: UnsafePointer<T>, channels: Int, height: Int, width: Int, _ g: WindowGeometry,
        into columns: UnsafeMutablePointer<T>, rowStride: Int? = nil
    ) {
        let oh = g.outputHeight, ow = g.outputWidth
        let rowStride = rowStride ?? oh * ow
        var row = columns
        if ShiftedImage.applies(g, width: width) {
            let shifts = ShiftedImage.all(g, height: height, width: width)
            for c in 0..<channels {
                let image = input + c * height * width
                for shift in shifts {
                    shift.copy(from: image, to: row)
                    row += rowStride
                }
            }
            return
        }
        for c in 0..<channels {
            let image = input + c * height * width
            for kh in 0..<g.kernel.h {
                for kw in 0..<g.kernel.w {
                    let dy = kh * g.dilation.h - g.padTop, dx = kw * g.dilation.w - g.padLeft
                    // Output columns whose input column is inside the image.
                    let lo = dx >= 0 ? 0 : min(ow, (-dx + g.stride.w - 1) / g.stride.w)
                    let hi = max(lo, min(ow, width - dx > 0 ? (width - dx - 1) / g.stride.w + 1 : 0))
                    for y in 0..<oh {
                        let iy = y * g.stride.h + dy
                        let dst = row + y * ow
                        if iy < 0 || iy >= height {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = image + iy * width + dx
                        for xo in 0..<lo { dst[xo] = 0 }
                        if g.stride.w == 1 {
                            (dst + lo).update(from: src + lo, count: hi - lo)
                        } else {
                            for xo in lo..<hi { dst[xo] = src[xo * g.stride.w] }
                        }
                        for xo in hi..<ow { dst[xo] = 0 }
                    }
                    row += rowStride
                }
            }
        }
    }

    /// dX = col2im(Wᵀ · dY), per image and group. `inputShape` is [N, C, H, W].
    static func inputGradient(
        filter w: Tensor, outputGradient dy: Tensor, inputShape: [Int], geometry g: WindowGeometry, groups: Int
    ) -> Tensor {
        switch dy.dtype {
        case .float32: return inputGradient(w, dy, inputShape, g, groups, Float.self)
        default: return inputGradient(w, dy, inputShape, g, groups, Double.self)
        }
    }

    /// dW = Σₙ dY · im2col(X)ᵀ, per group. `filterShape` is [O, C/groups, KH, KW].
    static func filterGradient(
        input x: Tensor, outputGradient dy: Tensor, filterShape: [Int], geometry g: WindowGeometry, groups: Int
    ) -> Tensor {
        switch dy.dtype {
        case .float32: return filterGradient(x, dy, filterShape, g, groups, Float.self)
        default: return filterGradient(x, dy, filterShape, g, groups, Double.self)
        }
    }

    private static func inputGradient<T: FloatElement>(
        _ w: Tensor, _ dy: Tensor, _ shape: [Int], _ g: WindowGeometry, _ groups: Int, _: T.Type
    ) -> Tensor {
        let dx = Tensor(uninitializedShape: shape, dtype: dy.dtype)
        if dx.count == 0 { return dx }
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let outChannels = dy.shape[1], plane = dy.shape[2] * dy.shape[3]
        let groupChannels = channels / groups, groupOut = outChannels / groups
        let patch = groupChannels * g.kernel.h * g.kernel.w
        let pw = w.pointer(T.self), pdy = dy.pointer(T.self), pdx = dx.pointer(T.self)
        if patch == 0 || plane == 0 {
            pdx.initialize(repeating: 0, count: dx.count)
            return dx
        }
        if let lowering = BatchedConvolution<T>(
            inputShape: shape, outChannels: outChannels, groups: groups, geometry: g)
        {
            lowering.inputGradient(filter: pw, outputGradient: pdy, into: pdx)
            return dx
        }
        let pointwise = g.isPointwise
        func work(_ images: Range<Int>) {
            let columns = pointwise ? nil : UnsafeMutablePointer<T>.allocate(capacity: patch * plane)
            defer { columns?.deallocate() }
            for n in images {
                for group in 0..<groups {
                    let image = pdx + (n * channels + group * groupChannels) * height * width
                    let filter = pw + group * groupOut * patch
                    let gradient = pdy + (n * outChannels + group * groupOut) * plane
                    // op(A) = W_gᵀ [patch × groupOut], B = dY_g [groupOut × plane].
                    if let columns {
                        MatrixProduct.multiply(dy.dtype, true, false, patch, plane, groupOut, filter, gradient, columns)
                        image.update(repeating: 0, count: groupChannels * height * width)
                        col2im(columns, channels: groupChannels, height: height, width: width, g, into: image)
                    } else {
                        MatrixProduct.multiply(dy.dtype, true, false, patch, plane, groupOut, filter, gradient, image)
                    }
                }
            }
        }
        runOverBatch(batch, work)
        return dx
    }

    private static func filterGradient<T: FloatElement>(
        _ x: Tensor, _ dy: Tensor, _ shape: [Int], _ g: WindowGeometry, _ groups: Int, _: T.Type
    ) -> Tensor {
        let dw = Tensor(uninitializedShape: shape, dtype: dy.dtype)
        if dw.count == 0 { return dw }
        let pdw = dw.pointer(T.self)
        pdw.initialize(repeating: 0, count: dw.count)
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outChannels = dy.shape[1], plane = dy.shape[2] * dy.shape[3]
        let groupChannels = channels / groups, groupOut = outChannels / groups
        let patch = groupChannels * g.kernel.h * g.kernel.w
        if batch == 0 || plane == 0 || patch == 0 { return dw }
        let px = x.pointer(T.self), pdy = dy.pointer(T.self)
        if let lowering = BatchedConvolution<T>(
            inputShape: x.shape, outChannels: outChannels, groups: groups, geometry: g)
        {
            lowering.filterGradient(input: px, outputGradient: pdy, into: pdw)
            return dw
        }
        let pointwise = g.isPointwise
        // Each worker sums its images into its own buffer; the buffers are added at the end.
        let workers = max(1, min(Threading.intraOpThreads, batch))
        let chunk = (batch + workers - 1) / workers
        let partials = workers > 1 ? UnsafeMutablePointer<T>.allocate(capacity: (workers - 1) * dw.count) : nil
        defer { partials?.deallocate() }
        partials?.initialize(repeating: 0, count: (workers - 1) * dw.count)
        func work(_ worker: Int) {
            let images = (worker * chunk)..<min(batch, (worker + 1) * chunk)
            let target = worker == 0 ? pdw : partials! + (worker - 1) * dw.count
            let columns = pointwise ? nil : UnsafeMutablePointer<T>.allocate(capacity: patch * plane)
            defer { columns?.deallocate() }
            for n in images {
                for group in 0..<groups {
                    let image = px + (n * channels + group * groupChannels) * height * width
                    let matrix: UnsafePointer<T>
                    if let columns {
                        im2col(image, channels: groupChannels, height: height, width: width, g, into: columns)
                        matrix = UnsafePointer(columns)
                    } else {
                        matrix = UnsafePointer(image)
                    }
                    // dW_g [groupOut × patch] += dY_g [groupOut × plane] · colsᵀ [plane × patch].
                    MatrixProduct.multiplyOnCallingThread(
                        m: groupOut, n: patch, k: plane,
                        MatrixOperand(
                            pointer: pdy + (n * outChannels + group * groupOut) * plane, leadingDimension: plane),
                        MatrixOperand(pointer: matrix, leadingDimension: plane, isTransposed: true),
                        into: target + group * groupOut * patch, leadingDimension: patch, accumulate: true)
                }
            }
        }
        if workers > 1 {
            Threading.withSingleThreadedBLAS {
                Threading.parallelFor(workers, minimumChunk: 1) { range in for worker in range { work(worker) } }
            }
            for worker in 1..<workers {
                let partial = partials! + (worker - 1) * dw.count
                for i in 0..<dw.count { pdw[i] += partial[i] }
            }
        } else {
            work(0)
        }
        return dw
    }

    /// Runs `work` over the images of the batch, split across workers that each call BLAS
    /// single-threaded; one worker leaves OpenBLAS its own threads.
    private static func runOverBatch(_ batch: Int, _ work: (Range<Int>) -> Void) {
        let workers = min(Threading.intraOpThreads, batch)
        if workers > 1 {
            let perWorker = (batch + workers - 1) / workers
            Threading.withSingleThreadedBLAS {
                Threading.parallelFor(batch, minimumChunk: perWorker) { work($0) }
            }
        } else if batch > 0 {
            work(0..<batch)
        }
    }

    /// The adjoint of ``im2col(_:channels:height:width:_:into:rowStride:)``: adds
    /// every column entry back into the image position it was read from; padding positions are
    /// dropped (and may be zeroed in `columns`, which is scratch to this function). Rows start
    /// `rowStride` elements apart (default: packed).
    static func col2im<T: FloatElement>(
        _ columns: UnsafeMutablePointer<T>, channels: Int, height: Int, width: Int, _ g: WindowGeometry,
        into input: UnsafeMutablePointer<T>, rowStride: Int? = nil
    ) {
        let oh = g.outputHeight, ow = g.outputWidth
        let rowStride = rowStride ?? oh * ow
        if ShiftedImage.applies(g, width: width) {
            let shifts = ShiftedImage.all(g, height: height, width: width)
            var row = columns
            for c in 0..<channels {
                let image = input + c * height * width
                for shift in shifts {
                    shift.add(row, into: image)
                    row += rowStride
                }
            }
            return
        }
        var row = UnsafePointer(columns)
        for c in 0..<channels {
            let image = input + c * height * width
            for kh in 0..<g.kernel.h {
                for kw in 0..<g.kernel.w {
                    let dy = kh * g.dilation.h - g.padTop, dx = kw * g.dilation.w - g.padLeft
                    let lo = dx >= 0 ? 0 : min(ow, (-dx + g.stride.w - 1) / g.stride.w)
                    let hi = max(lo, min(ow, width - dx > 0 ? (width - dx - 1) / g.stride.w + 1 : 0))
                    for y in 0..<oh {
                        let iy = y * g.stride.h + dy
                        if iy < 0 || iy >= height { continue }
                        let src = row + y * ow
                        let dst = image + iy * width + dx
                        if g.stride.w == 1 {
                            for xo in lo..<hi { dst[xo] += src[xo] }
                        } else {
                            for xo in lo..<hi { dst[xo * g.stride.w] += src[xo] }
                        }
                    }
                    row += rowStride
                }
            }
        }
    }
}

/// One (kh, kw) row of the column matrix when the window moves at stride 1 and the output is as wide
/// as the input (`same`-style padding): then the row is the image shifted by `dy` rows and `dx`
/// columns, so it moves as one flat block, with the positions that fall in padding (whole rows
/// above or below, and the `|dx|` columns that wrap around a row edge) zeroed afterwards. This
/// replaces a copy per output row, which dominates for small images.
struct ShiftedImage {
    /// Output positions per row and in all.
    let outputWidth: Int, outputCount: Int
    /// Output rows whose input row is inside the image.
    let validRows: Range<Int>
    /// Output columns whose input column is outside the image: `0..<-dx` or `ow-dx..<ow`.
    let wrappedColumns: Range<Int>
    /// Flat output positions moved as a block; input position = output position + `offset`.
    let block: Range<Int>
    let offset: Int

    /// Whether rows of this geometry are shifted images of an input `width` wide.
    static func applies(_ g: WindowGeometry, width: Int) -> Bool {
        g.stride == (1, 1) && g.outputWidth == width
    }

    /// The rows of every (kh, kw), in column-matrix order.
    static func all(_ g: WindowGeometry, height: Int, width: Int) -> [ShiftedImage] {
        (0..<g.kernel.h).flatMap { kh in
            (0..<g.kernel.w).map { kw in ShiftedImage(g, kh: kh, kw: kw, height: height, width: width) }
        }
    }

    init(_ g: WindowGeometry, kh: Int, kw: Int, height: Int, width: Int) {
        let dy = kh * g.dilation.h - g.padTop, dx = kw * g.dilation.w - g.padLeft
        let ow = g.outputWidth, oh = g.outputHeight
        outputWidth = ow
        outputCount = oh * ow
        let first = Swift.min(oh, Swift.max(0, -dy)), last = Swift.max(first, Swift.min(oh, height - dy))
        if abs(dx) >= width || first == last {
            validRows = 0..<0
            wrappedColumns = 0..<0
            block = 0..<0
        } else {
            validRows = first..<last
            wrappedColumns = dx < 0 ? 0..<(-dx) : (ow - dx)..<ow
            block = (first * ow + Swift.max(0, -dx))..<(last * ow - Swift.max(0, dx))
        }
        offset = dy * width + dx
    }

    /// Writes the row for `image` into `row` (im2col).
    @inline(__always)
    func copy<T: FloatElement>(from image: UnsafePointer<T>, to row: UnsafeMutablePointer<T>) {
        if block.isEmpty {
            row.update(repeating: 0, count: outputCount)
            return
        }
        // Most shifts have no padding rows above or below: skip those library calls.
        let top = validRows.lowerBound * outputWidth, bottom = validRows.upperBound * outputWidth
        if top > 0 { row.update(repeating: 0, count: top) }
        (row + block.lowerBound).update(from: image + block.lowerBound + offset, count: block.count)
        zeroWrappedColumns(row)
        if bottom < outputCount { (row + bottom).update(repeating: 0, count: outputCount - bottom) }
    }

    @inline(__always)
    private func zeroWrappedColumns<T: FloatElement>(_ row: UnsafeMutablePointer<T>) {
        let count = wrappedColumns.count
        if count == 0 { return }
        var position = row + validRows.lowerBound * outputWidth + wrappedColumns.lowerBound
        for _ in 0..<validRows.count {
            for x in 0..<count { position[x] = 0 }
            position += outputWidth
        }
    }

    /// Adds the row back into `image` at the positions it was read from (col2im); entries of `row`
    /// that fall in padding are dropped, and those inside the block are zeroed on the way.
    @inline(__always)
    func add<T: FloatElement>(_ row: UnsafeMutablePointer<T>, into image: UnsafeMutablePointer<T>) {
        if block.isEmpty { return }
        zeroWrappedColumns(row)
        let target = image + offset + block.lowerBound, source = row + block.lowerBound
        for i in 0..<block.count { target[i] += source[i] }
    }
}
