import Foundation
import LumenEvents
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What an event file is now, compared with the file that was opened.
public enum StoredFileState: Sendable, Equatable {
    /// Still the same file, now `size` bytes long.
    case present(size: Int64)
    /// Still the same file, and not written since the last look: the same size, modification and
    /// change times, which were already in the past then (so no write in the same clock tick can
    /// hide).
    /// Nothing new to read and nothing rewritten to look for.
    case unchanged
    /// Gone.
    case deleted
    /// Another file now has its name: not what was read so far followed by more.
    case replaced
}

/// A failure that may pass: the loader keeps what it read and tries again on the next pass.
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// One event file of a logdir, on disk or in an object store: its bytes (``ByteSource``, whose
/// `size` is as of the last ``state()``) and whether it is still the file that was opened.
public protocol StoredEventFile: ByteSource, Sendable {
    /// Where the file is: a path, or an `s3://` URL.
    var path: String { get }

    /// The file's state now.
    ///
    /// - Throws: ``StorageUnavailable`` when it can't be told now; another error if it can't be
    ///   read at all.
    func state() throws -> StoredFileState

    /// Gives back what the file holds open between passes (a local file's descriptor); the next
    /// read opens it again. The loader calls it after each pass over the file.
    func closeUntilNextRead()
}

extension StoredEventFile {
    public func closeUntilNextRead() {}
}

/// Where a logdir's files are: a directory on disk, or a prefix in an object store. The loader
/// works through this seam, so every kind of logdir is listed, tailed and checked the same way.
public protocol LogStorage: Sendable {
    /// Every run under `root`: its name relative to `root` (`.` for `root` itself) → its event
    /// files (files whose name contains `tfevents`), sorted by name.
    ///
    /// - Throws: ``StorageUnavailable`` or another error when `root` can't be listed now (a
    ///   missing local directory just has no runs).
    func discoverRuns(under root: String) throws -> [String: [String]]

    /// Opens one of the event files ``discoverRuns(under:)`` gave.
    func open(_ path: String) throws -> any StoredEventFile

    /// How many runs of this storage to load at once at least (more when there are more cores).
    var concurrentRuns: Int { get }
}

/// Logdirs on the local disk.
public struct LocalLogStorage: LogStorage {
    public init() {}

    public func discoverRuns(under root: String) -> [String: [String]] {
        RunDiscovery.discover(logdir: root)
    }

    public func open(_ path: String) throws -> any StoredEventFile {
        try LocalEventFile(path: path)
    }

    /// Local reads are bound by decoding: the loader's one worker per core is enough.
    public var concurrentRuns: Int { 1 }
}

/// An event file on disk, read with `pread` and checked with `stat`: replaced when the path names
/// another file (device and inode) than the one first opened.
///
/// The file is open only while a pass reads it: the first read of a pass opens it (and checks it
/// is still the same file), ``closeUntilNextRead()`` closes it. So a logdir of thousands of event
/// files never holds a descriptor for each, which would exhaust the process's limit (1,024 by
/// default), and then not only these files but connections and the runtime's own files fail.
public final class LocalEventFile: StoredEventFile {
    public let path: String
    private let identity: FileIdentity
    private let opened = Mutex<FileByteSource?>(nil)
    /// The size and times at the last ``state()``, if the file's last change was already more
    /// than ``settledSeconds`` old then.
    private let settled = Mutex<FileStamp?>(nil)
    /// How old a modification must be when it is seen for an unchanged stamp to prove the file
    /// unchanged: a file's times move in clock ticks (a few milliseconds on many file systems), so
    /// a write in the tick of a look could otherwise keep its stamp.
    static let settledSeconds: Int64 = 1

    /// Opens the file at `path` to learn which file it is, and closes it again.
    ///
    /// - Throws: ``FileByteSourceError`` if it can't be opened.
    public init(path: String) throws {
        let source = try FileByteSource(path: path)
        self.path = path
        self.identity = try source.identity
    }

    public var size: Int64 { get throws { try openedSource().size } }

