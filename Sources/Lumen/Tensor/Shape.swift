/// Helpers for shapes, written as `[Int]` (row-major; `-1` marks an unknown dimension in graph mode).
public enum Shape {
    /// The marker for a dimension that is not known until run time.
    public static let unknown = -1

    /// The product of the dimensions (1 for a scalar).
    @inline(__always)
    public static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// Row-major strides in elements.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= shape[i]
        }
        return strides
    }

    /// TensorFlow's way of printing a shape: `[?,256]`.
    /// Whether a static shape (unknown dimensions, -1, allowed) admits the concrete `shape`.
    static func matches(_ spec: [Int], _ shape: [Int]) -> Bool {
        spec.count == shape.count && zip(spec, shape).allSatisfy { $0 < 0 || $0 == $1 }
    }

    public static func describe(_ shape: [Int]) -> String {
        "[" + shape.map { $0 < 0 ? "?" : String($0) }.joined(separator: ",") + "]"
    }

    /// `true` when every dimension is known.
    public static func isFullyDefined(_ shape: [Int]) -> Bool { !shape.contains { $0 < 0 } }

    /// The NumPy broadcast of two shapes, or `nil` when they are incompatible.
    /// Unknown dimensions (-1) broadcast against anything.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else if db == 1 {
                result[i] = da
            } else if da < 0 {
                result[i] = db
            } else if db < 0 {
                result[i] = da
            } else {
                return nil
            }
        }
        return result
    }

    /// Normalizes a possibly negative axis; `nil` when it is out of range.
    public static func normalize(axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<max(rank, 0)).contains(a) ? a : nil
    }
}
