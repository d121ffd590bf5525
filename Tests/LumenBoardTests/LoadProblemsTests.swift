import Foundation
import LumenEvents
import Synchronization
import Testing
@testable import LumenBoard
import LumenTestSupport

@Suite struct LoadProblemsTests {
    static func scalars(_ tag: String, _ steps: Range<Int>) -> [UInt8] {
        EventBytes.framed(steps.map { EventBytes.scalar(tag, step: Int64($0), value: Float($0)) })
    }

    static func scalars(_ tag: String, _ steps: Range<Int>, plus offset: Float) -> [UInt8] {
        EventBytes.framed(steps.map { EventBytes.scalar(tag, step: Int64($0), value: Float($0) + offset) })
    }

    /// Rewrites `path` in place (same inode): cut to nothing, then `bytes`.
    static func rewriteInPlace(_ path: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(bytes))
    }

    /// A deleted file keeps what was read and is listed in `/api/status`'s problems. A file replaced
    /// under its name — another inode, shorter, or rewritten in place with a different first record
    /// — is read again from the start: its old points are replaced by the new file's, and
    /// `/api/status` lists it under `rereads`. The other files go on being read.
    @Test func deletedAndReplacedFiles() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a/events.out.tfevents.1.host", Self.scalars("x", 0..<10))
        try dir.write("a/events.out.tfevents.2.host", Self.scalars("y", 0..<10))
        try dir.write("b/events.out.tfevents.1.host", Self.scalars("x", 0..<10))
        try dir.write("c/events.out.tfevents.1.host", Self.scalars("x", 0..<10))
        try dir.write("d/events.out.tfevents.1.host", Self.scalars("x", 0..<10))
        try dir.write("e/events.out.tfevents.1.host", Self.scalars("x", 0..<10))
        try dir.write("e/events.out.tfevents.2.host", Self.scalars("y", 0..<10))
        let loader = BoardLoader(logdir: dir.path)
        var snapshot = await loader.reload()
        #expect(snapshot.status.problems.isEmpty && snapshot.status.rereads.isEmpty)
        #expect(snapshot.status.events == 70)

        try FileManager.default.removeItem(atPath: dir.file("a/events.out.tfevents.1.host"))
        // b: rewritten shorter in place; c: another file renamed over it; e: rewritten longer in
        // place, so only its first record tells.
        try Self.rewriteInPlace(dir.file("b/events.out.tfevents.1.host"), Self.scalars("x", 0..<5, plus: 100))
        try dir.write("c/replacement", Self.scalars("x", 0..<20, plus: 200))
        #expect(rename(dir.file("c/replacement"), dir.file("c/events.out.tfevents.1.host")) == 0)
        try Self.rewriteInPlace(dir.file("e/events.out.tfevents.1.host"), Self.scalars("x", 3..<18, plus: 300))
        try dir.append("a/events.out.tfevents.2.host", Self.scalars("y", 10..<15))
        try dir.append("d/events.out.tfevents.1.host", Self.scalars("x", 10..<12))
        snapshot = await loader.reload()

        #expect(snapshot.status.problems.map(\.run) == ["a"])
        #expect(snapshot.status.problems.first?.message.contains("deleted") == true)
        #expect(snapshot.status.rereads.map(\.run) == ["b", "c", "e"])
        #expect(
            snapshot.status.rereads.map(\.file) == ["b", "c", "e"].map { dir.file("\($0)/events.out.tfevents.1.host") })
        let messages = snapshot.status.rereads.map(\.message)
        #expect(messages[0].contains("shrank"), "\(messages)")
        #expect(messages[1].contains("new inode"), "\(messages)")
        #expect(messages[2].contains("first record changed"), "\(messages)")
        #expect(messages.allSatisfy { $0.contains("read again from the start") })
        // The replaced files' points are the new files' only; the other files' are all there.
        func points(_ run: String, _ tag: String) throws -> [(Int64, Double)] {
            try FaultTests.served(snapshot, run: run, tag: tag).map { ($0.step, $0.value) }
        }
        #expect(
            try points("b", "x").map(\.0) == Array(0..<5)
                && points("b", "x").map(\.1) == (0..<5).map { Double($0) + 100 })
        #expect(
            try points("c", "x").map(\.0) == Array(0..<20)
                && points("c", "x").map(\.1) == (0..<20).map { Double($0) + 200 })
        #expect(
            try points("e", "x").map(\.0) == Array(3..<18)
                && points("e", "x").map(\.1) == (3..<18).map { Double($0) + 300 })
        #expect(try points("e", "y").map(\.0) == Array(0..<10))
        #expect(snapshot.runs["a"]?.scalars["x"]?.count == 10)
        #expect(snapshot.runs["a"]?.scalars["y"]?.count == 15)
        #expect(snapshot.runs["d"]?.scalars["x"]?.count == 12)
        #expect(snapshot.status.corruptRecords == 0)

        // Growing again is not a replacement: the next pass just reads on.
        try dir.append("c/events.out.tfevents.1.host", Self.scalars("x", 20..<25, plus: 200))
        snapshot = await loader.reload()
        #expect(snapshot.status.rereads.count == 3)
        #expect(snapshot.runs["c"]?.scalars["x"]?.count == 25)

        // `/api/status` lists both.
        let status = BoardAPI.respond(endpoint: "status", parameters: [:], snapshot: snapshot)
        #expect(status.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any])
        let listed = try #require(json["problems"] as? [[String: String]])
        #expect(listed.map { $0["run"] ?? "" } == ["a"])
        let rereads = try #require(json["rereads"] as? [[String: String]])
        #expect(rereads.map { $0["run"] ?? "" } == ["b", "c", "e"])
        #expect(rereads.allSatisfy { $0["file"]?.isEmpty == false && $0["message"]?.isEmpty == false })
        #expect(json["firstLoadDone"] as? Bool == true)
    }

    /// A file that can't be opened or read is a problem, tried again on the next pass.
    @Test func unreadableFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let run = RunLoader(name: "r")
        let missing = dir.file("events.out.tfevents.1.host")
        run.load(files: [missing])
        #expect(run.problems.count == 1)
        #expect(run.problems.first?.message.contains("can't be opened") == true)
        // It appears: read, and the problem is gone.
        try dir.write("events.out.tfevents.1.host", Self.scalars("x", 0..<4))
        run.load(files: [missing])
        #expect(run.problems.isEmpty)
        #expect(run.data.scalars["x"]?.count == 4)

        // A directory opens but can't be read.
        let directory = dir.file("sub")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let other = RunLoader(name: "s")
        other.load(files: [directory])
        #expect(other.problems.count == 1)
        #expect(other.problems.first?.file == directory)
    }

    /// A bad length checksum in a plain file is counted once and stops that file; a frame over
    /// the limit is skipped; a gzip file is read in budgeted slices like a plain one.
    @Test func corruptFramesAndSlices() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var bytes = Self.scalars("x", 0..<5)
        let good = bytes.count
        bytes += Self.scalars("x", 5..<6)
        bytes[good + 8] ^= 0x01  // the sixth frame's length checksum
        bytes += Self.scalars("x", 6..<8)
        try dir.write("events.out.tfevents.1.host", bytes)
        let run = RunLoader(name: ".")
        run.load(files: [dir.file("events.out.tfevents.1.host")])
        run.load(files: [dir.file("events.out.tfevents.1.host")])
        #expect(run.data.scalars["x"]?.steps == [0, 1, 2, 3, 4])
        #expect(run.data.corruptRecords == 1)

        // Reading in slices of 100 bytes gives the same as one read.
        let many = Self.scalars("y", 0..<500)
        try dir.write("s/events.out.tfevents.1.host", many)
        let sliced = RunLoader(name: "s")
        var passes = 0
        while sliced.load(files: [dir.file("s/events.out.tfevents.1.host")], budget: 100).more { passes += 1 }
        #expect(passes > 10)
        #expect(sliced.data.scalars["y"]?.steps == (0..<500).map(Int64.init))
    }
}

