import Foundation
import Synchronization
import LumenEvents
import Testing
@testable import LumenBoard
import LumenTestSupport

/// Faults while the board reads: writers killed mid-write, and events appended in odd chunks
/// while the board loads. What the board serves is compared with what the writer wrote.
@Suite(.serialized) struct FaultTests {
    /// The `event-writer-probe` executable, built next to the test bundle by `swift test`.
    static let probe = builtExecutable(named: "event-writer-probe")

    /// The points `/api/scalars` serves for `tag` of `run`, as (step, value) pairs.
    static func served(_ snapshot: BoardSnapshot, run: String, tag: String) throws -> [(step: Int64, value: Double)] {
        let answer = BoardAPI.respond(endpoint: "scalars", parameters: ["run": run, "tag": tag], snapshot: snapshot)
        guard answer.status == 200 else { return [] }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        let points = try #require(json["points"] as? [[Any]])
        return try points.map { point in
            let step = try #require((point[1] as? NSNumber)?.int64Value)
            let value = try #require((point[2] as? NSNumber)?.doubleValue)
            return (step, value)
        }
    }

    /// A writer killed with SIGKILL at a random moment, 50 times (plain and gzip alternately):
    /// the board serves every event the writer reported flushed, and only events it wrote, in
    /// order, with no damaged record reported.
    @Test(.enabled(if: probe != nil, "the event-writer-probe executable was not built next to the tests"))
    func writerKilledAtRandomMoments() async throws {
        let probe = try #require(Self.probe)
        var generator = SplitMix64(seed: 20261129)
        var killedWhileWriting = 0
        var servedTotal = 0
        for round in 0..<50 {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let compression = round % 2 == 0 ? "none" : "gzip"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: probe)
            process.arguments = [dir.path, compression, "stream", String(1 + Int(generator.next() % 500))]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let delay = 20 + generator.next() % 180
            try await Task.sleep(nanoseconds: delay * 1_000_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let flushed =
                said.split(separator: "\n").compactMap { line -> Int? in
                    line.hasPrefix("flushed ") ? Int(line.dropFirst(8)) : nil
                }.last ?? 0

            let snapshot = await BoardLoader(logdir: dir.path).reload()
            let points = try Self.served(snapshot, run: ".", tag: "probe")
            let context = "round \(round) (\(compression), killed after \(delay) ms, \(flushed) flushed)"
            #expect(points.count >= flushed, "\(context): served \(points.count)")
            #expect(
                points.enumerated().allSatisfy {
                    $0.element.step == Int64($0.offset) && $0.element.value == Double($0.offset)
                },
                "\(context): served points are not the writer's 0, 1, 2, …")
            #expect(snapshot.runs["."]?.corruptRecords ?? 0 == 0, "\(context): corrupt records reported")
            if flushed > 0 { killedWhileWriting += 1 }
            servedTotal += points.count
        }
        print(
            "writer killed 50 times: \(killedWhileWriting) kills after the first flush, \(servedTotal) events served in all"
        )
        // The schedule must really kill writers mid-stream, not before they start.
        #expect(killedWhileWriting >= 40)
    }

    /// Records appended at about 100,000 events/s in random chunk sizes (records split across
    /// reads) while the board reloads: at the end the served counts and values equal the writer's.
    @Test func appendsInRandomChunksWhileLoading() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = "events.out.tfevents.1.host"
        try dir.write(file, [])
        let total = 150_000
        let tags = ["loss", "accuracy", "lr"]
        var bytes: [UInt8] = []
        for index in 0..<total {
            TFRecordFrame.append(
                EventBytes.scalar(tags[index % 3], step: Int64(index / 3), value: Float(index) * 0.5), to: &bytes)
        }
        let stream = bytes
        let done = Mutex(false)
        let writer = Task.detached {
            defer { done.withLock { $0 = true } }
            var generator = SplitMix64(seed: 7)
            var offset = 0
            let start = Date()
            while offset < stream.count {
                let chunk = min(stream.count - offset, 1 + Int(generator.next() % 40_000))
                try dir.append(file, Array(stream[offset..<offset + chunk]))
                offset += chunk
                // Pace to about 100,000 events/s (each event here is about 30 bytes framed).
                let due = Double(offset) / Double(stream.count) * Double(total) / 100_000
                let ahead = due - Date().timeIntervalSince(start)
                if ahead > 0 { try await Task.sleep(nanoseconds: UInt64(ahead * 1e9)) }
            }
        }
        let loader = BoardLoader(logdir: dir.path)
        var reloads = 0
        while true {
            let finished = done.withLock { $0 }
            await loader.reload()
            reloads += 1
            if finished { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try await writer.value
        let snapshot = await loader.reload()
        #expect(reloads > 5, "the board should have loaded while the writer appended")
        for (t, tag) in tags.enumerated() {
            let points = try Self.served(snapshot, run: ".", tag: tag)
            #expect(points.count == total / 3, "\(tag)")
            let expected = (0..<total / 3).map { (Int64($0), Double(Float($0 * 3 + t) * 0.5)) }
            #expect(points.map(\.step) == expected.map(\.0), "\(tag) steps")
            #expect(points.map(\.value) == expected.map(\.1), "\(tag) values")
        }
        #expect(snapshot.runs["."]?.events == total)
        #expect(snapshot.runs["."]?.corruptRecords == 0)
    }
}
