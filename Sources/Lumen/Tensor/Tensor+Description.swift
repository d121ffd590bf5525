import Foundation

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// Elements beyond which the middle of each dimension is elided, as NumPy and PyTorch do.
    static let summarizeThreshold = 1000
    /// Elements kept at each edge of an elided dimension.
    static let edgeItems = 3

    /// A PyTorch-style rendering: `tensor([[1.0000, 2.0000], [3.0000, 4.0000]])`, with the dtype
    /// named unless it is `float32` or `int64`, and the middle elided for big tensors.
    public var description: String {
        let values = doubles
        let summarize = values.count > Tensor.summarizeThreshold
        let format = ElementFormat(values: values, dtype: dtype)
        let prefix = "tensor("
        var body: String
        if shape.isEmpty {
            body = format.string(values.first ?? 0)
        } else {
            body = render(values, dimension: 0, offset: 0, indent: prefix.count, summarize: summarize, format: format)
        }
        if shape.contains(0) { body = "[]" }
        var suffix = ""
        if shape.contains(0) && shape.count > 1 {
            suffix += ", size=(\(shape.map(String.init).joined(separator: ", ")))"
        }
        if dtype != .float32 && dtype != .int64 && dtype != .bool { suffix += ", dtype=\(dtype)" }
        return prefix + body + suffix + ")"
    }

    public var debugDescription: String { "Tensor(shape: \(Shape.describe(shape)), dtype: \(dtype)) " + description }

    private func render(
        _ values: [Double], dimension: Int, offset: Int, indent: Int, summarize: Bool, format: ElementFormat
    ) -> String {
        let size = shape[dimension]
        let stride = Shape.elementCount(Array(shape[(dimension + 1)...]))
        let elide = summarize && size > 2 * Tensor.edgeItems
        let indices: [Int?] =
            elide
            ? Array(0..<Tensor.edgeItems) + [nil] + Array((size - Tensor.edgeItems)..<size)
            : Array(0..<size)
        if dimension == shape.count - 1 {
            let parts = indices.map { i in i.map { format.string(values[offset + $0]) } ?? "..." }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        let newlines = String(repeating: "\n", count: shape.count - dimension - 1)
        let pad = String(repeating: " ", count: indent + 1)
        let parts = indices.map { i -> String in
            guard let i else { return "..." }
            return render(
                values, dimension: dimension + 1, offset: offset + i * stride, indent: indent + 1,
                summarize: summarize, format: format)
        }
        return "[" + parts.joined(separator: "," + newlines + pad) + "]"
    }
}

/// How the elements of one tensor are printed: a common width, fixed or scientific notation.
private struct ElementFormat {
    let dtype: DType
    let scientific: Bool
    let integral: Bool
    let width: Int

    init(values: [Double], dtype: DType) {
        self.dtype = dtype
        let finite = values.filter { $0.isFinite }
        let magnitudes = finite.map(abs).filter { $0 > 0 }
        integral = dtype.isFloatingPoint && finite.allSatisfy { $0 == $0.rounded() } && (magnitudes.max() ?? 0) < 1e8
        if dtype.isFloatingPoint, let high = magnitudes.max(), let low = magnitudes.min() {
            scientific = high >= 1e8 || low < 1e-4 || high / low > 1e5
        } else {
            scientific = false
        }
        var w = 0
        for v in values { w = max(w, ElementFormat.raw(v, dtype, scientific, integral).count) }
        width = w
    }

    static func raw(_ v: Double, _ dtype: DType, _ scientific: Bool, _ integral: Bool) -> String {
        switch dtype {
        case .bool: return v != 0 ? "True" : "False"
        case .int32, .int64, .uint8: return String(Int64(v))
        case .float32, .float64:
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if scientific { return String(format: "%.4e", v) }
            if integral { return String(format: "%.0f.", v) }
            return String(format: "%.4f", v)
        }
    }

    func string(_ v: Double) -> String {
        let s = ElementFormat.raw(v, dtype, scientific, integral)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
