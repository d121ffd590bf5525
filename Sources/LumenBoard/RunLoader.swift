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

/// Something wrong with one event file, for `/api/status`.
public struct BoardProblem: Sendable, Equatable {
    /// The run the file belongs to.
    public var run: String
    /// The file's path.
    public var file: String
    /// What is wrong, in words.
    public var message: String

    public init(run: String, file: String, message: String) {
        self.run = run
        self.file = file
        self.message = message
    }
}

/// Counts shared by the loading workers, read by the progress display.
public final class LoadCounters: Sendable {
    /// Bytes read from event files (compressed bytes for gzip files).
    public let bytes = Atomic<Int>(0)
    /// Records decoded.
    public let records = Atomic<Int>(0)

    public init() {}
}

/// Tails one event file: each ``readAvailable(into:budget:counters:)`` decodes the records the file
/// gained since the previous pass. Files whose name ends in `.gz` are gzip streams (usually one
/// member per writer flush); others are plain TFRecord files.
///
/// An incomplete last record waits for the next pass. A damaged record is skipped and counted in
/// the run's ``RunData/corruptRecords``; a frame whose length checksum fails stops the file there
/// (a plain file is looked at again next pass, in case that was a torn read of a write in
/// progress). A file replaced under the same name (another inode, shorter than what was read, or
/// its first record changed) is not read further and says so in ``replacement``: its run reads it
/// again from the start. A file that is deleted or fails to read keeps what was read and is not
/// read further; ``problem`` says why.
public final class EventFileTail {
    public let path: String
    /// Why the file is no longer read, if it isn't.
    public private(set) var problem: String?
    /// How the file was found replaced under its name, if it was: it must be read again from the start.
    public private(set) var replacement: String?
    /// The file's first bytes as read (its first record, up to ``fingerprintLength``), to tell a
    /// file rewritten in place from one that grew.
    private var fingerprint: [UInt8] = []
    /// Whether ``fingerprint`` holds all it will.
    private var fingerprintComplete = false
    /// The file's size at the last pass.
    public private(set) var size: Int64 = 0
    /// Bytes of the file read so far (compressed bytes for gzip).
    public private(set) var bytesRead: Int64 = 0
    /// The end of the bytes seen in the file so far: it was truncated if it ends before this.
    private var seenEnd: Int64 = 0

    private let source: any StoredEventFile
    private let gzip: GzipStreamDecoder?
    /// gzip: decompressed bytes not yet scanned (at most a partial frame between passes).
    private var pending: [UInt8] = []
    /// gzip: bytes of an over-long record still to skip.
    private var pendingSkip: UInt64 = 0
    /// The offset at which a bad length checksum was last reported, so it is counted once.
    private var reportedCorruptLength: Int64?
    private var stalled = false

    /// How many bytes a plain file is read at a time.
    static let readLength = 4 << 20
    /// How many compressed bytes a gzip file is read at a time.
    static let gzipReadLength = 256 << 10

    /// Opens the file at `path` on the local disk.
    ///
    /// - Throws: ``FileByteSourceError/openFailed(path:errno:)`` if it can't be opened.
    public convenience init(path: String) throws {
        try self.init(file: LocalEventFile(path: path))
    }

    /// Tails `file`, local or in an object store.
    public init(file: any StoredEventFile) throws {
        source = file
        path = file.path
        gzip = path.hasSuffix(".gz") ? try GzipStreamDecoder() : nil
    }

    /// Why the last pass couldn't read the file (a failure that may pass, such as an object
    /// store that kept failing); it is read again on the next pass.
    public private(set) var unavailable: String?

    /// Whether the file is still being read (it has no ``problem`` and was not replaced).
    public var isLive: Bool { problem == nil && replacement == nil }

    /// The most bytes of a file's start kept to recognize it.
    static let fingerprintLength = 4096

