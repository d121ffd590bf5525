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

/// Tells observers (such as the server's `/metrics`) about every finished pass.
public final class LoadStatistics: Sendable {
    private let observers = Mutex<[@Sendable (ReloadReport) -> Void]>([])

    public init() {}

    /// Calls `observer` after every later pass.
    public func observe(_ observer: @escaping @Sendable (ReloadReport) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    func report(_ report: ReloadReport) {
        for observer in observers.withLock({ $0 }) { observer(report) }
    }
}
