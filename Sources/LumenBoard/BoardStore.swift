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
    /// Events the scalar fast path left to the general decoder.
    public var slowPathEvents = 0
    /// Scalar points kept.
    public var points = 0
    /// The bytes those points take in the store.
    public var storeBytes = 0
    /// Whether the first pass over the logdir is done.
    public var firstLoadDone = false
    /// Passes over the logdir so far.
    public var reloads = 0
    /// Files that are deleted or unreadable (the rest is still served).
    public var problems: [BoardProblem] = []
    /// Files found replaced under their name, whose runs were read again from the start
    /// (the latest ``RunLoader/rereadsKept`` per run).
    public var rereads: [BoardProblem] = []

    public init() {}
}

/// An immutable view of every run, as of one loader pass; requests read only snapshots.
public struct BoardSnapshot: Sendable {
    public var runs: [String: RunData]
    public var status: BoardStatus
    /// Run → its `projector_config.pbtxt`, for runs that have one.
    public var projectors: [String: ProjectorIndex]
    /// The version of what the answers show: it changes with every snapshot that may answer
    /// differently (a record read, a file or run found or gone, a problem, a projector config),
    /// and stays when a pass found nothing new, so answers cached for it stay valid. (The status's
    /// ``BoardStatus/reloads`` counts every pass.)
    public var generation: Int

    public init(
        runs: [String: RunData] = [:], status: BoardStatus = BoardStatus(), projectors: [String: ProjectorIndex] = [:],
        generation: Int = 0
    ) {
        self.runs = runs
        self.status = status
        self.projectors = projectors
        self.generation = generation
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
        for (tag, s) in run.scalars { out[tag] = [0, Int64(s.count), s.lastStep ?? -1] }
        func add<E>(_ kind: Int64, _ d: [String: Reservoir<E>]) {
            for (tag, r) in d { out[tag, default: []] += [kind, Int64(r.seen), r.items.last?.step ?? -1] }
        }
        add(1, run.histograms)
        add(2, run.images)
        add(3, run.text)
        add(5, run.prCurves)
        add(6, run.audio)
        if let layout = run.customScalarsLayout {
            out[CustomScalarsLayout.tag, default: []] += [7, Int64(layout.hashValue)]
        }
        add(8, run.meshes.parts)
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
    /// Reports of the loader's passes.
    public let statistics = LoadStatistics()

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
        let (stream, continuation) = AsyncStream.makeStream(
            of: BoardChanges.self, bufferingPolicy: .bufferingNewest(64))
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

/// Runs the passes over a logdir and publishes their snapshots to the store.
///
/// The first pass publishes as it goes: about every ``progressInterval`` seconds, a snapshot of
/// what each run has loaded so far (with ``BoardStatus/firstLoadDone`` false), so a big logdir
/// shows data before it is all read. ``run(interval:)`` does its passes on a thread of its own,
/// so the work never holds up the threads of Swift concurrency (the server's).
public actor BoardLoader {
    public nonisolated let store: BoardStore
    private let engine: LoadEngine
    /// Seconds between snapshots (and progress reports) during the first pass; during it, each
    /// run's data is handed over for them after every `sliceBytes` read.
    public nonisolated var progressInterval: Double { engine.progressInterval }

    public init(
        spec: LogdirSpec, limits: SampleLimits = SampleLimits(), store: BoardStore = BoardStore(),
        progressInterval: Double = 0.25, sliceBytes: Int = 16 << 20, storages: LogStorages? = nil,
        progress: (@Sendable (LoadProgress) -> Void)? = nil
    ) {
        self.store = store
        let loader = LogdirLoader(spec: spec, limits: limits, storages: storages)
        loader.sliceBytes = sliceBytes
        self.engine = LoadEngine(loader: loader, store: store, progressInterval: progressInterval, progress: progress)
    }

    public init(logdir: String, limits: SampleLimits = SampleLimits(), store: BoardStore = BoardStore()) {
        self.init(spec: LogdirSpec(path: logdir), limits: limits, store: store)
    }

    /// One pass over the logdir, then a new snapshot. Returns the snapshot published.
    @discardableResult
    public func reload() -> BoardSnapshot { engine.reload() }

    /// Reloads now, then every `interval` seconds until the task is cancelled; once if
    /// `interval` is 0 or less. Each pass runs on the loader's own thread.
    public func run(interval: Double) async {
        await engine.reloadOffThePool()
        guard interval > 0 else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            } catch {
                return
            }
            await engine.reloadOffThePool()
        }
    }
}

