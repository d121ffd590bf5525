import Foundation
import Synchronization
import Testing
@testable import LumenBoard
@testable import LumenBoardServer

@Suite struct ResponseCacheTests {
    static func entry(_ size: Int) -> ResponseCache.Entry {
        .init(
            status: 200, contentType: "application/json", body: [UInt8](repeating: 7, count: size), coding: .identity,
            lastUse: 0)
    }

    @Test func answersOnlyForTheSameSnapshot() {
        let cache = ResponseCache()
        let version = 10
        let key = ResponseCache.key(endpoint: "scalars", parameters: ["run": "a", "tag": "b"], coding: .identity)
        cache.store(Self.entry(3), for: key, version: version)
        #expect(cache.entry(for: key, version: version)?.body == [7, 7, 7])
        // Parameter order doesn't matter; compression and values do.
        #expect(key == ResponseCache.key(endpoint: "scalars", parameters: ["tag": "b", "run": "a"], coding: .identity))
        #expect(key != ResponseCache.key(endpoint: "scalars", parameters: ["run": "a", "tag": "b"], coding: .gzip))
        #expect(
            ResponseCache.key(endpoint: "scalars", parameters: ["run": "a", "tag": "b"], coding: .zstd)
                != ResponseCache.key(endpoint: "scalars", parameters: ["run": "a", "tag": "b"], coding: .gzip))
        #expect(
            key != ResponseCache.key(endpoint: "scalars", parameters: ["run": "a\u{1}tag", "": "b"], coding: .identity))
        let later = version + 1
        #expect(cache.entry(for: key, version: later) == nil)
        cache.store(Self.entry(1), for: "other", version: later)
        #expect(cache.entry(for: key, version: version) == nil)
        #expect(cache.count == 1)
    }

    @Test func evictsTheLeastRecentlyUsedBeyondItsBudget() {
        let cache = ResponseCache(maxBytes: 1000)
        let version = 0
        for name in ["a", "b", "c"] { cache.store(Self.entry(200), for: name, version: version) }
        _ = cache.entry(for: "a", version: version)
        cache.store(Self.entry(200), for: "d", version: version)
        cache.store(Self.entry(200), for: "e", version: version)  // 1,000 bytes: all fit
        cache.store(Self.entry(200), for: "f", version: version)  // over: "b", the oldest unused, goes
        #expect(cache.entry(for: "b", version: version) == nil)
        #expect(cache.entry(for: "a", version: version) != nil)
        #expect(cache.count == 5)
        cache.store(Self.entry(251), for: "big", version: version)  // over a quarter: never kept
        #expect(cache.entry(for: "big", version: version) == nil)
    }

    @Test func concurrentMissesShareOneComputation() async {
        let cache = ResponseCache()
        let version = 0
        let made = Counter()
        let bodies = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<32 {
                group.addTask {
                    await cache.entry(for: "series", version: version) {
                        made.add()
                        Thread.sleep(forTimeInterval: 0.05)  // long enough for the others to arrive
                        return Self.entry(5)
                    }.body
                }
            }
            var all: [[UInt8]] = []
            for await body in group { all.append(body) }
            return all
        }
        #expect(bodies.count == 32 && bodies.allSatisfy { $0 == [7, 7, 7, 7, 7] })
        #expect(made.value == 1)
        // A newer snapshot computes afresh.
        let later = version + 1
        _ = await cache.entry(for: "series", version: later) {
            made.add(); return Self.entry(1)
        }
        #expect(made.value == 2)
    }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
