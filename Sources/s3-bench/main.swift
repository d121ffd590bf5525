import Dispatch
import Foundation
import LumenBoard
import LumenBoardS3
import LumenEvents
import LumenS3
import AWSSigV4
import Synchronization

// s3-bench: the board's logdir from an S3-compatible store vs the same logdir on local disk, and
// the writer's flush cost to the store. bench/s3 starts Moto's server and runs this.
//
//   s3-bench --endpoint URL --logdir DIR [--bucket NAME] [--repeats 3] [--block-mb 16]
//            [--writer-mb 1,8,32] [--skip-load] [--skip-writer]
//
// Load: uploads DIR (if the bucket has no objects yet) and times one full first pass of the
// board's loader (LogdirLoader.reload) over DIR and over s3://BUCKET, alternately, --repeats times
// each; prints the medians and their ratio, and checks both passes decoded the same events. Also
// times the transfer alone (every object fetched in the same ranged GETs, as many at once as the
// loader reads runs, nothing decoded), so the store's load can be set against "the local read
// plus the transfer".
// Writer: for each size S, an event file grown to S MB and uploaded, then 100 KB of events
// appended and flushed (EventFileWriter.flush + S3LogdirMirror.upload, what SummaryWriter.flush
// does for an s3:// logdir), timed per upload strategy: whole re-upload vs multipart with the
// stored part copied in the store.

struct Options {
    var endpoint = ""
    var logdir = ""
    var bucket = "lumen-bench"
    var repeats = 3
    var blockMB = 16
    var writerMB = [1, 8, 32]
    var load = true
    var writer = true
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("s3-bench: \(message)\n".utf8))
    exit(2)
}

func parse() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    func value(_ flag: String) -> String {
        guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
        return value
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--endpoint": options.endpoint = value(argument)
        case "--logdir": options.logdir = value(argument)
        case "--bucket": options.bucket = value(argument)
        case "--repeats": options.repeats = Int(value(argument)) ?? 0
        case "--block-mb": options.blockMB = Int(value(argument)) ?? 0
        case "--writer-mb": options.writerMB = value(argument).split(separator: ",").compactMap { Int($0) }
        case "--skip-load": options.load = false
        case "--skip-writer": options.writer = false
        default: fail("unknown option \(argument)")
        }
    }
    guard !options.endpoint.isEmpty else { fail("--endpoint URL is required") }
    guard options.repeats >= 1, options.blockMB >= 1 else { fail("--repeats and --block-mb must be ≥ 1") }
    if options.load && options.logdir.isEmpty { fail("--logdir DIR is required (or --skip-load)") }
    return options
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }

let options = parse()
guard let endpointURL = URL(string: options.endpoint) else { fail("bad --endpoint") }
let configuration = S3Configuration(
    credentials: AWSCredentialsFromEnvironment.credentials, region: "us-east-1", endpoint: endpointURL)
let client = S3Client(configuration: configuration)
let bucket = options.bucket

