import Foundation
import SwiftProtobuf
import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
private func writeDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// Writes events to one tfevents file, on a background thread.
///
/// Callers serialize and frame each event on their own thread and append it to a bounded
/// in-memory buffer; a dedicated writer thread compresses the buffer and writes it to the file.
/// Callers wait for the disk only when the buffer is full (``maxQueue`` events or 16 MiB).
///
/// The file is gzip-compressed by default: the TFRecord stream inside gzip, where every flush ends
/// a gzip member, so the file is valid up to its last flush even if the process is killed.
/// ``Compression/none`` writes the plain TFRecord file that stock TensorBoard reads. The writer
/// flushes on its own every ``flushInterval`` seconds, which bounds what a crash can lose.
///
/// The first event of the file carries ``EventFileFormat/fileVersion``.
///
/// I/O errors never crash the writer; they are kept in ``lastError`` and thrown from ``flush()``
/// and ``close()``. When a write fails (a full disk, a file size limit), the file is cut back to
/// its last complete record, so it stays valid, and the bytes not written are kept and written
/// again on every flush until that succeeds: writing resumes by itself once there is space, and
/// ``lastError`` is cleared. While it fails, at most 16 MiB wait in memory; events beyond that
/// are dropped and counted in ``droppedEventCount``. After other errors (the file was deleted,
/// compression failed) events are dropped.
///
/// ```swift
/// let writer = try EventFileWriter(logdir: "runs/exp1")
/// writer.writeScalar(tag: "loss", value: 0.25, step: 1)
/// try writer.close()
/// ```
public final class EventFileWriter: Sendable {
    /// How an event file is stored.
    public enum Compression: Sendable, Hashable {
        /// The TFRecord stream inside gzip, one member per flush; file names end in `.gz`.
        case gzip
        /// Plain TFRecord, as TensorBoard and TensorFlow write it.
        case none
    }

    /// The deflate level of gzip event files: 1, zlib's fastest. On scalar event streams it
    /// compresses as well as zlib's default level 6 (12.5 against 12.6 bytes a scalar in
    /// `lumen-bench --only summary`) at three times the speed, because what deflate can't shrink
    /// there (CRCs, float values, the low bytes of wall times) doesn't depend on the level.
    public static let gzipLevel = 1

    /// The path of the event file.
    public let path: String

    /// How the file is stored.
    public let compression: Compression

    /// Seconds between automatic flushes.
    public let flushInterval: Double

    /// How many events may wait in memory before a caller waits for the writer thread.
    public let maxQueue: Int

    private let state: EventFileWriterState

    /// Creates a new event file in `logdir` (created if missing), named
    /// `events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix>`, plus `.gz` when compressed,
    /// and writes its `file_version` event.
    ///
    /// - Parameters:
    ///   - logdir: The directory of the run.
    ///   - compression: ``Compression/gzip`` (the default) or ``Compression/none``.
    ///   - flushInterval: Seconds between automatic flushes.
    ///   - maxQueue: How many events may wait in memory before callers wait for the disk.
    ///   - filenameSuffix: Appended to the file name (before `.gz`).
    /// - Throws: ``EventFileWriterError/cannotCreateDirectory(path:errno:)`` or
    ///   ``EventFileWriterError/cannotOpenFile(path:errno:)``.
    public convenience init(
        logdir: String,
        compression: Compression = .gzip,
        flushInterval: Double = 2,
        maxQueue: Int = 1024,
        filenameSuffix: String = ""
    ) throws {
        try Self.createDirectory(logdir)
        let name = Self.fileName(compression: compression, suffix: filenameSuffix)
        let path = logdir.hasSuffix("/") ? logdir + name : logdir + "/" + name
        try self.init(path: path, compression: compression, flushInterval: flushInterval, maxQueue: maxQueue)
    }

