import Foundation
import Lumen
import LumenEvents
import LumenS3
import LumenTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `SummaryWriter` and `FileWriter` on `s3://` logdirs, against Moto's server.
@Suite(.serialized, .enabled(if: MotoServer.isAvailable, "needs moto[server] in .venv (scripts/setup)"))
struct S3WriterTests {
    /// Points the writers (which read the environment, as the AWS tools do) at `endpoint`.
    static func useStore(at endpoint: String) {
        setenv("AWS_ACCESS_KEY_ID", "testing", 1)
        setenv("AWS_SECRET_ACCESS_KEY", "testing", 1)
        unsetenv("AWS_SESSION_TOKEN")
        setenv("AWS_REGION", "us-east-1", 1)
        setenv("AWS_ENDPOINT_URL", endpoint, 1)
    }

    /// Every file under `spool` and the object at the same relative key under `prefix`: equal
    /// bytes, and no other object.
    static func expectStoreMatches(spool: String, bucket: String, prefix: String, client: S3Client) throws {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: spool)
        while let relative = enumerator?.nextObject() as? String {
            let path = (spool as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        let objects = try runBlocking { () async throws(S3Error) in
            try await client.listObjects(bucket: bucket, prefix: prefix + "/")
        }
        #expect(Set(objects.map { String($0.key.dropFirst(prefix.count + 1)) }) == Set(files.keys))
        for object in objects {
            let relative = String(object.key.dropFirst(prefix.count + 1))
            let bytes = try runBlocking { () async throws(S3Error) in
                try await client.getObject(bucket: bucket, key: object.key)
            }
            #expect(
                bytes == files[relative],
                "\(object.key): \(bytes.count) bytes in the store, \(files[relative]?.count ?? -1) in the spool")
        }
        #expect(!files.isEmpty)
    }

    @Test(arguments: [EventFileWriter.Compression.gzip, .none])
    func summaryWriterFilesInTheStoreEqualItsLocalFilesAfterEachFlush(compression: EventFileWriter.Compression) throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        Self.useStore(at: moto.endpoint)
        let client = moto.client()
        try runBlocking { () async throws(S3Error) in try await client.createBucket("train") }
        let writer = try SummaryWriter(logdir: "s3://train/exp/run1", compression: compression)
        #expect(writer.eventFilePath.hasPrefix("s3://train/exp/run1/events.out.tfevents."))
        let spool = try #require(writer.spoolDirectory)
        for round in 0..<3 {
            for step in (round * 100)..<((round + 1) * 100) {
                writer.addScalar("loss", 1 / Double(step + 1), step: step)
                writer.addScalars("lr", ["adam": 0.1, "sgd": Double(step)], step: step)
            }
            writer.addText("note", "round \(round)", step: round)
            try writer.flush()
            try Self.expectStoreMatches(spool: spool, bucket: "train", prefix: "exp/run1", client: client)
        }
        try writer.close()
        try Self.expectStoreMatches(spool: spool, bucket: "train", prefix: "exp/run1", client: client)
    }

    @Test func fileWriterUploadsOnFlushAndClose() throws {
        let moto = try MotoServer.start()
        defer { moto.stop() }
        Self.useStore(at: moto.endpoint)
        let client = moto.client()
        try runBlocking { () async throws(S3Error) in try await client.createBucket("tf1") }
        let writer = try FileWriter(logdir: "s3://tf1/graph-run")
        var summary = Summary()
        summary.value = [.scalar(tag: "x", value: 1.5)]
        writer.addSummary(summary, globalStep: 1)
        try writer.flush()
        let objects = try runBlocking { () async throws(S3Error) in
            try await client.listObjects(bucket: "tf1", prefix: "graph-run/")
        }
        #expect(objects.count == 1)
        #expect(writer.eventFilePath == "s3://tf1/" + (objects.first?.key ?? ""))
        writer.addSummary(summary, globalStep: 2)
        try writer.close()
        let after = try runBlocking { () async throws(S3Error) in
            try await client.listObjects(bucket: "tf1", prefix: "graph-run/")
        }
        #expect((after.first?.size ?? 0) > (objects.first?.size ?? 0))
    }

    @Test func aFailedUploadThrowsAndTheNextFlushSendsEverything() throws {
        // The store is not there yet: its port is free.
        let port = try freePort()
        Self.useStore(at: "http://127.0.0.1:\(port)")
        let writer = try SummaryWriter(logdir: "s3://late/run", compression: .none)
        for step in 0..<50 { writer.addScalar("loss", Double(step), step: step) }
        do {
            try writer.flush()
            Issue.record("flush succeeded with no store")
        } catch let error as S3Error {
            #expect("\(error)".hasPrefix("s3://late: can't reach http://127.0.0.1:\(port)"), "\(error)")
        }
        for step in 50..<80 { writer.addScalar("loss", Double(step), step: step) }
        // The store comes up: the next flush sends all of it.
        let moto = try MotoServer.start(port: port)
        defer { moto.stop() }
        let client = moto.client()
        try runBlocking { () async throws(S3Error) in try await client.createBucket("late") }
        try writer.flush()
        let spool = try #require(writer.spoolDirectory)
        try Self.expectStoreMatches(spool: spool, bucket: "late", prefix: "run", client: client)
        try writer.close()
    }

    @Test func aWriterWithoutCredentialsSaysWhatToSet() throws {
        unsetenv("AWS_ACCESS_KEY_ID")
        unsetenv("AWS_SECRET_ACCESS_KEY")
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/lumen/credentials", 1)
        defer { unsetenv("AWS_SHARED_CREDENTIALS_FILE") }
        #expect {
            _ = try SummaryWriter(logdir: "s3://bucket-x/run")
        } throws: { error in
            "\(error)".hasPrefix("s3://bucket-x: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
    }
}
