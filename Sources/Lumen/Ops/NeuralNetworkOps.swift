import COpenBLAS
import RealModule

/// How a 2-D window (convolution or pool) slides over an NCHW input.
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

    /// Reads `strides`, `dilations`, `padding` (`VALID`, `SAME` or `EXPLICIT` with
    /// `explicit_paddings` = [top, bottom, left, right]) for an input of `height × width`.
    init(_ ctx: OpContext, _ attrs: Attributes, kernel: (Int, Int), height: Int, width: Int, dilated: Bool) throws {
        func pair(_ name: String, _ fallback: [Int]) throws -> (Int, Int) {
            let v = try attrs.ints(name, default: fallback, ctx)
            switch v.count {
            case 2: return (v[0], v[1])
            case 4: return (v[2], v[3])  // TensorFlow's NCHW form [1, 1, h, w]
            default: throw ctx.error("attribute '\(name)' must hold 2 (or 4) ints, got \(v)")
            }
        }
        self.kernel = kernel
        stride = try pair("strides", [1, 1])
        dilation = dilated ? try pair("dilations", [1, 1]) : (1, 1)
        guard stride.h > 0, stride.w > 0, dilation.h > 0, dilation.w > 0 else {
            throw ctx.error("strides and dilations must be positive")
        }
        let effectiveH = (kernel.0 - 1) * dilation.h + 1, effectiveW = (kernel.1 - 1) * dilation.w + 1
        switch try attrs.string("padding", default: "VALID", ctx).uppercased() {
        case "VALID": break
        case "SAME":
            let oh = (height + stride.h - 1) / stride.h, ow = (width + stride.w - 1) / stride.w
            let totalH = max((oh - 1) * stride.h + effectiveH - height, 0)
            let totalW = max((ow - 1) * stride.w + effectiveW - width, 0)
            (padTop, padBottom) = (totalH / 2, totalH - totalH / 2)
            (padLeft, padRight) = (totalW / 2, totalW - totalW / 2)
        case "EXPLICIT":
            let p = try attrs.ints("explicit_paddings", ctx)
            let q = p.count == 8 ? Array(p[4...]) : p  // TensorFlow's NCHW form lists all four dims
            guard q.count == 4, q.allSatisfy({ $0 >= 0 }) else {
                throw ctx.error("explicit_paddings must be [top, bottom, left, right], got \(p)")
            }
            (padTop, padBottom, padLeft, padRight) = (q[0], q[1], q[2], q[3])
        case let other:
            throw ctx.error("padding must be VALID, SAME or EXPLICIT, got \(other)")
        }
        if height >= 0 {
            outputHeight = (height + padTop + padBottom - effectiveH) / stride.h + 1
            guard height + padTop + padBottom >= effectiveH else {
                throw ctx.shapeError("the \(kernel.0)x\(kernel.1) window (dilated \(effectiveH)x\(effectiveW)) is larger than the padded input")
            }
        } else { outputHeight = -1 }
        if width >= 0 {
            outputWidth = (width + padLeft + padRight - effectiveW) / stride.w + 1
            guard width + padLeft + padRight >= effectiveW else {
                throw ctx.shapeError("the \(kernel.0)x\(kernel.1) window (dilated \(effectiveH)x\(effectiveW)) is larger than the padded input")
            }
        } else { outputWidth = -1 }
    }

    /// A 2×2 window with stride 2 and no padding: the windows tile the input without overlap.
    var isTwoByTwoTiling: Bool {
        kernel == (2, 2) && stride == (2, 2) && padTop + padBottom + padLeft + padRight == 0
    }

    var isPointwise: Bool {
        kernel == (1, 1) && stride == (1, 1) && padTop + padBottom + padLeft + padRight == 0
    }
}