    /// Creates (or appends to) the event file at exactly `path` and writes its `file_version` event.
    ///
    /// - Throws: ``EventFileWriterError/cannotOpenFile(path:errno:)``.
    public init(path: String, compression: Compression = .gzip, flushInterval: Double = 2, maxQueue: Int = 1024) throws
    {
        precondition(flushInterval > 0, "the flush interval must be positive, not \(flushInterval)")
        precondition(maxQueue > 0, "maxQueue must be positive, not \(maxQueue)")
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw EventFileWriterError.cannotOpenFile(path: path, errno: errno) }
        let gzip: GzipMemberWriter?
        do {
            gzip = compression == .gzip ? try GzipMemberWriter(level: Self.gzipLevel) : nil
        } catch let error as ZlibError {
            closeDescriptor(descriptor)
            throw EventFileWriterError.compressionFailed(error)
        }
        self.path = path
        self.compression = compression
        self.flushInterval = flushInterval
        self.maxQueue = maxQueue
        self.state = EventFileWriterState(
            path: path, descriptor: descriptor, gzip: gzip, flushInterval: flushInterval, maxQueue: maxQueue)
        var header = Event()
        header.wallTime = Self.now()
        header.fileVersion = EventFileFormat.fileVersion
        write(header)
        let state = self.state
        let thread = Thread { state.run() }
        thread.name = "lumen.event-file-writer"
        thread.start()
        // The file holds a valid header as soon as the writer exists.
        try? flush(sync: false)
    }

    deinit {
        try? close()
    }

    /// The writer's I/O error, if any: the last write's failure until a later write succeeds, or
    /// the failure (a deleted file, compression) after which events are dropped.
    public var lastError: EventFileWriterError? { state.currentError }

    /// Events dropped because writing failed for longer than the memory kept for them allows
    /// (16 MiB of events), or after an error writing can't recover from.
    public var droppedEventCount: Int { state.droppedEventCount }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { state.isClosing }

    /// Seconds since 1970, the clock of `wall_time`.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    // MARK: Writing

    /// Queues `event`. Returns at once unless the queue is full. Ignored after ``close()``.
    public func write(_ event: Event) {
        do {
            let bytes: [UInt8] = try event.serializedBytes()
            writeSerializedEvent(bytes)
        } catch {
            // An Event built in Swift always serializes; only a missing required field could fail.
            state.record(.invalidSummary("cannot serialize the event: \(error)"))
        }
    }

    /// Queues one already serialized `Event` message.
    public func writeSerializedEvent(_ bytes: [UInt8]) {
        var framed: [UInt8] = []
        framed.reserveCapacity(TFRecordFrame.frameLength(dataLength: bytes.count))
        TFRecordFrame.append(bytes, to: &framed)
        state.append(framed: framed)
    }

    /// Queues a scalar event (`simple_value`, a 32-bit float, as TensorBoard's loaders expect),
    /// encoded without building an ``Event`` message.
    ///
    /// - Parameter wallTime: Seconds since 1970; now when `nil`.
    public func writeScalar(tag: String, value: Float, step: Int64, wallTime: Double? = nil) {
        let event = EventEncoding.scalarEvent(tag: tag, value: value, step: step, wallTime: wallTime ?? Self.now())
        writeSerializedEvent(event)
    }

    /// Queues an event holding `summary` at `step`.
    ///
    /// - Parameter wallTime: Seconds since 1970; now when `nil`.
    public func write(_ summary: Summary, step: Int64, wallTime: Double? = nil) {
        var event = Event()
        event.wallTime = wallTime ?? Self.now()
        event.step = step
        event.summary = summary
        write(event)
    }

    /// Writes every queued event (and any a failed write left) to the file and syncs it, returning
    /// when the bytes are on disk.
    ///
    /// - Throws: The writer's ``lastError`` if the write failed (the events stay queued for the
    ///   next flush) or an earlier error stopped the writer.
    public func flush() throws {
        try flush(sync: true)
    }

    /// Flushes and closes the file; the writer thread ends. Later writes are ignored; closing
    /// again does nothing.
    ///
    /// - Throws: The writer's ``lastError``, if it met one; events the last write could not put on
    ///   disk are then lost, and the file ends at its last complete record.
    public func close() throws {
        try state.close()
    }

    private func flush(sync: Bool) throws {
        try state.flush(sync: sync)
    }

    // MARK: File names

    private static let fileCounter = Atomic<Int>(0)

    /// `events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n><suffix>[.gz]`.
    static func fileName(compression: Compression, suffix: String) -> String {
        let seconds = Int(now())
        let counter = fileCounter.add(1, ordering: .relaxed).oldValue
        var host = [CChar](repeating: 0, count: 256)
        let hostName =
            gethostname(&host, host.count) == 0
            ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let secondsText = String(seconds)
        let padded = String(repeating: "0", count: max(0, 10 - secondsText.count)) + secondsText
        let name = "events.out.tfevents.\(padded).\(hostName).\(getpid()).\(counter)\(suffix)"
        return compression == .gzip ? name + ".gz" : name
    }

    /// `mkdir -p`, with the failing `errno`.
    static func createDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 {
                let code = errno
                var status = stat()
                if !(code == EEXIST && stat(prefix, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR) {
                    throw EventFileWriterError.cannotCreateDirectory(path: path, errno: code == EEXIST ? ENOTDIR : code)
                }
            }
            prefix += "/"
        }
    }
}

