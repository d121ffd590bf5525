/// The element type of a ``Tensor``.
///
/// The names follow NumPy and PyTorch (`float32`, `int64`, …); ``tensorFlowName`` gives the name
/// TensorFlow prints in its messages (`float`, `double`, …).
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, int32, int64, uint8, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8, .bool: 1
        }
    }

    /// `true` for `float32` and `float64`.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// `true` for the integer types, `uint8` included.
    public var isInteger: Bool { self == .int32 || self == .int64 || self == .uint8 }

    /// `true` for every type arithmetic is defined on (all but `bool`).
    public var isNumeric: Bool { self != .bool }

    /// The name TensorFlow uses in its error messages.
    public var tensorFlowName: String {
        switch self {
        case .float32: "float"
        case .float64: "double"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .bool: "bool"
        }
    }

    public var description: String { rawValue }
}
