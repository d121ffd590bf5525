import CZlib

/// A failure reported by zlib while compressing or decompressing.
public enum ZlibError: Error, Sendable, Equatable, CustomStringConvertible {
    /// zlib could not set up a stream; `code` is its result code.
    case initializationFailed(code: Int32)
    /// The compressed data is damaged; `message` is zlib's explanation, such as
    /// "incorrect header check" or "incorrect data check".
    case damagedData(message: String)
    /// zlib ran out of memory.
    case outOfMemory
    /// zlib returned a result this code does not expect.
    case unexpectedResult(code: Int32, message: String?)

    public var description: String {
        switch self {
        case let .initializationFailed(code):
            "zlib could not set up a stream (result \(code))"
        case let .damagedData(message):
            "the compressed data is damaged: \(message)"
        case .outOfMemory:
            "zlib ran out of memory"
        case let .unexpectedResult(code, message):
            "zlib returned the unexpected result \(code)" + (message.map { ": \($0)" } ?? "")
        }
    }

    /// The error for zlib result `code` on `stream`.
    init(code: Int32, stream: UnsafePointer<z_stream>) {
        let message = stream.pointee.msg.map { String(cString: $0) }
        switch code {
        case Z_DATA_ERROR:
            self = .damagedData(message: message ?? "invalid data")
        case Z_NEED_DICT:
            self = .damagedData(message: "the data asks for a preset dictionary, which gzip never uses")
        case Z_MEM_ERROR:
            self = .outOfMemory
        default:
            self = .unexpectedResult(code: code, message: message)
        }
    }
}
