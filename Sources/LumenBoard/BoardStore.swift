import Foundation
import Synchronization

/// What the loader has read so far, for `/api/status`.
public struct BoardStatus: Sendable, Equatable {
    /// Event files being tailed.
    public var files = 0
    /// The size on disk of those files at the end of the last pass.
    public var bytes: Int64 = 0
    /// Events decoded.
    public var events = 0
    /// Records skipped as damaged or not an `Event`.
    public var corruptRecords = 0
    /// Whether the first pass over the logdir is done.
    public var firstLoadDone = false
    /// Passes over the logdir so far.
    public var reloads = 0

    public init() {}
}

/// An immutable view of every run, as of one loader pass; requests read only snapshots.
public struct BoardSnapshot: Sendable {
    public var runs: [String: RunData]
    public var status: BoardStatus

    public init(runs: [String: RunData] = [:], status: BoardStatus = BoardStatus()) {
        self.runs = runs
        self.status = status
    }
}

/// What one published snapshot changed relative to the one before: runs whose event count or tags
/// changed, and per run the tags that are new or whose values changed.
public struct BoardChanges: Sendable, Equatable {
    public var runs: [String] = []
    public var tags: [String: [String]] = [:]

    public init(runs: [String] = [], tags: [String: [String]] = [:]) {
        self.runs = runs
        self.tags = tags
    }

    public var isEmpty: Bool { runs.isEmpty }

    /// A fingerprint per tag: count of values seen plus the last step.
    static func signatures(_ run: RunData) -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for (tag, s) in run.scalars { out[tag] = [0, Int64(s.count), s.steps.last ?? -1] }
        func add<E>(_ kind: Int64, _ d: [String: Reservoir<E>]) {
            for (tag, r) in d { out[tag, default: []] += [kind, Int64(r.seen), r.items.last?.step ?? -1] }
        }
        add(1, run.histograms)
        add(2, run.images)
        add(3, run.text)
        for (tag, data) in run.hparams { out[tag, default: []] += [4, Int64(data.hashValue)] }
        return out
    }

    /// The changes from `old` to `new`.
    public static func between(_ old: BoardSnapshot, _ new: BoardSnapshot) -> BoardChanges {
        var changes = BoardChanges()
        for name in new.runs.keys.sorted() {
            let run = new.runs[name]!
            let before = old.runs[name]
            if let before, before.events == run.events, before.corruptRecords == run.corruptRecords { continue }
            let a = before.map(signatures) ?? [:]
            let b = signatures(run)
            changes.runs.append(name)
            changes.tags[name] = b.keys.filter { a[$0] != b[$0] }.sorted()
        }
        return changes
    }

    public var json: BoardJSON {
        .object([
            ("runs", .array(runs.map(BoardJSON.string))),
            ("tags", .object(tags.keys.sorted().map { ($0, .array(tags[$0]!.map(BoardJSON.string))) })),
        ])
    }
}

/// Holds the latest snapshot; the loader publishes, request handlers read. Subscribers get the
/// ``BoardChanges`` of every publish that changed something.
public final class BoardStore: Sendable {
    private let current = Mutex(BoardSnapshot())
    private let subscribers = Mutex([UUID: AsyncStream<BoardChanges>.Continuation]())

    public init() {}

    public var snapshot: BoardSnapshot { current.withLock { $0 } }

    /// Publishes `snapshot`; returns what changed from the previous one (and tells subscribers if
    /// anything did).
    @discardableResult
    public func publish(_ snapshot: BoardSnapshot) -> BoardChanges {
        let changes = current.withLock { old -> BoardChanges in
            let changes = BoardChanges.between(old, snapshot)
            old = snapshot
            return changes
        }
        if !changes.isEmpty {
            for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(changes) }
        }
        return changes
    }

    /// A stream of the changes of every later publish that changed something.
    public func changes() -> AsyncStream<BoardChanges> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: BoardChanges.self, bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Ends every open change stream (so `/api/live` responses finish, e.g. before shutdown).
    public func finishSubscribers() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }

    /// How many change streams are open.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }
}

/// Owns the (non-`Sendable`) ``LogdirLoader``: every pass reads what the logdir gained and
/// publishes a new snapshot to the store.
public actor BoardLoader {
    public nonisolated let store: BoardStore
    private let loader: LogdirLoader
    private var reloads = 0

    public init(logdir: String, limits: SampleLimits = SampleLimits(), store: BoardStore = BoardStore()) {
        self.store = store
        self.loader = LogdirLoader(logdir: logdir, limits: limits)
    }

    /// One pass over the logdir, then a new snapshot. Returns the snapshot published.
    @discardableResult
    public func reload() -> BoardSnapshot {
        loader.reload()
        reloads += 1
        var runs: [String: RunData] = [:]
        var status = BoardStatus()
        for name in loader.runNames {
            guard let runLoader = loader.runs[name] else { continue }
            let data = runLoader.data
            runs[name] = data
            status.events += data.events
            status.corruptRecords += data.corruptRecords
            for file in runLoader.files {
                status.files += 1
                if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber {
                    status.bytes += size.int64Value
                }
            }
        }
        status.firstLoadDone = true
        status.reloads = reloads
        let snapshot = BoardSnapshot(runs: runs, status: status)
        store.publish(snapshot)
        return snapshot
    }

    /// Reloads now, then every `interval` seconds until the task is cancelled; once if
    /// `interval` is 0 or less.
    public func run(interval: Double) async {
        reload()
        guard interval > 0 else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            } catch {
                return
            }
            reload()
        }
    }
}
