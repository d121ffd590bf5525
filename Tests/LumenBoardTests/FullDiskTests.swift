import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The event writer when the disk fills: `flush()` and `close()` throw with the cause, the file
/// stays valid up to its last complete record (the board reads it with no damaged record), and
/// writing resumes once there is space again. The writer is `event-writer-probe ... full`, a
/// child process: its file size is limited with `RLIMIT_FSIZE`, or (when this process may mount
/// one, as root on Linux) it writes to a 256 KiB tmpfs that the test fills and empties.
@Suite(.serialized) struct FullDiskTests {
    static let probe = builtExecutable(named: "event-writer-probe")

    /// The probe, talked to a line at a time.
    final class Probe {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()
        private var buffered = ""

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try #require(FullDiskTests.probe))
            process.arguments = arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        /// The next line the probe prints.
        func line() -> String {
            while !buffered.contains("\n") {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                buffered += String(decoding: data, as: UTF8.self)
            }
            guard let newline = buffered.firstIndex(of: "\n") else {
                defer { buffered = "" }
                return buffered
            }
            defer { buffered = String(buffered[buffered.index(after: newline)...]) }
            return String(buffered[..<newline])
        }

        /// Lines until one starts with one of `prefixes` (that one is returned).
        func line(startingWith prefixes: [String]) -> String {
            while true {
                let next = line()
                if next.isEmpty || prefixes.contains(where: next.hasPrefix) { return next }
            }
        }

        func send(_ command: String) { input.fileHandleForWriting.write(Data((command + "\n").utf8)) }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// The count after the first word of a `flushed K` / `full K ERROR` line.
    static func count(_ line: String) -> Int { Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1 }

    /// Checks the file ends at a record boundary with no damaged record, and that the board
    /// serves exactly the events `0..<expected` from it, in order, with no corrupt record.
    static func expectValid(
        _ logdir: String, file: String, compression: String, events expected: Int,
        _ context: String
    ) async throws {
        if compression == "none" {
            var reader = try TFRecordReader(path: file)
            let batch = try reader.readAvailable()
            #expect(batch.end == .atRecordBoundary && batch.corruptions.isEmpty, "\(context): \(batch.end)")
            #expect(batch.records.count == expected + 1, "\(context): records (with the file_version event)")
        } else {
            let reader = try GzipTFRecordReader(path: file)
            let batch = try reader.readAvailable()
            #expect(
                batch.end == .atRecordBoundary && batch.corruptions.isEmpty && reader.isAtMemberBoundary,
                "\(context): \(batch.end)")
            #expect(batch.records.count == expected + 1, "\(context): records (with the file_version event)")
        }
        let snapshot = await BoardLoader(logdir: logdir).reload()
        let points = try FaultTests.served(snapshot, run: ".", tag: "probe")
        #expect(points.count == expected, "\(context): the board serves \(points.count)")
        #expect(
            points.enumerated().allSatisfy {
                $0.element.step == Int64($0.offset) && $0.element.value == Double($0.offset)
            },
            "\(context): served points are not the writer's 0, 1, 2, …")
        #expect(snapshot.status.corruptRecords == 0 && snapshot.status.problems.isEmpty, "\(context)")
    }

    /// The whole story, in batches of `batch` events, with `makeSpace` / `takeSpace` freeing and
    /// filling the disk (with a file size limit, the probe lowers it itself at `close`).
    static func story(
        compression: String, logdir: String, batch: Int, limit: UInt64?, cause: String,
        makeSpace: (Probe) throws -> Void, takeSpace: () throws -> Void = {}
    ) async throws {
        let probe = try Probe([logdir, compression, "full", String(batch)] + (limit.map { [String($0)] } ?? []))
        defer { probe.stop() }
        let file = try #require(probe.line().split(separator: " ", maxSplits: 1).last.map(String.init))
        // Batches are flushed until one fails.
        var flushed = 0
        var line = probe.line()
        while line.hasPrefix("flushed") {
            flushed = count(line)
            line = probe.line()
        }
        #expect(line.hasPrefix("full "), "\(compression): \(line)")
        #expect(
            line.contains(cause) && line.contains(file),
            "\(compression): the error names the cause and the file: \(line)")
        #expect(flushed > 0, "\(compression): some batches fit before the disk filled")
        let written = count(line)
        try await expectValid(logdir, file: file, compression: compression, events: flushed, "\(compression), full")

        // Still full: the flush fails again, and nothing changes on disk.
        probe.send("flush")
        #expect(probe.line().hasPrefix("full \(written)"))
        try await expectValid(
            logdir, file: file, compression: compression, events: flushed, "\(compression), still full")

        // Space again: the waiting events are written, then new ones.
        try makeSpace(probe)
        probe.send("flush")
        #expect(probe.line() == "flushed \(written)", "\(compression): writing resumes")
        try await expectValid(logdir, file: file, compression: compression, events: written, "\(compression), resumed")
        probe.send("write")
        let more = probe.line()
        #expect(more == "flushed \(written + batch)", "\(more)")

        // Full again at close: close throws the cause; the file still ends at its last record.
        try takeSpace()
        probe.send("close")
        let closing = probe.line(startingWith: ["closed", "close-failed"])
        #expect(closing.hasPrefix("close-failed \(written + 2 * batch)") && closing.contains(cause), "\(closing)")
        probe.process.waitUntilExit()
        try await expectValid(
            logdir, file: file, compression: compression, events: written + batch, "\(compression), closed")
    }

    @Test(.enabled(if: probe != nil, "the event-writer-probe executable was not built"), arguments: ["none", "gzip"])
    func fileSizeLimit(compression: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await Self.story(
            compression: compression, logdir: dir.path, batch: 200, limit: 64 << 10, cause: "File too large",
            makeSpace: { $0.send("unlimit") })
    }

    /// A real full filesystem: a 1 MiB tmpfs, mounted here when this process may (root on Linux).
    @Test(
        .enabled(
            if: probe != nil && getuid() == 0 && FileManager.default.fileExists(atPath: "/proc/mounts"),
            "needs event-writer-probe and root on Linux to mount a tmpfs"),
        arguments: ["none", "gzip"])
    func fullFilesystem(compression: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let mountPoint = dir.file("disk")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount failed: \(mounted.standardError)")
        defer { _ = try? runProcess("/bin/umount", [mountPoint]) }
        let logdir = mountPoint + "/run"
        try FileManager.default.createDirectory(atPath: logdir, withIntermediateDirectories: true)
        let filler = mountPoint + "/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: nil))
        func freeBytes() -> Int {
            var status = statvfs()
            statvfs(mountPoint, &status)
            return Int(status.f_bavail) * Int(status.f_frsize)
        }
        /// Grows the filler (with real blocks) until at most `room` bytes are free.
        func fill(leaving room: Int) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            defer { try? handle.close() }
            try handle.seekToEnd()
            let block = Data(count: 4096)
            while freeBytes() > room {
                do { try handle.write(contentsOf: block) } catch { break }
            }
        }
        try fill(leaving: 128 << 10)
        try await Self.story(
            compression: compression, logdir: logdir, batch: 1000, limit: nil, cause: "No space left on device",
            makeSpace: { _ in #expect(truncate(filler, 0) == 0) },
            takeSpace: { try fill(leaving: 0) })
    }
}
