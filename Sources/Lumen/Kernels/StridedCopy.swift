#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one data-movement primitive behind the shape ops: copies an n-d block of elements between
/// arbitrary element strides. It only looks at element sizes, so it serves every dtype.
enum StridedCopy {
    /// Copies `shape` elements of `elementSize` bytes from `source` (strides `sourceStrides`) to
    /// `destination` (strides `destinationStrides`). Strides are in elements and may be 0 or negative.
    static func copy(
        shape: [Int], elementSize: Int,
        from source: UnsafeRawPointer, sourceStrides: [Int],
        to destination: UnsafeMutableRawPointer, destinationStrides: [Int]
    ) {
        let total = Shape.elementCount(shape)
        if total == 0 { return }
        // Collapse: drop size-1 dims, merge neighbours contiguous in both.
        var dims: [Int] = [], ss: [Int] = [], ds: [Int] = []
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = dims.last, ss.last! == sourceStrides[i] * shape[i],
                ds.last! == destinationStrides[i] * shape[i]
            {
                dims[dims.count - 1] = last * shape[i]
                ss[ss.count - 1] = sourceStrides[i]
                ds[ds.count - 1] = destinationStrides[i]
            } else {
                dims.append(shape[i]); ss.append(sourceStrides[i]); ds.append(destinationStrides[i])
            }
        }
        if dims.isEmpty { dims = [1]; ss = [1]; ds = [1] }
        let inner = dims.last!, si = ss.last!, di = ds.last!
        let rows = total / inner
        let outerDims = Array(dims.dropLast()), outerSS = Array(ss.dropLast()), outerDS = Array(ds.dropLast())
        nonisolated(unsafe) let src = source, dst = destination
        Threading.parallelFor(rows, minimumChunk: max(1, (1 << 16) / max(inner, 1))) { range in
            for row in range {
                var r = row, so = 0, dO = 0
                var d = outerDims.count - 1
                while d >= 0 {
                    let i = r % outerDims[d]
                    r /= outerDims[d]
                    so += i * outerSS[d]
                    dO += i * outerDS[d]
                    d -= 1
                }
                let s = src + so * elementSize, t = dst + dO * elementSize
                if si == 1 && di == 1 {
                    memcpy(t, s, inner * elementSize)
                    continue
                }
                switch elementSize {
                case 1: run(UInt8.self, s, si, t, di, inner)
                case 4: run(UInt32.self, s, si, t, di, inner)
                default: run(UInt64.self, s, si, t, di, inner)
                }
            }
        }
    }

    @inline(__always)
    private static func run<T>(
        _: T.Type, _ s: UnsafeRawPointer, _ si: Int, _ t: UnsafeMutableRawPointer, _ di: Int, _ n: Int
    ) {
        let sp = s.assumingMemoryBound(to: T.self), tp = t.assumingMemoryBound(to: T.self)
        if si == 0 {
            let v = sp[0]
            for i in 0..<n { tp[i * di] = v }
        } else {
            for i in 0..<n { tp[i * di] = sp[i * si] }
        }
    }

    /// Fills `count` elements with the bytes of `value` (an element of `elementSize` bytes).
    static func fill(_ destination: UnsafeMutableRawPointer, count: Int, elementSize: Int, with value: UInt64) {
        switch elementSize {
        case 1: destination.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: value), count: count)
        case 4:
            destination.initializeMemory(as: UInt32.self, repeating: UInt32(truncatingIfNeeded: value), count: count)
        default: destination.initializeMemory(as: UInt64.self, repeating: value, count: count)
        }
    }
}

extension Tensor {
    /// The element bit pattern of `value` converted to `dtype`, for fills.
    static func bitPattern(of value: Double, as dtype: DType) -> UInt64 {
        switch dtype {
        case .float32: UInt64(Float(value).bitPattern)
        case .float64: value.bitPattern
        case .int32: UInt64(UInt32(bitPattern: Int32(converting: value)))
        case .int64: UInt64(bitPattern: Int64(converting: value))
        case .uint8: UInt64(UInt8(converting: value))
        case .bool: value != 0 ? 1 : 0
        }
    }
}
