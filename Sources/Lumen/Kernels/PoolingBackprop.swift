/// The gradients of `MaxPool` and `AvgPool` over NCHW inputs, parallel over the (image, channel)
/// planes. Windows are the forward kernel's: padding is never read.
enum PoolingBackprop {
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
    static func avgPoolGradient(inputShape: [Int], outputGradient dy: Tensor, geometry g: WindowGeometry, countIncludePad: Bool) -> Tensor {
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