    public func read(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        try openedSource().read(at: offset, maxLength: maxLength)
    }

    public func state() throws -> StoredFileState {
        var status = stat()
        if stat(path, &status) != 0 {
            if errno == ENOENT { return .deleted }
            throw FileByteSourceError.statusFailed(path: path, errno: errno)
        }
        if FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) != identity {
            return .replaced
        }
        let stamp = FileStamp(status)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        // The change time is the later one: setting the modification time back moves it.
        let isSettled = Int64(now.tv_sec) - Swift.max(stamp.modifiedSeconds, stamp.changedSeconds) > Self.settledSeconds
        return settled.withLock { last in
            defer { last = isSettled ? stamp : nil }
            return last == stamp ? .unchanged : .present(size: stamp.size)
        }
    }

    public func closeUntilNextRead() {
        opened.withLock { $0 = nil }
    }

    /// The file open for this pass, opened now if it isn't. A file that can't be opened again, or
    /// is another file now, is unavailable for this pass: the next pass's ``state()`` tells why.
    private func openedSource() throws -> FileByteSource {
        try opened.withLock { opened in
            if let opened { return opened }
            let source: FileByteSource
            do {
                source = try FileByteSource(path: path)
                guard try source.identity == identity else {
                    throw StorageUnavailable("\(path) was replaced while being read")
                }
            } catch let error as StorageUnavailable {
                throw error
            } catch {
                throw StorageUnavailable("\(error)")
            }
            opened = source
            return source
        }
    }
}

/// A file's size and its times of last modification and change, from `stat`: when they are equal
/// at two looks, the file was (almost surely) not written between them.
struct FileStamp: Sendable, Hashable {
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int
    var changedSeconds: Int64
    var changedNanoseconds: Int

    init(_ status: stat) {
        size = Int64(status.st_size)
        modifiedSeconds = Int64(status.st_mtim.tv_sec)
        modifiedNanoseconds = status.st_mtim.tv_nsec
        changedSeconds = Int64(status.st_ctim.tv_sec)
        changedNanoseconds = status.st_ctim.tv_nsec
    }

    /// The stamp of the file at `path` (symbolic links followed), or `nil` if there is none.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }
}

/// The storage of each kind of logdir: the local disk, and an object store for `s3://` URLs.
public struct LogStorages: Sendable {
    /// Local directories.
    public var local: any LogStorage
    /// `s3://` logdirs (`LumenBoardS3` configures one from the environment).
    public var s3: (any LogStorage)?

    public init(local: any LogStorage = LocalLogStorage(), s3: (any LogStorage)? = nil) {
        self.local = local
        self.s3 = s3
    }

    /// The storage of `path`.
    public func storage(for path: String) -> any LogStorage {
        guard Self.isObjectStore(path) else { return local }
        return s3
            ?? UnusableStorage(
                reason: StorageUnavailable(
                    "\(path): no S3 client is configured for s3:// logdirs (the board configures one from the environment)"
                ))
    }

    /// Whether `path` names a logdir in an object store (`s3://…`).
    public static func isObjectStore(_ path: String) -> Bool { path.hasPrefix("s3://") }

    /// Lists every `s3://` logdir of `spec` once, so a board started on a bucket it can't read
    /// stops with the reason.
    ///
    /// - Throws: The first listing's error.
    public func checkListing(_ spec: LogdirSpec) throws {
        for entry in spec.entries where Self.isObjectStore(entry.path) {
            _ = try storage(for: entry.path).discoverRuns(under: entry.path)
        }
    }
}

/// A storage that can't be used, for `s3://` logdirs when no client could be configured: every
/// listing fails with the reason, which `/api/status` shows.
public struct UnusableStorage: LogStorage {
    /// Why the storage can't be used.
    public var reason: any Error & Sendable

    public init(reason: any Error & Sendable) { self.reason = reason }

    public var concurrentRuns: Int { 1 }

    public func discoverRuns(under root: String) throws -> [String: [String]] { throw reason }

    public func open(_ path: String) throws -> any StoredEventFile { throw reason }
}
