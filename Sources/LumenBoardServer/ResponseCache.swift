import LumenBoard
import Synchronization

/// Recent API answers for the snapshot being served, so that many clients polling the same
/// charts cost one encoding per reload instead of one per request.
///
/// Entries are valid for one version of the data only: each lookup passes the current
/// snapshot's ``BoardSnapshot/generation`` (which changes with every pass that changed what an
/// answer can show, and only then), and a different generation empties the cache. The cache
/// holds at most `maxBytes` of bodies, evicting the least recently used entries first; bodies
/// larger than a quarter of that are never kept. Requests that miss
/// the same entry at the same time share one computation (``entry(for:version:make:)``), so a
/// reload followed by many clients asking for the same large series encodes it once.
final class ResponseCache: Sendable {
    struct Entry: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]
        var coding: BoardCompression.Coding
        var lastUse: UInt64
    }

    private struct State {
        var version = 0
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let maxBytes: Int

    /// Computations under way: key → the snapshot they are for and the requests waiting.
    private struct Flight {
        var version: Int
        var waiters: [CheckedContinuation<Entry?, Never>]
    }
    private let flights = Mutex([String: Flight]())

    init(maxBytes: Int = 64 << 20) {
        self.maxBytes = maxBytes
    }

    /// The key of a request: its endpoint, its parameters in a fixed order, and the coding of
    /// the answer.
    static func key(endpoint: String, parameters: [String: String], coding: BoardCompression.Coding) -> String {
        var key = endpoint + "\u{0}" + coding.rawValue
        for name in parameters.keys.sorted() {
            key += "\u{0}" + name + "\u{1}" + (parameters[name] ?? "")
        }
        return key
    }

    /// The answer cached under `key` for the data of generation `version`.
    func entry(for key: String, version: Int) -> Entry? {
        state.withLock { state in
            guard state.version == version, var entry = state.entries[key] else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry
        }
    }

    /// Keeps `entry` under `key` for the data of generation `version`.
    func store(_ entry: Entry, for key: String, version: Int) {
        guard entry.body.count <= maxBytes / 4 else { return }
        state.withLock { state in
            if state.version != version {
                state = State(version: version)
            }
            state.clock += 1
            var entry = entry
            entry.lastUse = state.clock
            if let old = state.entries.updateValue(entry, forKey: key) { state.bytes -= old.body.count }
            state.bytes += entry.body.count
            while state.bytes > maxBytes, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.bytes -= oldest.value.body.count
                state.entries[oldest.key] = nil
            }
        }
    }

    /// The answer under `key` for the data of generation `version`: the cached one, else
    /// the one another request is computing now, else `make()`'s (then cached).
    func entry(for key: String, version: Int, make: () -> Entry) async -> Entry {
        if let cached = entry(for: key, version: version) { return cached }
        enum Role { case lead, wait, alone }
        let role: Role = flights.withLock { flights in
            if let flight = flights[key] { return flight.version == version ? .wait : .alone }
            flights[key] = Flight(version: version, waiters: [])
            return .lead
        }
        switch role {
        case .wait:
            let shared: Entry? = await withCheckedContinuation { continuation in
                let waiting = flights.withLock { flights -> Bool in
                    guard flights[key]?.version == version else { return false }
                    flights[key]?.waiters.append(continuation)
                    return true
                }
                if !waiting { continuation.resume(returning: nil) }
            }
            if let shared { return shared }
            // The computation ended before this request could wait for it.
            if let cached = entry(for: key, version: version) { return cached }
            return make()
        case .alone:
            // A computation for an older snapshot is under way: don't wait for a stale answer.
            let made = make()
            store(made, for: key, version: version)
            return made
        case .lead:
            let made = make()
            store(made, for: key, version: version)
            let waiters = flights.withLock { $0.removeValue(forKey: key)?.waiters ?? [] }
            for waiter in waiters { waiter.resume(returning: made) }
            return made
        }
    }

    /// How many answers are cached (for tests).
    var count: Int { state.withLock { $0.entries.count } }
}
