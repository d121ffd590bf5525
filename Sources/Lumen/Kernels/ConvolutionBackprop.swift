import COpenBLAS

/// The two gradients of `Conv2D` (NCHW input, OIHW filter): with respect to the input (a GEMM per
/// image and group, then col2im, which scatters the columns back into the image) and with respect to
/// the filter (im2col, then a GEMM per image and group accumulated over the batch). Both run the
/// images of the batch in parallel, as the forward kernel does, with OpenBLAS single-threaded inside
/// that region. Batches whose column matrix fits take ``BatchedConvolution``'s one product instead.
enum ConvolutionBackprop {
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
        if let lowering = BatchedConvolution<T>(inputShape: shape, outChannels: outChannels, groups: groups, geometry: g) {
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
                        LinearAlgebraOps.gemm(dy.dtype, true, false, patch, plane, groupOut, filter, gradient, columns)
                        image.update(repeating: 0, count: groupChannels * height * width)
                        col2im(columns, channels: groupChannels, height: height, width: width, g, into: image)
                    } else {
                        LinearAlgebraOps.gemm(dy.dtype, true, false, patch, plane, groupOut, filter, gradient, image)
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
        if let lowering = BatchedConvolution<T>(inputShape: x.shape, outChannels: outChannels, groups: groups, geometry: g) {
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
                        NeuralNetworkOps.im2col(image, channels: groupChannels, height: height, width: width, g, into: columns)
                        matrix = UnsafePointer(columns)
                    } else {
                        matrix = UnsafePointer(image)
                    }
                    // dW_g [groupOut × patch] += dY_g [groupOut × plane] · colsᵀ [plane × patch].
                    gemmAccumulate(groupOut, patch, plane, pdy + (n * outChannels + group * groupOut) * plane,
                                   transposeB: true, matrix, target + group * groupOut * patch)
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

    /// C[m×n] += A[m×k] · op(B), row-major; op(B) = Bᵀ when `transposeB` (B stored [n×k]).
    private static func gemmAccumulate<T: FloatElement>(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<T>, transposeB: Bool, _ b: UnsafePointer<T>,
        _ c: UnsafeMutablePointer<T>
    ) {
        if m == 0 || n == 0 || k == 0 { return }
        let tb = transposeB ? CblasTrans : CblasNoTrans
        let ldb = Int32(transposeB ? k : n)
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(k),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                        1, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(n))
        } else {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(k),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                        1, UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(n))
        }
    }

    /// The adjoint of ``NeuralNetworkOps/im2col(_:channels:height:width:_:into:rowStride:)``: adds
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