do {
    try runBlocking { () async throws(S3Error) in try await client.createBucket(bucket) }

    if options.load {
        let existing = try runBlocking { () async throws(S3Error) in
            try await client.listObjects(bucket: bucket, prefix: "logdir/")
        }
        var bytes: Int64 = existing.reduce(0) { $0 + $1.size }
        if existing.isEmpty {
            var files: [String] = []
            let enumerator = FileManager.default.enumerator(atPath: options.logdir)
            while let relative = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = (options.logdir as NSString).appendingPathComponent(relative)
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(relative)
                }
            }
            let toUpload = files
            let took = try seconds {
                try DispatchQueue.concurrentPerformThrowing(toUpload.count) { index in
                    let relative = toUpload[index]
                    let data = try Data(
                        contentsOf: URL(fileURLWithPath: (options.logdir as NSString).appendingPathComponent(relative)))
                    try runBlocking { () async throws(S3Error) in
                        try await client.putObject(bucket: bucket, key: "logdir/" + relative, bytes: [UInt8](data))
                    }
                }
            }
            let listed = try runBlocking { () async throws(S3Error) in
                try await client.listObjects(bucket: bucket, prefix: "logdir/")
            }
            bytes = listed.reduce(0) { $0 + $1.size }
            print("uploaded \(files.count) files, \(bytes >> 20) MB in \(format(took)) s")
        }
        let storages = LogStorages(s3: S3LogStorage(client: client, blockSize: options.blockMB << 20))
        let objects = try runBlocking { () async throws(S3Error) in
            try await client.listObjects(bucket: bucket, prefix: "logdir/")
        }
        /// Fetches every object in ranged GETs of the loader's block size, `width` objects at once.
        func transfer(width: Int) throws -> Int64 {
            let next = Atomic<Int>(0)
            let received = Atomic<Int>(0)
            let failure = Mutex<(any Error)?>(nil)
            let group = DispatchGroup()
            let block = Int64(options.blockMB << 20)
            for _ in 0..<width {
                group.enter()
                Thread {
                    defer { group.leave() }
                    while true {
                        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < objects.count else { return }
                        let object = objects[index]
                        var offset: Int64 = 0
                        while offset < object.size {
                            let range = offset..<min(object.size, offset + block)
                            do {
                                let bytes = try runBlocking { () async throws(S3Error) in
                                    try await client.getObject(bucket: bucket, key: object.key, range: range)
                                }
                                received.add(bytes.count, ordering: .relaxed)
                            } catch {
                                failure.withLock { $0 = error }
                                return
                            }
                            offset = range.upperBound
                        }
                    }
                }.start()
            }
            group.wait()
            if let error = failure.withLock({ $0 }) { throw error }
            return Int64(received.load(ordering: .relaxed))
        }
        var transfers: [Double] = []
        var local: [Double] = []
        var remote: [Double] = []
        var events: (local: Int, remote: Int) = (0, 0)
        for _ in 0..<options.repeats {
            let localLoader = LogdirLoader(spec: LogdirSpec(path: options.logdir), storages: storages)
            local.append(seconds { events.local = localLoader.reload() })
            let remoteLoader = LogdirLoader(spec: LogdirSpec(path: "s3://\(bucket)/logdir"), storages: storages)
            remote.append(seconds { events.remote = remoteLoader.reload() })
            var fetched: Int64 = 0
            transfers.append(try seconds { fetched = try transfer(width: S3LogStorage.defaultConcurrentRuns) })
            if fetched != bytes { fail("the transfer fetched \(fetched) bytes of \(bytes)") }
            let problems =
                remoteLoader.listingProblems + remoteLoader.runNames.flatMap { remoteLoader.runs[$0]?.problems ?? [] }
            if !problems.isEmpty { fail("problems loading from the store: \(problems)") }
        }
        guard events.local == events.remote else {
            fail("the store gave \(events.remote) records, the disk \(events.local)")
        }
        let ratio = median(remote) / median(local)
        print("| figure | local disk | object store (Moto, loopback) | ratio | aim |")
        print("|---|---|---|---|---|")
        print(
            "| first load of \(bytes >> 20) MB, \(events.local) records, median of \(options.repeats) (s) | \(format(median(local))) | \(format(median(remote))) | \(String(format: "%.2f", ratio)) | ≤ 2 |"
        )
        print(
            "| throughput (MB/s) | \(Int(Double(bytes >> 20) / median(local))) | \(Int(Double(bytes >> 20) / median(remote))) | | |"
        )
        let transferred = median(transfers)
        let reference = median(local) + transferred
        print(
            "| the transfer alone: every object fetched, nothing decoded, median of \(options.repeats) (s) | | \(format(transferred)) | | |"
        )
        print(
            "| local read + transfer vs the store's load (s) | \(format(reference)) | \(format(median(remote))) | \(String(format: "%.2f", median(remote) / reference)) | ≈ 1 |"
        )
    }

    if options.writer {
        print(
            "| writer flush after 100 KB of new events, file of S MB, median of \(options.repeats) (ms) | re-upload | multipart copy | ratio |"
        )
        print("|---|---|---|---|")
        for size in options.writerMB {
            var figures: [String: Double] = [:]
            for (name, strategy) in [
                ("reupload", S3UploadStrategy.reupload), ("copy", .copyOnceLarger(threshold: 5 << 20)),
            ] {
                var times: [Double] = []
                for round in 0..<options.repeats {
                    let mirror = try S3LogdirMirror(
                        url: "s3://\(bucket)/writer/\(name)-\(size)-\(round)", client: client, strategy: strategy)
                    defer { mirror.removeSpool() }
                    let writer = try EventFileWriter(logdir: mirror.spool, compression: .none, flushInterval: 1e9)
                    var step: Int64 = 0
                    let payload = [UInt8](repeating: 7, count: 1000)
                    func add(bytes: Int) {
                        var written = 0
                        while written < bytes {
                            var summary = Summary()
                            var value = Summary.Value()
                            value.tag = "blob"
                            value.metadata.pluginData.pluginName = "text"
                            value.tensor.dtype = .dtString
                            value.tensor.stringVal = [Data(payload)]
                            summary.value = [value]
                            writer.write(summary, step: step)
                            step += 1
                            written += payload.count + 40
                        }
                    }
                    add(bytes: size << 20)
                    try writer.flush()
                    try mirror.upload()
                    add(bytes: 100 << 10)
                    times.append(
                        try seconds {
                            try writer.flush()
                            try mirror.upload()
                        })
                    try writer.close()
                }
                figures[name] = median(times) * 1000
            }
            let re = figures["reupload"] ?? 0, copy = figures["copy"] ?? 0
            print("| \(size) MB | \(format(re)) | \(format(copy)) | \(String(format: "%.2f", copy / max(re, 1e-9))) |")
        }
    }
} catch {
    fail("\(error)")
}

/// The credentials for the store: the environment's, or Moto's test keys.
enum AWSCredentialsFromEnvironment {
    static var credentials: AWSCredentials {
        let environment = ProcessInfo.processInfo.environment
        return AWSCredentials(
            accessKeyID: environment["AWS_ACCESS_KEY_ID"] ?? "testing",
            secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "testing")
    }
}

extension DispatchQueue {
    /// `concurrentPerform` whose body may throw; rethrows the first error.
    static func concurrentPerformThrowing(_ iterations: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let firstError = Mutex<(any Error)?>(nil)
        concurrentPerform(iterations: iterations) { index in
            do { try body(index) } catch { firstError.withLock { $0 = $0 ?? error } }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
    }
}