/// The passes themselves, one at a time (a lock guards the non-`Sendable` ``LogdirLoader``).
final class LoadEngine: @unchecked Sendable {
    private let lock = NSLock()
    private let loader: LogdirLoader
    private let store: BoardStore
    private var reloads = 0
    /// The last snapshot's ``BoardSnapshot/generation`` and what it showed.
    private var generation = 0
    private var shown: Shown?
    private let progress: (@Sendable (LoadProgress) -> Void)?
    let progressInterval: Double

    init(
        loader: LogdirLoader, store: BoardStore, progressInterval: Double,
        progress: (@Sendable (LoadProgress) -> Void)?
    ) {
        self.loader = loader
        self.store = store
        self.progressInterval = progressInterval
        self.progress = progress
    }

    /// ``reload()`` on a thread of its own (not one of Swift concurrency's, nor of
    /// `DispatchQueue.global()`'s: on Linux they are one pool, as wide as the cores).
    @discardableResult
    func reloadOffThePool() async -> BoardSnapshot {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.reload()) }
            thread.name = "lumen.board.loader"
            thread.start()
        }
    }

    /// One pass over the logdir, then a new snapshot. Returns the snapshot published.
    @discardableResult
    func reload() -> BoardSnapshot {
        lock.lock()
        defer { lock.unlock() }
        let first = reloads == 0
        let counters = LoadCounters()
        let started = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        let loader = self.loader
        let store = self.store
        let progress = self.progress
        loader.reload(counters: counters, sharing: first, every: first ? progressInterval : 0) {
            store.publish(self.versioned(Self.snapshot(loader, reloads: 0, done: false, shared: true), read: true))
            progress?(
                LoadProgress(
                    files: loader.discoveredFileCount, bytes: counters.bytes.load(ordering: .relaxed),
                    records: counters.records.load(ordering: .relaxed), seconds: seconds(), done: false))
        }
        reloads += 1
        store.statistics.report(
            ReloadReport(
                seconds: seconds(), bytes: counters.bytes.load(ordering: .relaxed),
                records: counters.records.load(ordering: .relaxed)))
        let snapshot = versioned(
            Self.snapshot(loader, reloads: reloads, done: true, shared: false),
            read: counters.records.load(ordering: .relaxed) > 0)
        store.publish(snapshot)
        if first {
            progress?(
                LoadProgress(
                    files: loader.discoveredFileCount, bytes: counters.bytes.load(ordering: .relaxed),
                    records: counters.records.load(ordering: .relaxed), seconds: seconds(), done: true))
        }
        return snapshot
    }

    /// What a snapshot shows besides the records: its status but for the count of passes, and
    /// which runs have embeddings.
    private struct Shown: Equatable {
        var status: BoardStatus
        var embeddings: [String: Bool]

        init(_ snapshot: BoardSnapshot) {
            status = snapshot.status
            status.reloads = 0
            embeddings = snapshot.projectors.mapValues(\.hasEmbeddings)
        }
    }

    /// `snapshot` with its generation: the last one's if no record was `read` and it shows the
    /// same, else the next.
    private func versioned(_ snapshot: BoardSnapshot, read: Bool) -> BoardSnapshot {
        var snapshot = snapshot
        let now = Shown(snapshot)
        if read || now != shown {
            generation += 1
            shown = now
        }
        snapshot.generation = generation
        return snapshot
    }

    /// A snapshot of every run: of the data handed over so far (`shared`, while a pass runs), or
    /// of the loaders' data (between passes).
    private static func snapshot(_ loader: LogdirLoader, reloads: Int, done: Bool, shared: Bool) -> BoardSnapshot {
        var runs: [String: RunData] = [:]
        var status = BoardStatus()
        var projectors: [String: ProjectorIndex] = [:]
        for name in loader.runNames {
            guard let runLoader = loader.runs[name] else { continue }
            guard let data = shared ? runLoader.sharedData : runLoader.data else { continue }
            runs[name] = data
            if let file = runLoader.files.first, let slash = file.lastIndex(of: "/"),
                let index = ProjectorIndex.load(directory: slash == file.startIndex ? "/" : String(file[..<slash]))
            {
                projectors[name] = index
                status.problems += index.problems.map { BoardProblem(run: name, file: index.configPath, message: $0) }
            }
            status.events += data.events
            status.corruptRecords += data.corruptRecords
            status.slowPathEvents += data.slowPathEvents
            status.points += data.scalarPoints
            status.storeBytes += data.scalarStoreBytes
            if shared {
                status.files = loader.discoveredFileCount
            } else {
                status.files += runLoader.files.count
                status.bytes += runLoader.bytesOnDisk
                status.problems += runLoader.problems
                status.rereads += runLoader.rereads
            }
        }
        if !shared { status.problems = loader.listingProblems + status.problems }
        status.firstLoadDone = done
        status.reloads = reloads
        return BoardSnapshot(runs: runs, status: status, projectors: projectors)
    }
}