    /// Reads what is available now into `run`, stopping once about `budget` bytes were read (the
    /// next call goes on from there). Returns how many records were decoded and whether bytes
    /// remain to be read now.
    @discardableResult
    public func readAvailable(into run: inout RunData, budget: Int = .max, counters: LoadCounters? = nil)
        -> (records: Int, more: Bool)
    {
        guard isLive else { return (0, false) }
        unavailable = nil
        defer { source.closeUntilNextRead() }
        var unchanged = false
        do {
            switch try source.state() {
            case .present(let now):
                size = now
            case .unchanged:
                // Nothing written since the last pass: done if that pass read everything.
                if bytesRead >= size { return (0, false) }
                unchanged = true
            case .deleted:
                problem = "deleted while being read; kept what was read"
                return (0, false)
            case .replaced:
                replacement = "replaced by another file of the same name (a new inode, or a new object version)"
                return (0, false)
            }
        } catch let error as StorageUnavailable {
            unavailable = error.description
            return (0, false)
        } catch {
            problem = "\(error)"
            return (0, false)
        }
        if size < seenEnd {
            replacement = "rewritten: it shrank from \(seenEnd) to \(size) bytes"
            return (0, false)
        }
        do {
            if !unchanged, !fingerprint.isEmpty, try source.read(at: 0, maxLength: fingerprint.count) != fingerprint {
                replacement = "rewritten: its first record changed"
                return (0, false)
            }
            let step =
                gzip == nil
                ? try readPlain(into: &run, budget: budget, counters: counters)
                : try readGzip(into: &run, budget: budget, counters: counters)
            try takeFingerprint()
            return step
        } catch let error as StorageUnavailable {
            unavailable = error.description
            return (0, false)
        } catch {
            problem = "\(error)"
            return (0, false)
        }
    }

    /// Keeps the file's first record (plain) or first bytes (gzip, whose first member never
    /// changes once written), up to ``fingerprintLength`` bytes, once they were read.
    private func takeFingerprint() throws {
        guard !fingerprintComplete, seenEnd > fingerprint.count else { return }
        var wanted = Self.fingerprintLength
        if gzip == nil {
            // A plain file's first record: its frame is the 8-byte length, 4 + length + 4 bytes.
            guard seenEnd >= 8 else { return }
            let header = try source.read(at: 0, maxLength: 8)
            guard header.count == 8 else { return }
            let length = header.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            wanted = Int(min(UInt64(wanted), length &+ 16))
        }
        let length = Int(min(Int64(wanted), seenEnd))
        fingerprint = try source.read(at: 0, maxLength: length)
        fingerprintComplete = fingerprint.count >= wanted
    }

    private func readPlain(into run: inout RunData, budget: Int, counters: LoadCounters?) throws -> (
        records: Int, more: Bool
    ) {
        var records = 0
        defer { counters?.records.add(records, ordering: .relaxed) }
        var length = Self.readLength
        var spent = 0
        while bytesRead < size {
            if spent >= budget { return (records, true) }
            let chunk = try source.read(at: bytesRead, maxLength: Int(min(Int64(length), size - bytesRead)))
            guard !chunk.isEmpty else { break }
            seenEnd = max(seenEnd, bytesRead + Int64(chunk.count))
            let scanned = chunk.withUnsafeBytes {
                RecordScanner.scan($0, limit: budget == .max ? .max : budget - spent, into: &run)
            }
            records += scanned.records
            bytesRead += Int64(scanned.consumed)
            spent += scanned.consumed
            counters?.bytes.add(scanned.consumed, ordering: .relaxed)
            switch scanned.stop {
            case .needsMoreBytes:
                if scanned.consumed > 0 { continue }
                // One frame longer than a read: read it whole if the file holds all of it.
                guard let frame = chunk.withUnsafeBytes(RecordScanner.announcedFrameLength),
                    frame > length, Int64(frame) <= size - bytesRead
                else { return (records, false) }
                length = frame
            case .corruptLength:
                if reportedCorruptLength != bytesRead {
                    reportedCorruptLength = bytesRead
                    run.corruptRecords += 1
                }
                return (records, false)
            case .skip(let bytes):
                run.corruptRecords += 1
                bytesRead += Int64(clamping: bytes)
            }
        }
        return (records, false)
    }

    private func readGzip(into run: inout RunData, budget: Int, counters: LoadCounters?) throws -> (
        records: Int, more: Bool
    ) {
        guard let gzip, !stalled else { return (0, false) }
        var records = 0
        defer { counters?.records.add(records, ordering: .relaxed) }
        var spent = 0
        while true {
            // Scan what is decompressed.
            if pendingSkip > 0 {
                let skipped = Int(min(pendingSkip, UInt64(pending.count)))
                pending.removeSubrange(..<skipped)
                pendingSkip -= UInt64(skipped)
            }
            let scanned = pending.withUnsafeBytes { RecordScanner.scan($0, into: &run) }
            records += scanned.records
            pending.removeSubrange(..<scanned.consumed)
            switch scanned.stop {
            case .needsMoreBytes:
                break
            case .corruptLength:
                // Decompressed bytes are never read again, so the stream can't go on.
                run.corruptRecords += 1
                stalled = true
                problem = "a record's length checksum fails; the rest of the file can't be framed"
                return (records, false)
            case .skip(let bytes):
                run.corruptRecords += 1
                pendingSkip = bytes
                continue
            }
            guard bytesRead < size else { break }
            if spent >= budget { return (records, true) }
            let input = try source.read(
                at: bytesRead, maxLength: Int(min(Int64(Self.gzipReadLength), size - bytesRead)))
            guard !input.isEmpty else { break }
            bytesRead += Int64(input.count)
            seenEnd = bytesRead
            spent += input.count
            counters?.bytes.add(input.count, ordering: .relaxed)
            do {
                try input.withUnsafeBytes { try gzip.decompress($0, appendingTo: &pending) }
            } catch {
                problem = "damaged gzip data: \(error); kept what was read before it"
                break
            }
        }
        return (records, false)
    }
}

