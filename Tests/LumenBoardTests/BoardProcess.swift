import Foundation
import LumenTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `board` executable run as a user runs it: started with arguments, its first line read for
/// the URL it serves, stopped with a signal.
final class BoardProcess: @unchecked Sendable {
    /// The `board` executable, built next to the test bundle by `swift test`.
    static let binary = builtExecutable(named: "board")

    let process = Process()
    /// The first line the board printed.
    private(set) var line = ""
    private let output = Pipe()
    private let errors = Pipe()

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Starts the board with `arguments` (plus `--port 0` unless a port is given) and waits for
    /// its first line. With a `launcher` (a program and its arguments that runs the command after
    /// them in its place, such as `prlimit --nofile=128`), the board is started through it.
    init(
        _ arguments: [String], environment: [String: String] = [:], waitForLine: Bool = true, launcher: [String] = []
    ) throws {
        guard let binary = Self.binary else { throw Failure(description: "the board executable was not built") }
        let command =
            launcher + [binary] + arguments + (arguments.contains("--port") ? [] : ["--port", "0"])
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var variables = ProcessInfo.processInfo.environment
        variables["LUMEN_BOARD_TOKEN"] = nil
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if waitForLine {
            let handle = output.fileHandleForReading
            while !line.contains("\n") {
                let data = handle.availableData
                if data.isEmpty { break }
                line += String(decoding: data, as: UTF8.self)
            }
            guard line.contains("Lumen board at ") else {
                stop()
                throw Failure(description: "the board printed no URL: \(line)\(standardError())")
            }
        }
    }

    /// The URL printed, e.g. `http://127.0.0.1:40123/?token=…`.
    var url: String {
        let start = line.range(of: "Lumen board at ")?.upperBound ?? line.startIndex
        return String(line[start...].prefix { $0 != " " && $0 != "\n" })
    }

    /// The port in the printed URL.
    var port: Int {
        let afterScheme = url.components(separatedBy: "://").last ?? ""
        let authority = afterScheme.prefix { $0 != "/" }
        return Int(authority.split(separator: ":").last ?? "") ?? 0
    }

    /// The token in the printed URL, if there is one.
    var token: String? {
        guard let range = url.range(of: "?token=") else { return nil }
        return String(url[range.upperBound...])
    }

    /// What the board wrote to standard error (read once it has exited).
    func standardError() -> String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Stops the board (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// One HTTP exchange made with `curl`.
struct CurlResponse {
    var status: Int
    /// Header lines of the last response, names lowercased.
    var headers: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

/// `curl` on this machine.
let curlPath = executable(["/usr/bin/curl", "/usr/local/bin/curl", "/opt/homebrew/bin/curl"])

/// Requests `url` with curl (never through a proxy), with extra `arguments` (headers, TLS options).
func curl(_ url: String, _ arguments: [String] = [], maxTime: Double = 30) throws -> CurlResponse {
    guard let curlPath else { throw BoardProcess.Failure(description: "curl is not installed") }
    let headerFile = NSTemporaryDirectory() + "lumen-curl-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: headerFile) }
    let result = try runProcess(
        curlPath,
        [
            "--silent", "--show-error", "--noproxy", "*", "--max-time", String(maxTime), "--dump-header", headerFile,
        ] + arguments + [url])
    // 28: the time limit, expected for streams.
    guard result.status == 0 || result.status == 28 else {
        throw BoardProcess.Failure(description: "curl \(url) failed (\(result.status)): \(result.standardError)")
    }
    let head = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
    // With redirects or a 100 Continue there are several heads: the last one counts.
    let lastHead = head.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }.last ?? ""
    var lines = lastHead.components(separatedBy: "\r\n")
    let statusLine = lines.isEmpty ? "" : lines.removeFirst()
    let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
    let headers = lines.compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return CurlResponse(status: status, headers: headers, body: result.text)
}