/// `Conv2D` (NCHW input, OIHW filter, `strides`, `dilations`, `padding`, `groups`), `MaxPool`,
/// `AvgPool` (`ksize`, `strides`, `padding`, `count_include_pad`), `Softmax`, `LogSoftmax` (`axis`).
enum NeuralNetworkOps {
    static let definitions: [OpDefinition] = [
        OpDefinition("Conv2D", infer: { ctx, attrs in [try inferConv(ctx, attrs).0] }, compute: { call in
            let (spec, geometry, groups) = try inferConv(call.context, call.attributes)
            return [conv2d(call.inputs[0], call.inputs[1], geometry: geometry, groups: groups, shape: spec.shape)]
        }),
        OpDefinition("MaxPool", infer: { ctx, attrs in [try inferPool(ctx, attrs).0] }, compute: { call in
            let (spec, geometry) = try inferPool(call.context, call.attributes)
            return [pool(call.inputs[0], geometry: geometry, shape: spec.shape, max: true, includePad: false)]
        }),
        OpDefinition("AvgPool", infer: { ctx, attrs in [try inferPool(ctx, attrs).0] }, compute: { call in
            let (spec, geometry) = try inferPool(call.context, call.attributes)
            let include = try call.attributes.bool("count_include_pad", default: false, call.context)
            return [pool(call.inputs[0], geometry: geometry, shape: spec.shape, max: false, includePad: include)]
        }),
        OpDefinition("Softmax", infer: softmaxInfer, compute: { call in
            [softmax(call.inputs[0], axis: try call.context.axis(try call.attributes.int("axis", default: -1, call.context), rank: call.inputs[0].rank), log: false)]
        }),
        OpDefinition("LogSoftmax", infer: softmaxInfer, compute: { call in
            [softmax(call.inputs[0], axis: try call.context.axis(try call.attributes.int("axis", default: -1, call.context), rank: call.inputs[0].rank), log: true)]
        }),
    ]

    static let softmaxInfer: @Sendable (OpContext, Attributes) throws -> [TensorSpec] = { ctx, attrs in
        try ctx.expectInputs(1)
        let x = ctx.inputs[0]
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count >= 1 else { throw ctx.shapeError("Softmax needs at least rank 1") }
        _ = try ctx.axis(try attrs.int("axis", default: -1, ctx), rank: x.shape.count)
        return [x]
    }

    static func inferConv(_ ctx: OpContext, _ attrs: Attributes) throws -> (TensorSpec, WindowGeometry, Int) {
        try ctx.expectInputs(2)
        let x = ctx.inputs[0], w = ctx.inputs[1]
        guard x.dtype == w.dtype else { throw ctx.dtypeMismatch(x.dtype, w.dtype) }
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count == 4 else { throw ctx.shapeError("input must be rank 4 (NCHW) but is rank \(x.shape.count)") }
        guard w.shape.count == 4 else { throw ctx.shapeError("filter must be rank 4 (OIHW) but is rank \(w.shape.count)") }
        let groups = try attrs.int("groups", default: 1, ctx)
        guard groups >= 1 else { throw ctx.error("groups must be positive, got \(groups)") }
        let channels = x.shape[1], out = w.shape[0]
        if channels >= 0, w.shape[1] >= 0, channels != w.shape[1] * groups {
            throw ctx.dimensionsMustBeEqual(channels, w.shape[1] * groups)
        }
        if out >= 0, out % groups != 0 {
            throw ctx.shapeError("output channels \(out) are not divisible by groups \(groups)")
        }
        let g = try WindowGeometry(ctx, attrs, kernel: (w.shape[2], w.shape[3]), height: x.shape[2], width: x.shape[3], dilated: true)
        return (TensorSpec(dtype: x.dtype, shape: [x.shape[0], out, g.outputHeight, g.outputWidth]), g, groups)
    }

