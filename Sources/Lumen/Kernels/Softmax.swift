import RealModule

/// Softmax and log-softmax along one axis, each lane (the elements along the axis at one position of
/// the others) shifted by its maximum before `exp`, lanes in parallel.
enum SoftmaxKernel {
    /// Softmax (or log-softmax when `log`) of `x` along `axis`.
    static func forward(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        switch x.dtype {
        case .float32: return forward(x, axis, log, Float.self)
        default: return forward(x, axis, log, Double.self)
        }
    }

    private static func forward<T: FloatElement>(_ x: Tensor, _ axis: Int, _ log: Bool, _: T.Type) -> Tensor {
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
