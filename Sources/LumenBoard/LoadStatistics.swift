import Synchronization

/// What one pass over the logdir did, for monitoring.
public struct ReloadReport: Sendable, Equatable {
    /// How long the pass took, in seconds.
    public var seconds: Double
    /// Bytes read from event files (compressed bytes for gzip files).
    public var bytes: Int
    /// Records decoded.
    public var records: Int

    public init(seconds: Double, bytes: Int, records: Int) {
        self.seconds = seconds
        self.bytes = bytes
        self.records = records
    }
}

/// Tells observers (such as the server's `/metrics`) about every finished pass. Passes that end
/// before the first observer comes (the loader starts before the server) are kept and told to it.
public final class LoadStatistics: Sendable {
    private struct State {
        var observers: [@Sendable (ReloadReport) -> Void] = []
        var early: [ReloadReport] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Calls `observer` with every pass so far if it is the first observer, and after every later pass.
    public func observe(_ observer: @escaping @Sendable (ReloadReport) -> Void) {
        let early = state.withLock { state in
            state.observers.append(observer)
            defer { state.early = [] }
            return state.early
        }
        for report in early { observer(report) }
    }

    func report(_ report: ReloadReport) {
        let observers = state.withLock { state in
            if state.observers.isEmpty { state.early.append(report) }
            return state.observers
        }
        for observer in observers { observer(report) }
    }
}