    static func inferPool(_ ctx: OpContext, _ attrs: Attributes) throws -> (TensorSpec, WindowGeometry) {
        try ctx.expectInputs(1)
        let x = ctx.inputs[0]
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count == 4 else { throw ctx.shapeError("input must be rank 4 (NCHW) but is rank \(x.shape.count)") }
        let k = try attrs.ints("ksize", ctx)
        let kernel: (Int, Int)
        switch k.count {
        case 2: kernel = (k[0], k[1])
        case 4: kernel = (k[2], k[3])
        default: throw ctx.error("attribute 'ksize' must hold 2 (or 4) ints, got \(k)")
        }
        guard kernel.0 > 0, kernel.1 > 0 else { throw ctx.error("ksize must be positive, got \(k)") }
        let g = try WindowGeometry(ctx, attrs, kernel: kernel, height: x.shape[2], width: x.shape[3], dilated: false)
        return (TensorSpec(dtype: x.dtype, shape: [x.shape[0], x.shape[1], g.outputHeight, g.outputWidth]), g)
    }

    // MARK: Convolution

    static func conv2d(_ x: Tensor, _ w: Tensor, geometry g: WindowGeometry, groups: Int, shape: [Int]) -> Tensor {
        switch x.dtype {
        case .float32: return conv2d(x, w, g, groups, shape, Float.self)
        default: return conv2d(x, w, g, groups, shape, Double.self)
        }
    }

