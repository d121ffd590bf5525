import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

/// A logdir with more event files than the process may open at once: the board keeps a file
/// open only while it reads it, and raises its own limit of open files as far as it may.
@Suite struct DescriptorLimitTests {
    /// The process's open file descriptors now.
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    /// `runs` runs of one event file each, the run `runNNN`'s `loss` at steps 0 and 1.
    static func logdir(runs: Int) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        for run in 0..<runs {
            let records = (0..<2).map { EventBytes.scalar("loss", step: Int64($0), value: Float(run)) }
            try dir.write(String(format: "run%03d/events.out.tfevents.1.host", run), EventBytes.framed(records))
        }
        return dir
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "needs /proc"))
    func loadedFilesHoldNoDescriptorsBetweenPasses() throws {
        let dir = try Self.logdir(runs: 300)
        defer { dir.remove() }
        let before = Self.openDescriptors()
        let loader = LogdirLoader(logdir: dir.path)
        loader.reload()
        #expect(loader.runNames.count == 300)
        #expect(loader.run("run299")?.scalars["loss"]?.steps == [0, 1])
        // Other tests of this process may hold a few files open meanwhile, not 300.
        #expect(Self.openDescriptors() - before < 100)

        // Files are opened again for the next pass: growth is still read, a replaced file still
        // told apart.
        try dir.append(
            "run007/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("loss", step: 2, value: 9)]))
        let replacement = dir.file("run008/events.out.tfevents.1.host.new")
        try dir.write(
            "run008/events.out.tfevents.1.host.new", EventBytes.framed([EventBytes.scalar("loss", step: 5, value: 1)]))
        #expect(rename(replacement, dir.file("run008/events.out.tfevents.1.host")) == 0)
        loader.reload()
        #expect(loader.run("run007")?.scalars["loss"]?.steps == [0, 1, 2])
        #expect(loader.run("run008")?.scalars["loss"]?.steps == [5])
        #expect(Self.openDescriptors() - before < 100)
    }

    static let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        .enabled(
            if: BoardProcess.binary != nil && curlPath != nil && prlimit != nil,
            "needs the board executable, curl and prlimit"))
    func aBoardAllowedFewerFilesThanTheLogdirHasLoadsEveryRun() async throws {
        let dir = try Self.logdir(runs: 400)
        defer { dir.remove() }
        let prlimit = try #require(Self.prlimit)
        // At most 128 open files, and the limit can't be raised.
        let board = try BoardProcess(
            ["--logdir", dir.path, "--reload-interval", "0.2"], launcher: [prlimit, "--nofile=128:128"])
        defer { board.stop() }
        let started = Date()
        var status: [String: Any] = [:]
        while Date().timeIntervalSince(started) < 60 {
            status = try curl("http://127.0.0.1:\(board.port)/api/status").json ?? [:]
            if status["firstLoadDone"] as? Bool == true { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(status["firstLoadDone"] as? Bool == true)
        // A few reload passes later it still serves, every run loaded, no file reported.
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(board.process.isRunning)
        let runs = try curl("http://127.0.0.1:\(board.port)/api/runs")
        let list = (try? JSONSerialization.jsonObject(with: Data(runs.body.utf8))) as? [[String: Any]]
        #expect(Set(list?.compactMap { $0["name"] as? String } ?? []).count == 400)
        let scalars = try curl("http://127.0.0.1:\(board.port)/api/scalars?run=run399&tag=loss")
        #expect(scalars.status == 200 && scalars.body.contains("399"))
        let again = try curl("http://127.0.0.1:\(board.port)/api/status").json ?? [:]
        #expect((again["problems"] as? [Any])?.isEmpty ?? true, "\(again["problems"] ?? "")")
    }

    @Test(
        .enabled(
            if: BoardProcess.binary != nil && prlimit != nil
                && FileManager.default.fileExists(atPath: "/proc/self/limits"),
            "needs the board executable, prlimit and /proc"))
    func theBoardRaisesItsOpenFileLimitToTheHardLimit() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let prlimit = try #require(Self.prlimit)
        let board = try BoardProcess(
            ["--logdir", dir.path, "--reload-interval", "0"], launcher: [prlimit, "--nofile=64:4096"])
        defer { board.stop() }
        let limits = try String(contentsOfFile: "/proc/\(board.process.processIdentifier)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        let fields = line?.split(separator: " ", omittingEmptySubsequences: true) ?? []
        // "Max open files  <soft>  <hard>  files"
        #expect(fields.count >= 5 && fields[3] == "4096" && fields[4] == "4096", "\(line ?? "")")
    }
}
