/// Errors of reading or writing the safetensors format.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The data ends before the 8-byte header length, the header, or a tensor's bytes.
    case truncated(String)
    /// The header is not the JSON object the format specifies.
    case invalidHeader(String)
    /// A tensor has a dtype Lumen cannot represent.
    case unsupportedDType(name: String, dtype: String)
    /// A tensor's byte range does not fit the data or does not match its dtype and shape.
    case invalidTensor(name: String, reason: String)
    /// A tensor name that the format reserves (`__metadata__`).
    case reservedName(String)

    public var description: String {
        switch self {
        case .truncated(let what): "safetensors data is truncated: \(what)"
        case .invalidHeader(let reason): "invalid safetensors header: \(reason)"
        case let .unsupportedDType(name, dtype): "tensor \(name) has dtype \(dtype), which Lumen does not support"
        case let .invalidTensor(name, reason): "tensor \(name): \(reason)"
        case .reservedName(let name): "\(name) is reserved by the safetensors format and cannot name a tensor"
        }
    }
}
