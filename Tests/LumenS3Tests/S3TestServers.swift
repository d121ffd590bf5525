import AWSSigV4
import Foundation
import LumenS3
import LumenTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Moto's standalone S3 server (`moto[server]` in `.venv`) on a free loopback port, started for
/// one test and stopped after it.
final class MotoServer: @unchecked Sendable {
    let port: Int
    private let process: Process

    /// The endpoint URL, `http://127.0.0.1:PORT`.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The test credentials Moto accepts.
    static let credentials = AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing")

    /// Whether `.venv` has Moto's server.
    static var isAvailable: Bool { Repository.pythonImports(["moto.server", "flask", "werkzeug"]) }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts the server (on `port`, or a free one) and waits until it answers.
    static func start(port: Int? = nil) throws -> MotoServer {
        guard let python = Repository.python else {
            throw ProcessFailure(description: "no .venv/bin/python; run scripts/setup")
        }
        let port = try port ?? freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = MotoServer(port: port, process: process)
        let deadline = Date().addingTimeInterval(30)
        while !canConnect(port: port) {
            guard process.isRunning, Date() < deadline else {
                server.stop()
                throw ProcessFailure(description: "Moto's server did not start on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return server
    }

    /// A client of this server.
    func client(retry: S3RetryPolicy = S3RetryPolicy()) -> S3Client {
        S3Client(configuration: configuration, retry: retry)
    }

    var configuration: S3Configuration {
        S3Configuration(credentials: Self.credentials, region: "us-east-1", endpoint: URL(string: endpoint))
    }

    func stop() { kill(process) }

    deinit { stop() }
}

/// Ends `process` with SIGKILL and waits (up to 10 s) until it is gone, without
/// `waitUntilExit`, whose run loop can hang on a Swift concurrency thread.
func kill(_ process: Process) {
    guard process.isRunning else { return }
    _ = Glibc.kill(process.processIdentifier, SIGKILL)
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
}

/// `scripts/s3_fault_proxy.py` in front of a server: fails most requests with 503 SlowDown (and
/// resets some connections), forwarding the rest.
final class FaultProxy: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let input: Pipe
    private let output: Pipe
    private let lines = Locked<[String]>([])

    var endpoint: String { "http://127.0.0.1:\(port)" }

    init(upstream: Int, storm: Int, resetEvery: Int) throws {
        guard let python = Repository.python else {
            throw ProcessFailure(description: "no .venv/bin/python; run scripts/setup")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            Repository.path("scripts/s3_fault_proxy.py"), String(upstream), "--storm", String(storm),
            "--reset-every", String(resetEvery),
        ]
        input = Pipe()
        output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let handle = output.fileHandleForReading
        var buffer = Data()
        var port: Int?
        while port == nil {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { break }
            buffer += chunk
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                port = Int(line.dropFirst("listening ".count))
            }
        }
        guard let port else {
            kill(process)
            throw ProcessFailure(description: "the fault proxy did not start")
        }
        self.port = port
        let lines = self.lines
        // Complete lines only: a read may end in the middle of one, kept until its newline comes.
        let partial = Locked(
            String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).last.map(
                String.init) ?? "")
        handle.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { return }
            let complete: [String] = partial.withLock { rest in
                var pieces = (rest + String(decoding: data, as: UTF8.self)).split(
                    separator: "\n", omittingEmptySubsequences: false
                ).map(String.init)
                rest = pieces.removeLast()
                return pieces.filter { !$0.isEmpty }
            }
            lines.withLock { $0 += complete }
        }
    }

    /// The requests seen so far, as `METHOD PATH RANGE` lines.
    var requests: [String] {
        lines.withLock { $0.filter { $0.hasPrefix("request ") }.map { String($0.dropFirst("request ".count)) } }
    }

    /// Requests seen, failed with 503 and reset, as last reported.
    var counts: (total: Int, failed: Int, reset: Int) {
        guard let last = lines.withLock({ $0.last(where: { $0.hasPrefix("served ") }) }) else { return (0, 0, 0) }
        let numbers = last.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard numbers.count == 3 else { return (0, 0, 0) }
        return (numbers[0], numbers[1], numbers[2])
    }

    /// What an outage of the proxy fails with 503.
    enum Outage: String {
        /// Every request.
        case all = "outage"
        /// Ranged `GET`s (objects' bytes); listings still work.
        case reads = "outage-reads"
        /// None: the outage is over.
        case none = "heal"
    }

    /// Starts or ends an outage, once the proxy confirms.
    func setOutage(_ outage: Outage) throws {
        let command = outage.rawValue
        let before = lines.withLock { $0.count }
        input.fileHandleForWriting.write(Data("\(command)\n".utf8))
        let deadline = Date().addingTimeInterval(10)
        while !lines.withLock({ $0.dropFirst(before).contains(command) }) {
            guard Date() < deadline else {
                throw ProcessFailure(description: "the fault proxy did not confirm '\(command)'")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    func stop() {
        output.fileHandleForReading.readabilityHandler = nil
        try? input.fileHandleForWriting.close()
        kill(process)
    }

    deinit { stop() }
}

/// A loopback port nothing listens on now.
func freePort() throws -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { throw ProcessFailure(description: "socket() failed") }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw ProcessFailure(description: "bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
    }
    guard named == 0 else { throw ProcessFailure(description: "getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts connections on the loopback `port`.
func canConnect(port: Int) -> Bool {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { return false }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    } == 0
}

/// Uploads every file under the local `directory` to `bucket` under `prefix` (same relative keys).
func uploadDirectory(_ directory: String, to bucket: String, prefix: String, client: S3Client) throws {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return }
    while let relative = enumerator.nextObject() as? String {
        let path = (directory as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let data = FileManager.default.contents(atPath: path)
        else { continue }
        let key = prefix.isEmpty ? relative : prefix + "/" + relative
        try runBlocking { () async throws(S3Error) in
            try await client.putObject(bucket: bucket, key: key, bytes: [UInt8](data))
        }
    }
}
