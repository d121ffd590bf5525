#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of a file system call made by ``FileByteSource``.
public enum FileByteSourceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open` failed with this `errno`.
    case openFailed(path: String, errno: Int32)
    /// `fstat` failed with this `errno`.
    case statusFailed(path: String, errno: Int32)
    /// `pread` failed with this `errno`.
    case readFailed(path: String, offset: Int64, errno: Int32)

    public var description: String {
        switch self {
        case let .openFailed(path, code):
            "cannot open \(path): \(Self.message(for: code))"
        case let .statusFailed(path, code):
            "cannot get the size of \(path): \(Self.message(for: code))"
        case let .readFailed(path, offset, code):
            "cannot read \(path) at offset \(offset): \(Self.message(for: code))"
        }
    }

    private static func message(for code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
