import Foundation
import LumenEvents

/// The output of a finished child process.
struct ProcessOutput {
    var status: Int32
    var standardOutput: Data
    var standardError: String
}

/// Runs `executable` with `arguments` and waits for it to finish.
func runProcess(_ executable: String, _ arguments: [String]) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting, so a child that fills a pipe can't block.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: outputData,
        standardError: String(decoding: errorData, as: UTF8.self))
}

/// The first of `candidates` that exists and is executable.
func executable(_ candidates: [String]) -> String? {
    candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A fresh path in the temporary directory; the file is removed when `body` returns.
func withTemporaryPath<Result>(suffix: String = "", _ body: (String) throws -> Result) rethrows -> Result {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("lumen-events-\(UUID().uuidString)\(suffix)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// The framed TFRecord stream of `records`.
func framed(_ records: [[UInt8]]) -> [UInt8] {
    var stream: [UInt8] = []
    for record in records { TFRecordFrame.append(record, to: &stream) }
    return stream
}