/// The state an ``EventFileWriter`` shares with its writer thread.
///
/// `@unchecked Sendable`: every mutable property below `condition` is read and written only while
/// `condition` is locked; `descriptor`, `gzip` and `memberOpen` belong to the writer thread alone
/// (and to `close()` after that thread has ended).
final class EventFileWriterState: @unchecked Sendable {
    let path: String
    let flushInterval: Double
    let maxQueue: Int
    /// Bytes that make callers wait for the writer thread.
    let maxQueueBytes = 16 << 20

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [UInt8] = []
    private var pendingCount = 0
    private var flushRequests: UInt64 = 0
    private var syncRequests: UInt64 = 0
    private var flushesDone: UInt64 = 0
    private var closing = false
    private var finished = false
    private var error: EventFileWriterError?
    private var dropped = 0

    // Owned by the writer thread.
    private let descriptor: Int32
    private let gzip: GzipMemberWriter?
    private var memberOpen = false
    private var descriptorClosed = false
    /// The file's length up to its last complete record written.
    private var committed: Int64
    /// Whole records (or whole gzip members) a failed write left, first in line for the next.
    private var unwritten: [UInt8] = []
    /// Events in `unwritten`, and in the gzip member being built.
    private var unwrittenEvents = 0
    private var memberEvents = 0

    init(path: String, descriptor: Int32, gzip: GzipMemberWriter?, flushInterval: Double, maxQueue: Int) {
        self.path = path
        self.descriptor = descriptor
        self.gzip = gzip
        self.flushInterval = flushInterval
        self.maxQueue = maxQueue
        var status = stat()
        committed = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
    }

    var droppedEventCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    var currentError: EventFileWriterError? {
        condition.lock()
        defer { condition.unlock() }
        return error
    }

