import Foundation
import LumenBoard
import LumenBoardS3
import LumenEvents
import LumenS3
import LumenTestSupport
import Testing

/// The board on logdirs in an S3-compatible store: Moto's standalone server on loopback, started
/// and stopped by each test.
@Suite(.serialized, .enabled(if: MotoServer.isAvailable, "needs moto[server] in .venv (scripts/setup)"))
struct S3LogdirTests {
    static let interop = Repository.path("fixtures/interop")
    static let graphs = Repository.path("fixtures/graphs")

    /// Loads `spec` once through `storages` and returns the snapshot.
    static func load(_ spec: LogdirSpec, storages: LogStorages? = nil) async -> BoardSnapshot {
        await reload(BoardLoader(spec: spec, storages: storages))
    }

    /// One pass of `loader` on a thread of its own (not one of Swift concurrency's, which other
    /// tests' servers need), then its snapshot.
    static func reload(_ loader: BoardLoader) async -> BoardSnapshot {
        await loader.run(interval: 0)
        return loader.store.snapshot
    }

    static func storages(_ client: S3Client, blockSize: Int = 8 << 20) -> LogStorages {
        LogStorages(s3: S3LogStorage(client: client, blockSize: blockSize))
    }

    static func put(_ client: S3Client, _ bucket: String, _ key: String, _ bytes: [UInt8]) throws {
        try runBlocking { () async throws(S3Error) in try await client.putObject(bucket: bucket, key: key, bytes: bytes)
        }
    }

    static func createBucket(_ client: S3Client, _ bucket: String) throws {
        try runBlocking { () async throws(S3Error) in try await client.createBucket(bucket) }
    }

    @Test func fixtureLogdirsAnswerAsTheirLocalCopy() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let client = moto.client()
        try Self.createBucket(client, "logs")
        try uploadDirectory(Self.interop, to: "logs", prefix: "team/interop", client: client)
        try uploadDirectory(Self.graphs, to: "logs", prefix: "team/graphs", client: client)

