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

/// Holds the latest snapshot; the loader publishes, request handlers read.
public final class BoardStore: Sendable {
    private let current = Mutex(BoardSnapshot())

    public init() {}

    public var snapshot: BoardSnapshot { current.withLock { $0 } }

    public func publish(_ snapshot: BoardSnapshot) { current.withLock { $0 = snapshot } }
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
