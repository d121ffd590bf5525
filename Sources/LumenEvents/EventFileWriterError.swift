#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of an ``EventFileWriter``: the log directory or file could not be created, written
/// or synced, or the file was removed while it was being written.
public enum EventFileWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The log directory could not be created; `errno` says why.
    case cannotCreateDirectory(path: String, errno: Int32)
    /// The event file could not be created or opened; `errno` says why.
    case cannotOpenFile(path: String, errno: Int32)
    /// Writing to the event file failed (for example `ENOSPC`: the disk is full).
    case writeFailed(path: String, errno: Int32)
    /// `fsync` of the event file failed.
    case syncFailed(path: String, errno: Int32)
    /// The event file no longer exists: it, or its log directory, was deleted while being written.
    case fileRemoved(path: String)
    /// zlib failed while compressing.
    case compressionFailed(ZlibError)
    /// A summary handed to the writer as serialized bytes does not parse.
    case invalidSummary(String)

    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, code):
            "cannot create the log directory \(path): \(Self.message(for: code))"
        case let .cannotOpenFile(path, code):
            "cannot create the event file \(path): \(Self.message(for: code))"
        case let .writeFailed(path, code):
            "cannot write the event file \(path): \(Self.message(for: code)); the file ends at its last complete "
                + "record, and the events not written are kept and written again on the next flush"
        case let .syncFailed(path, code):
            "cannot sync the event file \(path) to disk: \(Self.message(for: code))"
        case let .fileRemoved(path):
            "the event file \(path) was deleted while being written (was its log directory removed?); events after this are dropped"
        case let .compressionFailed(error):
            "cannot compress events: \(error)"
        case let .invalidSummary(reason):
            "the serialized summary does not parse: \(reason)"
        }
    }

    /// Whether the writer tries again after this error (a failed write), rather than dropping
    /// the events that follow.
    var isRetried: Bool {
        if case .writeFailed = self { return true }
        return false
    }

    private static func message(for code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
