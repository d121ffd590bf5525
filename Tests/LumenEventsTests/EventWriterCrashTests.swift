import Foundation
import LumenEvents
import Testing
import LumenTestSupport

/// A writer process killed with SIGKILL loses nothing it had flushed.
///
/// The child is the `event-writer-probe` executable target, built next to the test bundle: it
/// writes scalars in rounds, flushing after each and printing `flushed K`, then queues more
/// without flushing and waits to be killed.
@Suite struct EventWriterCrashTests {
    /// The probe executable next to the test bundle, if it was built.
    static let probe: String? = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("event-writer-probe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return Bundle.allBundles.lazy.compactMap { bundle -> String? in
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("event-writer-probe")
                .path
            return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
        }.first
    }()

    @Test(
        .enabled(if: probe != nil, "the event-writer-probe executable was not built next to the tests"),
        arguments: ["gzip", "none"])
    func sigkillLosesNothingFlushed(compression: String) throws {
        let probe = try #require(Self.probe)
        try withTemporaryDirectory { logdir in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: probe)
            process.arguments = [logdir, compression, "4", "250", "500"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(60)
            while !text.contains("buffered\n") && Date() < deadline && process.isRunning {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            #expect(text.contains("buffered\n"), "probe said: \(text)")
            let lines = text.split(separator: "\n")
            let flushed = lines.compactMap { $0.hasPrefix("flushed ") ? Int($0.dropFirst(8)) : nil }
            #expect(flushed == [250, 500, 750, 1_000])
            let path = try #require(lines.first { $0.hasPrefix("file ") }.map { String($0.dropFirst(5)) })

            let events = try readEvents(path)
            #expect(events.first?.fileVersion == "brain.Event:2")
            let steps = events.dropFirst().map(\.step)
            #expect(steps == (0..<1_000).map(Int64.init), "exactly the flushed events")
            #expect(events.dropFirst().allSatisfy { $0.scalars.first?.1 == Float($0.step) })
        }
    }
}