    var isClosing: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closing
    }

    func record(_ newError: EventFileWriterError) {
        condition.lock()
        if error == nil { error = newError }
        condition.unlock()
    }

    /// Appends one framed record, waiting while the queue is full.
    func append(framed: [UInt8]) {
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { return }
        while (pendingCount >= maxQueue || pending.count >= maxQueueBytes) && !finished {
            condition.broadcast()
            condition.wait()
        }
        guard !finished else { return }
        let wasEmpty = pendingCount == 0
        pending.append(contentsOf: framed)
        pendingCount += 1
        // Wake the writer for the first event after a quiet spell (to schedule its timed flush) and
        // when half the queue is used (to write while callers keep filling the other half).
        if wasEmpty || pendingCount == maxQueue / 2 || pending.count >= maxQueueBytes / 2 {
            condition.broadcast()
        }
    }

    func flush(sync: Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        if !finished {
            flushRequests += 1
            if sync { syncRequests = flushRequests }
            let ticket = flushRequests
            condition.broadcast()
            while flushesDone < ticket && !finished {
                condition.wait()
            }
        }
        if let error { throw error }
    }

    func close() throws {
        condition.lock()
        defer { condition.unlock() }
        if !closing {
            closing = true
            condition.broadcast()
        }
        while !finished {
            condition.wait()
        }
        if let error { throw error }
    }

    /// The writer thread's loop.
    func run() {
        var work: [UInt8] = []
        var lastFlush = EventFileWriter.now()
        condition.lock()
        while true {
            // Wait for something to do.
            while true {
                if closing || flushRequests > flushesDone { break }
                if pendingCount >= maxQueue / 2 || pending.count >= maxQueueBytes / 2 { break }
                let hasData = pendingCount > 0 || memberOpen || !unwritten.isEmpty
                let deadline = lastFlush + flushInterval
                if hasData && EventFileWriter.now() >= deadline { break }
                if hasData {
                    _ = condition.wait(until: Date(timeIntervalSince1970: deadline))
                } else {
                    condition.wait()
                }
            }
            swap(&work, &pending)
            let events = pendingCount
            pendingCount = 0
            let ticket = flushRequests
            let sync = syncRequests > flushesDone || closing
            let isClosing = closing
            let flushDue = isClosing || ticket > flushesDone || EventFileWriter.now() >= lastFlush + flushInterval
            // A failed write is tried again; after any other error, events are dropped.
            let stopped = error.map { !$0.isRetried } ?? false
            // Callers waiting for room may go on.
            condition.broadcast()
            condition.unlock()

            var newError: EventFileWriterError?
            var lost = 0
            if stopped {
                lost = events
            } else {
                (newError, lost) = writeOut(work, events: events, endingMember: flushDue, sync: sync)
            }
            work.removeAll(keepingCapacity: true)
            if flushDue { lastFlush = EventFileWriter.now() }

            condition.lock()
            dropped += lost
            if !stopped {
                // The round's outcome: a failure, or (when everything is written) none.
                if let newError {
                    if error == nil || error?.isRetried == true { error = newError }
                } else if error?.isRetried == true, unwritten.isEmpty {
                    error = nil
                }
            }
            flushesDone = ticket
            if isClosing && pendingCount == 0 {
                // What the last write could not put on disk is lost with the descriptor.
                dropped += unwrittenEvents
                unwrittenEvents = 0
                if !descriptorClosed {
                    closeDescriptor(descriptor)
                    descriptorClosed = true
                }
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.broadcast()
        }
    }

    /// Writes `bytes` (`events` framed records); with gzip, compresses them into the current
    /// member, which is written when `endingMember` ends it (a flush). Syncs when asked. Returns
    /// the error, if any, and how many events were dropped.
    private func writeOut(_ bytes: [UInt8], events: Int, endingMember: Bool, sync: Bool)
        -> (error: EventFileWriterError?, dropped: Int)
    {
        var output = bytes
        var outputEvents = events
        do {
            if let gzip {
                if !bytes.isEmpty {
                    try gzip.append(bytes)
                    memberEvents += events
                }
                output = endingMember ? try gzip.finishMember() : []
                outputEvents = endingMember ? memberEvents : 0
                if endingMember { memberEvents = 0 }
                memberOpen = gzip.hasUnfinishedMember
            }
        } catch let error as ZlibError {
            return (.compressionFailed(error), events)
        } catch {
            return (.compressionFailed(.unexpectedResult(code: 0, message: "\(error)")), events)
        }
        if !output.isEmpty || !unwritten.isEmpty {
            let result = writeRecords(output, events: outputEvents)
            if result.error != nil { return result }
        }
        guard endingMember else { return (nil, 0) }
        return (synced(sync), 0)
    }

    /// Writes what an earlier round left, then `output` (whole records, or a whole gzip member).
    /// When that fails, the file is cut back to its last complete record and the bytes wait for
    /// the next round, up to ``maxQueueBytes`` (`output`'s events are dropped beyond it).
    private func writeRecords(_ output: [UInt8], events: Int) -> (error: EventFileWriterError?, dropped: Int) {
        let attempt = unwritten.isEmpty ? output : unwritten + output
        guard let error = writeAll(attempt) else {
            committed += Int64(attempt.count)
            unwritten = []
            unwrittenEvents = 0
            return (nil, 0)
        }
        // Cut back whatever part of the attempt reached the file (a no-op if none did).
        _ = ftruncate(descriptor, off_t(committed))
        if attempt.count <= maxQueueBytes {
            unwritten = attempt
            unwrittenEvents += events
            return (error, 0)
        }
        return (error, events)
    }

    /// After a flush's bytes are written: checks the file still exists, and syncs when asked.
    private func synced(_ sync: Bool) -> EventFileWriterError? {
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_nlink == 0 {
            return .fileRemoved(path: path)
        }
        if sync, fsync(descriptor) != 0, errno != EINVAL, errno != EROFS {
            return .syncFailed(path: path, errno: errno)
        }
        return nil
    }

    private func writeAll(_ bytes: [UInt8]) -> EventFileWriterError? {
        bytes.withUnsafeBytes { buffer in
            guard var pointer = buffer.baseAddress else { return nil }
            var remaining = buffer.count
            while remaining > 0 {
                let written = writeDescriptor(descriptor, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return .writeFailed(path: path, errno: errno)
                }
                if written == 0 { return .writeFailed(path: path, errno: EIO) }
                pointer += written
                remaining -= written
            }
            return nil
        }
    }
}
