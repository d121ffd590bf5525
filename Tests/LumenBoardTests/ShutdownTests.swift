import Foundation
import LumenTestSupport
import Testing
@testable import LumenBoard

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT and SIGTERM at random moments of the board's first load stop it within a second.
///
/// The logdir is the board benchmark's, written by `board-bench-logdir`: by default a tenth of it
/// (`--steps 5000`, about 48 MB); set `LUMEN_SIGNAL_LOGDIR` to a logdir made by
/// `board-bench-logdir DIR` (its defaults: about 481 MB) to send the signals while the full one
/// loads.
@Suite(.serialized) struct ShutdownTests {
    static let generator = builtExecutable(named: "board-bench-logdir")

    /// The logdir to load: `LUMEN_SIGNAL_LOGDIR`, or a small benchmark logdir made here.
    static func logdir() throws -> (path: String, made: TemporaryDirectory?) {
        if let given = ProcessInfo.processInfo.environment["LUMEN_SIGNAL_LOGDIR"], !given.isEmpty {
            return (given, nil)
        }
        let dir = try TemporaryDirectory()
        let generator = try #require(generator)
        let result = try runProcess(generator, [dir.path, "--steps", "5000"])
        guard result.status == 0 else {
            dir.remove()
            throw BoardProcess.Failure(description: "board-bench-logdir: \(result.standardError)")
        }
        return (dir.path, dir)
    }

    /// Seconds from start until `/api/status` says the first load is done.
    static func firstLoadSeconds(_ logdir: String) async throws -> Double {
        let started = Date()
        let board = try BoardProcess(["--logdir", logdir, "--reload-interval", "0"])
        defer { board.stop() }
        while true {
            let status = try curl("http://127.0.0.1:\(board.port)/api/status")
            if status.json?["firstLoadDone"] as? Bool == true { return Date().timeIntervalSince(started) }
            if Date().timeIntervalSince(started) > 600 {
                throw BoardProcess.Failure(description: "the first load took over 10 minutes")
            }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    @Test(
        .enabled(
            if: BoardProcess.binary != nil && generator != nil && curlPath != nil,
            "needs the board and board-bench-logdir executables and curl"))
    func signalsDuringTheFirstLoadStopTheBoardWithinASecond() async throws {
        let (logdir, made) = try Self.logdir()
        defer { made?.remove() }
        let loadSeconds = try await Self.firstLoadSeconds(logdir)
        var generator = SplitMix64(seed: 15)
        var slowest = 0.0
        var stopTimes: [Double] = []
        var beforeListening = 0
        for round in 0..<50 {
            let signal = round % 2 == 0 ? SIGINT : SIGTERM
            // A moment anywhere in the first load, from the process's start on.
            let delay = Double(generator.next() % 1_000_000) / 1_000_000 * loadSeconds
            let board = try BoardProcess(["--logdir", logdir, "--reload-interval", "2"], waitForLine: false)
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            let sent = Date()
            kill(board.process.processIdentifier, signal)
            // Wait (up to 5 s) for the exit, polling, so a hang is measured rather than waited out.
            while board.process.isRunning && Date().timeIntervalSince(sent) < 5 {
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            let seconds = Date().timeIntervalSince(sent)
            let stopped = !board.process.isRunning
            if !stopped { kill(board.process.processIdentifier, SIGKILL) }
            board.process.waitUntilExit()
            let context =
                "round \(round): signal \(signal) at \(String(format: "%.3f", delay)) s of a \(String(format: "%.2f", loadSeconds)) s load"
            #expect(stopped && seconds < 1, "\(context): still running after \(String(format: "%.3f", seconds)) s")
            // Either a clean exit, or (before the board's handler was installed) the signal's default action.
            let clean = board.process.terminationReason == .exit && board.process.terminationStatus == 0
            let bySignal =
                board.process.terminationReason == .uncaughtSignal && board.process.terminationStatus == signal
            #expect(
                clean || bySignal,
                "\(context): ended with \(board.process.terminationReason) \(board.process.terminationStatus)")
            if bySignal { beforeListening += 1 }
            slowest = max(slowest, seconds)
            stopTimes.append(seconds)
        }
        stopTimes.sort()
        print(
            """
            signals during the first load: 50 rounds over a \(String(format: "%.2f", loadSeconds)) s load of \(logdir); \
            stop time median \(String(format: "%.3f", stopTimes[25])) s, slowest \(String(format: "%.3f", slowest)) s; \
            \(beforeListening) ended by the signal's default action (before the handler existed)
            """)
    }
}
