import Foundation

/// The output of a finished child process.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: Data
    public var standardError: String

    /// The standard output as UTF-8 text.
    public var text: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// A child process that could not be run or failed.
public struct ProcessFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// Runs `executable` with `arguments` (and `environment` added to the current one), feeding it
/// `input` if given, and waits for it to finish.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil,
    currentDirectory: String? = nil
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let standardInput = input.map { _ in Pipe() }
    if let standardInput {
        process.standardInput = standardInput
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    if let standardInput, let input {
        standardInput.fileHandleForWriting.write(input)
        try? standardInput.fileHandleForWriting.close()
    }
    // Read both pipes while the child runs, so a child that fills one can't block.
    let errorData = Locked(Data())
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        errorData.withLock { $0 = data }
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: outputData,
        standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
}

/// The first of `candidates` that exists and is executable.
public func executable(_ candidates: [String]) -> String? {
    candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The path of the package's executable `name` that `swift build` put next to the test bundle,
/// or `nil` if it isn't there. `LUMEN_EXECUTABLES=DIR` looks in `DIR` first (for example
/// `.build/release`, to time the release build's board from the debug tests).
public func builtExecutable(named name: String) -> String? {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let given = ProcessInfo.processInfo.environment["LUMEN_EXECUTABLES"].flatMap { $0.isEmpty ? nil : $0 }
    let candidates =
        (given.map { [URL(fileURLWithPath: $0)] } ?? []) + [directory, directory.deletingLastPathComponent()]
        + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    return candidates.map { $0.appendingPathComponent(name).path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
