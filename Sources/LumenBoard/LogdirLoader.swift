import Dispatch
import Foundation
import Synchronization

/// Loads a logdir: discovers its runs on every pass, adds new runs and files, tails them, and
/// drops runs whose directory no longer holds event files.
///
/// A pass loads runs in parallel: `workers` threads (by default one per core) each take the next
/// run not yet loaded, so each run is read by one thread at a time.
public final class LogdirLoader {
    public let spec: LogdirSpec
    public let limits: SampleLimits
    public private(set) var runs: [String: RunLoader] = [:]
    /// Threads loading runs at once.
    public var workers: Int
    /// How many bytes a worker reads from a run before handing its data over for a snapshot.
    public var sliceBytes = 16 << 20

    /// The first logdir's path.
    public var logdir: String { spec.entries.first?.path ?? "" }

    /// Where the logdirs' files are read from.
    public let storages: LogStorages
    /// Run name → the index of the spec entry it was last found under.
    private var runEntries: [String: Int] = [:]
    /// Logdirs the last pass couldn't list (their runs are kept as they were).
    public private(set) var listingProblems: [BoardProblem] = []

    public init(
        spec: LogdirSpec, limits: SampleLimits = SampleLimits(),
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, storages: LogStorages? = nil
    ) {
        self.spec = spec
        self.limits = limits
        self.workers = Swift.max(1, workers)
        self.storages = storages ?? LogStorages()
    }

    public convenience init(logdir: String, limits: SampleLimits = SampleLimits()) {
        self.init(spec: LogdirSpec(path: logdir), limits: limits)
    }

    /// One pass over the logdir. Returns how many records were decoded.
    @discardableResult
    public func reload() -> Int {
        reload(counters: nil, sharing: false, every: 0, tick: {})
    }

    /// One pass over the logdir. While it runs, `tick` is called on the calling thread about every
    /// `interval` seconds; with `sharing`, workers hand each run's data over (see
    /// ``RunLoader/sharedData``) after every ``sliceBytes`` they read, so `tick` can publish the
    /// data as it arrives. Returns how many records were decoded.
    @discardableResult
    public func reload(counters: LoadCounters?, sharing: Bool, every interval: Double, tick: () -> Void) -> Int {
        let discovery = RunDiscovery.discover(spec: spec, storages: storages)
        let found = discovery.runs
        listingProblems = discovery.failures.sorted { $0.key < $1.key }.map { index, message in
            BoardProblem(
                run: spec.entries[index].name ?? ".", file: spec.entries[index].path,
                message: "can't be listed; its runs are kept as they were: \(message)")
        }
        // A run of a logdir that couldn't be listed is kept until it can be listed again.
        for name in runs.keys where found[name] == nil && discovery.failures[runEntries[name] ?? -1] == nil {
            runs[name] = nil
        }
        runEntries.merge(discovery.entries) { $1 }
        var jobs: [(RunLoader, [String])] = []
        for name in Set(found.keys).union(runs.keys).sorted() {
            // A run kept from a logdir that couldn't be listed goes on with the files it had.
            guard let files = found[name] ?? runs[name]?.files else { continue }
            let entry = spec.entries[runEntries[name] ?? 0]
            let loader = runs[name] ?? RunLoader(name: name, limits: limits, storage: storages.storage(for: entry.path))
            runs[name] = loader
            jobs.append((loader, files))
        }
        discoveredFileCount = jobs.reduce(0) { $0 + $1.1.count }
        let work = UncheckedSendable(jobs)
        let tally = Tally()
        let slice = sharing ? sliceBytes : Int.max
        let body: @Sendable () -> Void = {
            while true {
                let index = tally.next.add(1, ordering: .relaxed).oldValue
                guard index < work.value.count else { return }
                let (loader, files) = work.value[index]
                while true {
                    let step = loader.load(files: files, budget: slice, counters: counters)
                    tally.records.add(step.records, ordering: .relaxed)
                    if sharing { loader.share() }
                    if !step.more { break }
                }
            }
        }
        // Runs in an object store load more at once: their workers mostly wait on the network.
        let width = jobs.reduce(workers) { Swift.max($0, $1.0.storage.concurrentRuns) }
        let threads = Swift.max(1, Swift.min(width, jobs.count))
        if threads == 1 && interval <= 0 {
            body()
        } else {
            // Threads of their own: on Linux, Swift concurrency's jobs and DispatchQueue.global()
            // share one pool as wide as the cores, which loading would otherwise fill.
            let group = DispatchGroup()
            for _ in 0..<threads {
                group.enter()
                let thread = Thread {
                    body()
                    group.leave()
                }
                thread.name = "lumen.board.load"
                thread.start()
            }
            if interval > 0 {
                while group.wait(timeout: .now() + interval) == .timedOut { tick() }
            } else {
                group.wait()
            }
        }
        return tally.records.load(ordering: .relaxed)
    }

    /// The number of event files the last (or current) pass found.
    public private(set) var discoveredFileCount = 0

    /// The run names, sorted.
    public var runNames: [String] { runs.keys.sorted() }

    /// The data of run `name`, or `nil` for an unknown run.
    public func run(_ name: String) -> RunData? { runs[name]?.data }
}

/// The workers' shared counters: the next job to take, and records decoded.
private final class Tally: Sendable {
    let next = Atomic<Int>(0)
    let records = Atomic<Int>(0)
}

/// A value handed between threads whose safety the code around it guarantees: here, each run
/// loader is used by one worker at a time, and the caller waits for every worker.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