    private static func conv2d<T: FloatElement>(
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
        if let lowering = BatchedConvolution<T>(inputShape: x.shape, outChannels: outChannels, groups: groups, geometry: g) {
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
                    LinearAlgebraOps.gemm(x.dtype, false, false, groupOut, plane, patch,
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

    // MARK: Pooling

    static func pool(_ x: Tensor, geometry g: WindowGeometry, shape: [Int], max isMax: Bool, includePad: Bool) -> Tensor {
        switch x.dtype {
        case .float32: return pool(x, g, shape, isMax, includePad, Float.self)
        default: return pool(x, g, shape, isMax, includePad, Double.self)
        }
    }

    private static func pool<T: FloatElement>(
        _ x: Tensor, _ g: WindowGeometry, _ shape: [Int], _ isMax: Bool, _ includePad: Bool, _: T.Type
    ) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        let (height, width) = (x.shape[2], x.shape[3])
        let (oh, ow) = (shape[2], shape[3])
        let planes = shape[0] * shape[1]
        let px = x.pointer(T.self), po = out.pointer(T.self)
        if isMax && g.isTwoByTwoTiling {
            Threading.parallelFor(planes, minimumChunk: max(1, (1 << 14) / max(height * width, 1))) { range in
                for p in range {
                    MaxPoolTiles<T>(width: width, outputHeight: oh, outputWidth: ow)
                        .forward(px + p * height * width, into: po + p * oh * ow)
                }
            }
            return out
        }
        Threading.parallelFor(planes, minimumChunk: max(1, 4096 / max(oh * ow * g.kernel.h * g.kernel.w, 1))) { range in
            for p in range {
                let image = px + p * height * width, dst = po + p * oh * ow
                for y in 0..<oh {
                    let y0 = y * g.stride.h - g.padTop
                    let ys = Swift.max(y0, 0), ye = Swift.min(y0 + g.kernel.h, height)
                    for xo in 0..<ow {
                        let x0 = xo * g.stride.w - g.padLeft
                        let xs = Swift.max(x0, 0), xe = Swift.min(x0 + g.kernel.w, width)
                        if isMax {
                            var best = -T.infinity
                            for iy in ys..<Swift.max(ys, ye) {
                                for ix in xs..<Swift.max(xs, xe) {
                                    let v = image[iy * width + ix]
                                    if v > best || v.isNaN { best = v }
                                    if best.isNaN { break }
                                }
                            }
                            dst[y * ow + xo] = best
                        } else {
                            var sum: T = 0
                            for iy in ys..<Swift.max(ys, ye) {
                                for ix in xs..<Swift.max(xs, xe) { sum += image[iy * width + ix] }
                            }
                            let count: Int
                            if includePad {
                                let ph = Swift.min(y0 + g.kernel.h, height + g.padBottom) - y0
                                let pw = Swift.min(x0 + g.kernel.w, width + g.padRight) - x0
                                count = ph * pw
                            } else {
                                count = Swift.max(ye - ys, 0) * Swift.max(xe - xs, 0)
                            }
                            dst[y * ow + xo] = sum / T(Swift.max(count, 1))
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: Softmax

    static func softmax(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        switch x.dtype {
        case .float32: return softmax(x, axis, log, Float.self)
        default: return softmax(x, axis, log, Double.self)
        }
    }

    private static func softmax<T: FloatElement>(_ x: Tensor, _ axis: Int, _ log: Bool, _: T.Type) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let n = x.shape[axis]
        let inner = Shape.elementCount(Array(x.shape[(axis + 1)...]))
        let outer = Shape.elementCount(Array(x.shape[..<axis]))
        let px = x.pointer(T.self), po = out.pointer(T.self)
        if x.count == 0 { return out }
        Threading.parallelFor(outer * inner, minimumChunk: max(1, (1 << 14) / max(n, 1))) { range in
            for lane in range {
                let o = lane / inner, i = lane % inner
                let src = px + o * n * inner + i, dst = po + o * n * inner + i
                var peak = -T.infinity
                for k in 0..<n { peak = Swift.max(peak, src[k * inner]) }
                if !peak.isFinite { peak = 0 }
                var total: T = 0
                for k in 0..<n {
                    let e = T.exp(src[k * inner] - peak)
                    total += e
                    if !log { dst[k * inner] = e }
                }
                if log {
                    // (x - peak) - log(total): folding peak into the shift first loses precision when |peak| is large.
                    let logTotal = T.log(total)
                    for k in 0..<n { dst[k * inner] = (src[k * inner] - peak) - logTotal }
                } else {
                    let scale = 1 / total
                    for k in 0..<n { dst[k * inner] *= scale }
                }
            }
        }
        return out
    }
}

/// Max pooling of one plane with 2×2 windows at stride 2 and no padding, the common case, without
/// the general kernel's window clipping. NaN propagates, and ties and NaNs route the gradient to the
/// first one in row-major window order, as the general kernels do.
struct MaxPoolTiles<T: FloatElement> {
    /// The input plane's width.
    let width: Int
    let outputHeight: Int, outputWidth: Int

    /// The larger of `a` and `b`, or `b` when it is NaN (so NaN, once taken, stays).
    @inline(__always)
    private static func larger(_ a: T, _ b: T) -> T { (b > a || b != b) ? b : a }

    /// Writes each window's maximum.
    @inline(__always)
    func forward(_ image: UnsafePointer<T>, into output: UnsafeMutablePointer<T>) {
        for y in 0..<outputHeight {
            let top = image + 2 * y * width, bottom = top + width, row = output + y * outputWidth
            for x in 0..<outputWidth {
                let left = Self.larger(top[2 * x], bottom[2 * x]), right = Self.larger(top[2 * x + 1], bottom[2 * x + 1])
                // Row-major order is top-left, top-right, bottom-left, bottom-right; for the value
                // (not the position) only NaN-ness matters, and NaN wins either way.
                row[x] = Self.larger(left, right)
            }
        }
    }

    /// Adds each output gradient at the position its window's maximum came from; `gradient` must be
    /// zeroed first.
    @inline(__always)
    func backward(_ image: UnsafePointer<T>, outputGradient: UnsafePointer<T>, into gradient: UnsafeMutablePointer<T>) {
        for y in 0..<outputHeight {
            for x in 0..<outputWidth {
                let corner = 2 * y * width + 2 * x
                var index = corner, best = image[corner]
                @inline(__always) func consider(_ position: Int) {
                    let v = image[position]
                    if best == best && (v > best || v != v) { best = v; index = position }
                }
                consider(corner + 1)
                consider(corner + width)
                consider(corner + width + 1)
                gradient[index] += outputGradient[y * outputWidth + x]
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