        let local = await Self.load(try LogdirSpec(parsing: "interop:\(Self.interop),graphs:\(Self.graphs)"))
        // Small blocks, so files span several ranged GETs.
        let remote = await Self.load(
            try LogdirSpec(parsing: "interop:s3://logs/team/interop,graphs:s3://logs/team/graphs/"),
            storages: Self.storages(client, blockSize: 4096))
        let mixed = await Self.load(
            try LogdirSpec(parsing: "interop:s3://logs/team/interop,graphs:\(Self.graphs)"),
            storages: Self.storages(client))
        #expect(local.runs.count == 7)
        #expect(remote.status.problems.isEmpty, "\(remote.status.problems)")
        let expected = BoardAnswers.all(local)
        #expect(expected.count > 30)
        #expect(BoardAnswers.differences(expected, BoardAnswers.all(remote)) == [])
        #expect(BoardAnswers.differences(expected, BoardAnswers.all(mixed)) == [])
        // A gzip file was among them.
        #expect(remote.runs.keys.contains("graphs/lumen_mlp_graph"))
    }

    /// Event files written in two steps: `first` is the bytes after the first flush, `whole`
    /// after the second (so `first` is a prefix of `whole`).
    static func growingFile(compression: EventFileWriter.Compression, seed: Float) throws -> (
        first: [UInt8], whole: [UInt8]
    ) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try EventFileWriter(logdir: directory.path, compression: compression, flushInterval: 1000)
        for step in 0..<200 {
            writer.writeScalar(
                tag: "loss", value: seed / Float(step + 1), step: Int64(step), wallTime: 1000 + Double(step))
        }
        try writer.flush()
        let first = try [UInt8](Data(contentsOf: URL(fileURLWithPath: writer.path)))
        for step in 200..<500 {
            writer.writeScalar(
                tag: "loss", value: seed / Float(step + 1), step: Int64(step), wallTime: 1000 + Double(step))
        }
        try writer.close()
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: writer.path)))
        return (first, whole)
    }

    @Test(arguments: [EventFileWriter.Compression.none, .gzip])
    func appendsUploadedDuringLoadingAppear(compression: EventFileWriter.Compression) async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let client = moto.client()
        try Self.createBucket(client, "grow")
        let (first, whole) = try Self.growingFile(compression: compression, seed: 3)
        let name = "run/events.out.tfevents.1.test" + (compression == .gzip ? ".gz" : "")
        try Self.put(client, "grow", name, first)
        let loader = BoardLoader(spec: LogdirSpec(path: "s3://grow"), storages: Self.storages(client, blockSize: 1000))
        let before = await Self.reload(loader)
        #expect(before.runs["run"]?.scalarSeries("loss")?.count == 200)
        // The object grows the only way an S3 object can: uploaded again, longer.
        try Self.put(client, "grow", name, whole)
        let after = await Self.reload(loader)
        #expect(after.status.problems.isEmpty, "\(after.status.problems)")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(name, whole)
        let local = await Self.load(LogdirSpec(path: directory.path))
        #expect(local.runs["run"]?.scalarSeries("loss")?.count == 500)
        // Everything but the count of passes in /api/status.
        #expect(BoardAnswers.differences(BoardAnswers.all(local), BoardAnswers.all(after)) == ["status?"])
        #expect(
            local.status.files == after.status.files && local.status.bytes == after.status.bytes
                && local.status.events == after.status.events)
    }

    /// An object replaced under its key by another file (not the same file grown) is read again
    /// from the start, as a replaced local file is: its old points give way to the new object's,
    /// and `/api/status` lists it under `rereads`.
    @Test func aReplacedObjectIsReadAgainAndReported() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let client = moto.client()
        try Self.createBucket(client, "swap")
        let original = try Self.growingFile(compression: .none, seed: 3)
        let other = try Self.growingFile(compression: .none, seed: 7)
        let key = "run/events.out.tfevents.1.test"
        try Self.put(client, "swap", key, original.first)
        let loader = BoardLoader(spec: LogdirSpec(path: "s3://swap/"), storages: Self.storages(client))
        let before = await Self.reload(loader)
        #expect(before.runs["run"]?.scalarSeries("loss")?.count == 200)
        // Another file under the same key, longer than what was read.
        try Self.put(client, "swap", key, other.whole)
        let after = await Self.reload(loader)
        #expect(after.status.problems.isEmpty, "\(after.status.problems)")
        let reread = try #require(after.status.rereads.first)
        #expect(after.status.rereads.count == 1)
        #expect(reread.file == "s3://swap/\(key)")
        #expect(reread.message.contains("new object version"), "\(reread.message)")
        #expect(reread.message.contains("read again from the start"), "\(reread.message)")
        // The answers are those of a board that only ever saw the new object.
        try Self.createBucket(client, "fresh")
        try Self.put(client, "fresh", key, other.whole)
        let fresh = await Self.load(LogdirSpec(path: "s3://fresh/"), storages: Self.storages(client))
        #expect(after.runs["run"]?.scalarSeries("loss")?.count == 500)
        #expect(
            BoardAnswers.all(fresh)["scalars?run=run&tag=loss"] == BoardAnswers.all(after)["scalars?run=run&tag=loss"])
        #expect(
            BoardAnswers.all(before)["scalars?run=run&tag=loss"] != BoardAnswers.all(after)["scalars?run=run&tag=loss"])
        let status = BoardAPI.respond(endpoint: "status", parameters: [:], snapshot: after).text
        #expect(status.contains("new object version"))
    }

    @Test func a503StormIsRetriedAndLosesNothing() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        try Self.createBucket(moto.client(), "storm")
        try uploadDirectory(Self.interop, to: "storm", prefix: "", client: moto.client())
        // Two of every three requests answer 503 SlowDown, every 10th connection is reset.
        let proxy = try FaultProxy(upstream: moto.port, storm: 3, resetEvery: 10)
        defer { proxy.stop() }
        let stormy = S3Client(
            configuration: S3Configuration(credentials: MotoServer.credentials, endpoint: URL(string: proxy.endpoint)),
            retry: S3RetryPolicy(attempts: 12, baseDelay: 0.005, maxDelay: 0.05))
        let remote = await Self.load(LogdirSpec(path: "s3://storm"), storages: Self.storages(stormy, blockSize: 2048))
        let local = await Self.load(LogdirSpec(path: Self.interop))
        let counts = proxy.counts
        #expect(counts.failed > 5 && counts.failed * 3 >= counts.total, "the storm hit \(counts)")
        #expect(counts.reset > 0)
        #expect(remote.status.problems.isEmpty, "\(remote.status.problems)")
        #expect(BoardAnswers.differences(BoardAnswers.all(local), BoardAnswers.all(remote)) == [])
    }

    /// Reloads read only what was appended: with nothing new, a pass asks the store for the
    /// listing alone; after an append, for the listing and the new bytes (no block read again).
    @Test func reloadsFetchOnlyWhatIsNew() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let direct = moto.client()
        try Self.createBucket(direct, "quiet")
        let (first, whole) = try Self.growingFile(compression: .none, seed: 2)
        let key = "run/events.out.tfevents.1.test"
        try Self.put(direct, "quiet", key, first)
        let proxy = try FaultProxy(upstream: moto.port, storm: 1, resetEvery: 0)
        defer { proxy.stop() }
        let client = S3Client(
            configuration: S3Configuration(credentials: MotoServer.credentials, endpoint: URL(string: proxy.endpoint)))
        let loader = BoardLoader(spec: LogdirSpec(path: "s3://quiet"), storages: Self.storages(client))
        _ = await Self.reload(loader)
        /// The proxy's request count once its report lines stop arriving (they come on a pipe).
        func settledCount() async -> Int {
            var last = proxy.counts.total
            while true {
                try? await Task.sleep(nanoseconds: 150_000_000)
                let now = proxy.counts.total
                if now == last { return now }
                last = now
            }
        }
        func requests(during pass: () async -> BoardSnapshot) async -> [String] {
            _ = await settledCount()
            let seen = proxy.requests.count
            _ = await pass()
            _ = await settledCount()
            return Array(proxy.requests.dropFirst(seen))
        }
        for pass in 0..<3 {
            let made = await requests { await Self.reload(loader) }
            #expect(made.count == 1 && made.first?.contains("list-type=2") == true, "pass \(pass): \(made)")
        }
        try Self.put(direct, "quiet", key, whole)
        // The listing, the check of the bytes before the old end, the first bytes' check, the new bytes.
        let appended = await requests { await Self.reload(loader) }
        #expect(appended.count <= 4, "\(appended)")
        let quiet = await requests { await Self.reload(loader) }
        #expect(quiet.count == 1, "\(quiet)")
        #expect(loader.store.snapshot.runs["run"]?.scalarSeries("loss")?.count == 500)
    }

    /// A store that keeps failing past the retry limit: the listing, then only the objects' reads.
    /// Each pass keeps what was read and says so in `/api/status`; once the store is back, the
    /// next pass reads on from where it stopped and nothing is lost.
    @Test func anOutagePastTheRetryLimitKeepsWhatWasReadAndRecovers() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let direct = moto.client()
        try Self.createBucket(direct, "down")
        let (first, whole) = try Self.growingFile(compression: .gzip, seed: 5)
        let key = "run/events.out.tfevents.1.test.gz"
        try Self.put(direct, "down", key, first)
        let proxy = try FaultProxy(upstream: moto.port, storm: 1, resetEvery: 0)
        defer { proxy.stop() }
        let client = S3Client(
            configuration: S3Configuration(credentials: MotoServer.credentials, endpoint: URL(string: proxy.endpoint)),
            retry: S3RetryPolicy(attempts: 3, baseDelay: 0.005, maxDelay: 0.02))
        let loader = BoardLoader(spec: LogdirSpec(path: "s3://down"), storages: Self.storages(client, blockSize: 1000))
        let before = await Self.reload(loader)
        #expect(before.status.problems.isEmpty, "\(before.status.problems)")
        #expect(before.runs["run"]?.scalarSeries("loss")?.count == 200)
        let answer = "scalars?run=run&tag=loss"
        try Self.put(direct, "down", key, whole)

        try proxy.setOutage(.all)
        let unlisted = await Self.reload(loader)
        #expect(unlisted.status.problems.map(\.file) == ["s3://down"], "\(unlisted.status.problems)")
        let listing = unlisted.status.problems.first?.message ?? ""
        #expect(listing.hasPrefix("can't be listed; its runs are kept as they were"), "\(listing)")
        #expect(listing.contains("after 3 attempts"), "\(listing)")
        #expect(BoardAnswers.all(unlisted)[answer] == BoardAnswers.all(before)[answer])

        try proxy.setOutage(.none)
        try proxy.setOutage(.reads)
        let unread = await Self.reload(loader)
        #expect(unread.status.problems.map(\.file) == ["s3://down/\(key)"], "\(unread.status.problems)")
        let reading = unread.status.problems.first?.message ?? ""
        #expect(reading.hasPrefix("can't be read now, trying again next pass"), "\(reading)")
        #expect(reading.contains("after 3 attempts"), "\(reading)")
        #expect(unread.status.rereads.isEmpty)
        #expect(BoardAnswers.all(unread)[answer] == BoardAnswers.all(before)[answer])

        try proxy.setOutage(.none)
        let healed = await Self.reload(loader)
        #expect(healed.status.problems.isEmpty, "\(healed.status.problems)")
        #expect(healed.status.rereads.isEmpty, "\(healed.status.rereads)")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(key, whole)
        let local = await Self.load(LogdirSpec(path: directory.path))
        #expect(healed.runs["run"]?.scalarSeries("loss")?.count == 500)
        #expect(BoardAnswers.all(healed)[answer] == BoardAnswers.all(local)[answer])
    }

    @Test func errorsNameTheBucketAndTheFix() async throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        let storage = S3LogStorage(client: moto.client(retry: S3RetryPolicy(attempts: 2, baseDelay: 0.001)))
        #expect(throws: S3Error.noSuchBucket(bucket: "absent", endpoint: moto.endpoint)) {
            try storage.discoverRuns(under: "s3://absent/logs")
        }
        let message = "\(S3Error.noSuchBucket(bucket: "absent", endpoint: moto.endpoint))"
        #expect(message.contains("s3://absent") && message.contains("--s3-endpoint"))
        #expect(!message.contains("\n"))

        // Nothing listens on this port: unreachable, after a few tries.
        let closed = try freePort()
        let nowhere = S3LogStorage(
            client: S3Client(
                configuration: S3Configuration(
                    credentials: MotoServer.credentials, endpoint: URL(string: "http://127.0.0.1:\(closed)")),
                retry: S3RetryPolicy(attempts: 3, baseDelay: 0.001)))
        do {
            _ = try nowhere.discoverRuns(under: "s3://b")
            Issue.record("listing through a closed port succeeded")
        } catch {
            #expect("\(error)".hasPrefix("s3://b: "), "\(error)")
        }
        // A logdir that can't be listed is a problem in /api/status, with the bucket named.
        let snapshot = await Self.load(LogdirSpec(path: "s3://absent"), storages: LogStorages(s3: storage))
        #expect(snapshot.status.problems.first?.message.contains("s3://absent: no such bucket") == true)
    }
}