/// Loads one run: tails each of its files, in name order, into its ``RunData``.
///
/// When one of its files is found replaced under its name (see ``EventFileTail/replacement``),
/// the run is read again from the start of every file, so the replaced file's old points go and
/// its new ones come in; ``rereads`` records it.
public final class RunLoader {
    public let name: String
    public let limits: SampleLimits
    public private(set) var data: RunData
    /// The latest times the run was read again because a file was replaced (at most
    /// ``rereadsKept``), oldest first.
    public private(set) var rereads: [BoardProblem] = []
    /// How many ``rereads`` are kept.
    public static let rereadsKept = 20
    private var tails: [String: EventFileTail] = [:]
    /// Files that couldn't be opened: path → why.
    private var openFailures: [String: String] = [:]
    /// The data as of the last ``share()``, for snapshots taken while a worker loads the run.
    private let shared = Mutex<RunData?>(nil)

    /// Where the run's files are.
    public let storage: any LogStorage

    public init(name: String, limits: SampleLimits = SampleLimits(), storage: any LogStorage = LocalLogStorage()) {
        self.name = name
        self.limits = limits
        self.data = RunData(limits: limits)
        self.storage = storage
    }

    /// The files being tailed, in name order.
    public var files: [String] { tails.keys.sorted() }

    /// The size of every tailed file at its last pass.
    public var bytesOnDisk: Int64 { tails.values.reduce(0) { $0 + $1.size } }

    /// What is wrong with this run's files.
    public var problems: [BoardProblem] {
        var out = tails.values.compactMap { tail in
            (tail.problem ?? tail.unavailable.map { "can't be read now, trying again next pass: " + $0 })
                .map { BoardProblem(run: name, file: tail.path, message: $0) }
        }
        out += openFailures.map { BoardProblem(run: name, file: $0.key, message: $0.value) }
        return out.sorted { $0.file < $1.file }
    }

    /// One pass: starts tailing new files among `files`, then reads every file, in name order,
    /// from where the previous pass stopped. A file that can't be opened is tried again next pass.
    /// Returns how many records were decoded.
    @discardableResult
    public func load(files: [String]) -> Int {
        var records = 0
        while true {
            let step = load(files: files, budget: .max)
            records += step.records
            if !step.more { return records }
        }
    }

    /// Part of a pass: like ``load(files:)`` but stops once about `budget` bytes were read; `more`
    /// says whether the pass has more to read now.
    public func load(files: [String], budget: Int, counters: LoadCounters? = nil) -> (records: Int, more: Bool) {
        for path in files where tails[path] == nil {
            do {
                tails[path] = try EventFileTail(file: storage.open(path))
                openFailures[path] = nil
            } catch {
                openFailures[path] = "can't be opened: \(error)"
            }
        }
        for path in openFailures.keys where !files.contains(path) { openFailures[path] = nil }
        var records = 0
        var left = budget
        for path in tails.keys.sorted() {
            guard let tail = tails[path] else { continue }
            let before = tail.bytesRead
            let step = tail.readAvailable(into: &data, budget: left, counters: counters)
            records += step.records
            if let replacement = tail.replacement {
                startOver(
                    because: BoardProblem(
                        run: name, file: path,
                        message: replacement + "; read again from the start, its old points dropped"))
                return (records, true)
            }
            if step.more { return (records, true) }
            left -= Int(clamping: tail.bytesRead - before)
            if left <= 0 { left = 1 }
        }
        return (records, false)
    }

    /// Drops what was read and every file's position, so the next pass reads the run afresh.
    private func startOver(because reread: BoardProblem) {
        data = RunData(limits: limits)
        tails = [:]
        rereads.append(reread)
        if rereads.count > Self.rereadsKept { rereads.removeFirst(rereads.count - Self.rereadsKept) }
    }

    /// Hands the data as of now to ``sharedData`` (for a snapshot taken while loading goes on).
    func share() { shared.withLock { $0 = data } }

    /// The data last handed over by ``share()``.
    var sharedData: RunData? { shared.withLock { $0 } }
}