@Suite struct ProgressiveLoadTests {
    /// The first pass publishes snapshots as it goes (`firstLoadDone` false, part of the data),
    /// then the whole; loading runs on more than one worker.
    @Test func firstLoadPublishesAsItGoes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for run in 0..<6 {
            try dir.write("run\(run)/events.out.tfevents.1.host", LoadProblemsTests.scalars("loss", 0..<40_000))
        }
        let store = BoardStore()
        let seen = Collected<BoardSnapshot>()
        let reports = Collected<LoadProgress>()
        // Each report follows the publish of a partial snapshot, on the loading thread.
        let loader = BoardLoader(
            spec: LogdirSpec(path: dir.path), store: store, progressInterval: 0.001, sliceBytes: 64 << 10,
            progress: { report in
                reports.append(report)
                if !report.done { seen.append(store.snapshot) }
            })
        let final = await loader.reload()

        #expect(final.status.firstLoadDone && final.status.events == 240_000)
        let partial = seen.all.filter { !$0.status.firstLoadDone }
        #expect(!partial.isEmpty)
        #expect(partial.contains { $0.status.events < 240_000 })
        // Points only ever grow from one partial snapshot to the next.
        let counts = partial.map(\.status.events)
        #expect(counts == counts.sorted())
        let progress = reports.all
        #expect(progress.last?.done == true && progress.last?.records == 240_000 && progress.last?.files == 6)
        #expect(progress.dropLast().allSatisfy { !$0.done })
        // A later pass publishes only whole snapshots and reports no progress.
        let count = reports.all.count
        _ = await loader.reload()
        #expect(reports.all.count == count)
    }

    @Test func progressLine() {
        let text = LoadProgressText.line(
            LoadProgress(files: 3, bytes: 3 << 20, records: 5000, seconds: 0.5, done: false))
        #expect(text == "\r\u{1B}[Kloading 3 files, 3.0 MB, 5000 events (10000 events/s) in 0.50 s")
        let done = LoadProgressText.line(
            LoadProgress(files: 3, bytes: 3 << 20, records: 5000, seconds: 0.5, done: true))
        #expect(done.hasPrefix("\r\u{1B}[Kloaded 3 files") && done.hasSuffix("\n"))
    }
}

/// Values gathered from several tasks.
final class Collected<Value: Sendable>: Sendable {
    private let items = Mutex<[Value]>([])

    func append(_ value: Value) { items.withLock { $0.append(value) } }

    var all: [Value] { items.withLock { $0 } }
}
