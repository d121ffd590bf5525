/// Max and average pooling over NCHW inputs and their gradients, parallel over the (image, channel)
/// planes. Windows never read padding.
enum Pooling {
    /// Max (`max`) or average pooling of `x` [N, C, H, W] into an output of `shape`; the average
    /// divides by the whole window clipped to the padded input when `includePad`, else by the real
    /// elements. Max pooling propagates NaN.
    static func forward(_ x: Tensor, geometry g: WindowGeometry, shape: [Int], max isMax: Bool, includePad: Bool)
        -> Tensor
    {
        switch x.dtype {
        case .float32: return forward(x, g, shape, isMax, includePad, Float.self)
        default: return forward(x, g, shape, isMax, includePad, Double.self)
        }
    }

    private static func forward<T: FloatElement>(
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

    /// Routes each output gradient to the position its window's maximum came from: the first maximum
    /// in row-major window order (as PyTorch does on ties), the first NaN if there is one, and the
    /// window's first element when every element is -inf.
    static func maxPoolGradient(input x: Tensor, outputGradient dy: Tensor, geometry g: WindowGeometry) -> Tensor {
        switch x.dtype {
        case .float32: return pool(x.shape, dy, g, Float.self, input: x, average: nil)
        default: return pool(x.shape, dy, g, Double.self, input: x, average: nil)
        }
    }

    /// Spreads each output gradient evenly over its window, divided by the forward divisor: the
    /// whole window clipped to the padded input when `countIncludePad`, else the real elements.
    static func avgPoolGradient(
        inputShape: [Int], outputGradient dy: Tensor, geometry g: WindowGeometry, countIncludePad: Bool
    ) -> Tensor {
        switch dy.dtype {
        case .float32: return pool(inputShape, dy, g, Float.self, input: nil, average: countIncludePad)
        default: return pool(inputShape, dy, g, Double.self, input: nil, average: countIncludePad)
        }
    }

    private static func pool<T: FloatElement>(
        _ shape: [Int], _ dy: Tensor, _ g: WindowGeometry, _: T.Type, input x: Tensor?, average includePad: Bool?
    ) -> Tensor {
        let dx = Tensor(uninitializedShape: shape, dtype: dy.dtype)
        let (height, width) = (shape[2], shape[3])
        let (oh, ow) = (dy.shape[2], dy.shape[3])
        let planes = shape[0] * shape[1]
        let pdy = dy.pointer(T.self), pdx = dx.pointer(T.self)
        let px = x?.pointer(T.self)
        if let px, g.isTwoByTwoTiling {
            Threading.parallelFor(planes, minimumChunk: max(1, (1 << 14) / max(height * width, 1))) { range in
                let tiles = MaxPoolTiles<T>(width: width, outputHeight: oh, outputWidth: ow)
                for p in range {
                    let out = pdx + p * height * width
                    out.update(repeating: 0, count: height * width)
                    tiles.backward(px + p * height * width, outputGradient: pdy + p * oh * ow, into: out)
                }
            }
            return dx
        }
        let work = max(oh * ow * g.kernel.h * g.kernel.w, height * width, 1)
        Threading.parallelFor(planes, minimumChunk: max(1, 4096 / work)) { range in
            for p in range {
                let grad = pdy + p * oh * ow, out = pdx + p * height * width
                out.update(repeating: 0, count: height * width)
                for y in 0..<oh {
                    let y0 = y * g.stride.h - g.padTop
                    let ys = Swift.max(y0, 0), ye = Swift.max(ys, Swift.min(y0 + g.kernel.h, height))
                    for xo in 0..<ow {
                        let x0 = xo * g.stride.w - g.padLeft
                        let xs = Swift.max(x0, 0), xe = Swift.max(xs, Swift.min(x0 + g.kernel.w, width))
                        if ys == ye || xs == xe { continue }
                        let gv = grad[y * ow + xo]
                        if let px {
                            let image = px + p * height * width
                            var bestIndex = ys * width + xs, best = -T.infinity
                            search: for iy in ys..<ye {
                                for ix in xs..<xe {
                                    let v = image[iy * width + ix]
                                    if v.isNaN { bestIndex = iy * width + ix; break search }
                                    if v > best { best = v; bestIndex = iy * width + ix }
                                }
                            }
                            out[bestIndex] += gv
                        } else {
                            let count: Int
                            if includePad == true {
                                let ph = Swift.min(y0 + g.kernel.h, height + g.padBottom) - y0
                                let pw = Swift.min(x0 + g.kernel.w, width + g.padRight) - x0
                                count = ph * pw
                            } else {
                                count = (ye - ys) * (xe - xs)
                            }
                            let share = gv / T(Swift.max(count, 1))
                            for iy in ys..<ye {
                                let row = out + iy * width
                                for ix in xs..<xe { row[ix] += share }
                            }
                        }
                    }
                }
            }
        }
        return dx
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
                let left = Self.larger(top[2 * x], bottom[2 * x]),
                    right = Self.larger(top[2 * x + 1], bottom[2 * x + 1])
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
