import Foundation
import Hummingbird
import LumenBoard
import Prometheus
import Synchronization

/// The board's metrics, served by `GET /metrics` in the Prometheus text format: what the loader
/// holds (files, bytes, events, corrupt records, points in memory), what it did (bytes and records
/// read, pass durations), and the HTTP side (requests and latency by endpoint, open live streams).
final class BoardMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let store: BoardStore

    private let files: Gauge
    private let bytesOnStore: Gauge
    private let events: Gauge
    private let corruptRecords: Gauge
    private let points: Gauge
    private let problems: Gauge
    private let reloads: Counter
    private let bytesRead: Counter
    private let recordsRead: Counter
    private let reloadDuration: DurationHistogram
    private let liveStreams: Gauge
    /// Endpoint → (requests, latency), made on first use.
    private let perEndpoint = Mutex<[String: (Counter, DurationHistogram)]>([:])

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    static let reloadBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15),
        .seconds(60), .seconds(300),
    ]

    init(store: BoardStore) {
        self.store = store
        files = registry.makeGauge(descriptor: Self.name("files", "", "Event files being read."))
        bytesOnStore = registry.makeGauge(
            descriptor: Self.name("file", "bytes", "Size of the event files being read, in bytes."))
        events = registry.makeGauge(descriptor: Self.name("events", "", "Events loaded."))
        corruptRecords = registry.makeGauge(
            descriptor: Self.name("corrupt_records", "", "Records skipped as damaged or not an Event."))
        points = registry.makeGauge(
            descriptor: Self.name(
                "points", "", "Points held in memory: scalar points and kept histogram, image and text values."))
        problems = registry.makeGauge(
            descriptor: Self.name("problems", "", "Files or logdirs /api/status reports a problem for."))
        reloads = registry.makeCounter(descriptor: Self.name("reloads", "total", "Passes over the logdir."))
        bytesRead = registry.makeCounter(descriptor: Self.name("read_bytes", "total", "Bytes read from event files."))
        recordsRead = registry.makeCounter(descriptor: Self.name("read_records", "total", "Records decoded."))
        reloadDuration = registry.makeDurationHistogram(
            descriptor: Self.name("reload_duration", "seconds", "Duration of a pass over the logdir."),
            buckets: Self.reloadBuckets)
        liveStreams = registry.makeGauge(descriptor: Self.name("live_streams", "", "Open /api/live streams."))
        store.statistics.observe { [reloads, bytesRead, recordsRead, reloadDuration] report in
            reloads.increment()
            bytesRead.increment(by: Int64(report.bytes))
            recordsRead.increment(by: Int64(report.records))
            reloadDuration.record(.nanoseconds(Int64(report.seconds * 1e9)))
        }
    }

    /// The metric `lumen_board_<metric>[_<unit>]`.
    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "lumen", subsystem: "board", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts one request to `endpoint` that took `duration`.
    func recordRequest(endpoint: String, duration: Duration) {
        let (counter, histogram) = perEndpoint.withLock { metrics in
            if let existing = metrics[endpoint] { return existing }
            let made = (
                registry.makeCounter(
                    descriptor: Self.name("requests", "total", "HTTP requests by endpoint."),
                    labels: [("endpoint", endpoint)]),
                registry.makeDurationHistogram(
                    descriptor: Self.name("request_duration", "seconds", "HTTP request latency by endpoint."),
                    labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets)
            )
            metrics[endpoint] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// A live stream opened (`+1`) or closed (`-1`).
    func liveStreamsChanged(by delta: Double) { liveStreams.increment(by: delta) }

    /// The metrics as of now, in the Prometheus text format.
    func render() -> [UInt8] {
        let snapshot = store.snapshot
        let status = snapshot.status
        files.set(Double(status.files))
        bytesOnStore.set(Double(status.bytes))
        events.set(Double(status.events))
        corruptRecords.set(Double(status.corruptRecords))
        problems.set(Double(status.problems.count))
        var held = 0
        for run in snapshot.runs.values {
            held += run.scalarColumns.reduce(0) { $0 + $1.count }
            held += run.histograms.values.reduce(0) { $0 + $1.items.count }
            held += run.images.values.reduce(0) { $0 + $1.items.count }
            held += run.text.values.reduce(0) { $0 + $1.items.count }
        }
        points.set(Double(held))
        return registry.emitToBuffer()
    }

    /// The endpoint label of a request path (below the path prefix): `/api/NAME` → `NAME`,
    /// `/metrics` → `metrics`, anything else → `ui`, so the label's values stay few.
    static func endpoint(of path: String) -> String {
        if path == "/metrics" { return "metrics" }
        guard path.hasPrefix("/api/") else { return "ui" }
        let name = path.dropFirst(5).prefix { $0 != "/" }
        return BoardAPI.endpoints.contains(String(name)) || name == "live" ? String(name) : "unknown"
    }
}

/// Times every request for ``BoardMetrics``.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: BoardMetrics
    let pathPrefix: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        defer {
            metrics.recordRequest(
                endpoint: BoardMetrics.endpoint(of: String(request.uri.path.dropFirst(pathPrefix.count))),
                duration: ContinuousClock.now - started)
        }
        return try await next(request, context)
    }
}
