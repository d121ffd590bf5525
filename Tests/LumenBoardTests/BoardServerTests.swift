import Foundation
import Hummingbird
import HummingbirdTesting
import LumenEvents
import Testing
@testable import LumenBoard
@testable import LumenBoardServer
import LumenTestSupport

/// End-to-end: the board's HTTP server on a free port, queried over real HTTP connections.
@Suite struct BoardServerTests {
    static let fixtures = Repository.path("fixtures/interop")

    /// Loads `logdir` once, serves it on port 0 and runs `body` with a live client.
    static func serve(
        _ logdir: String, _ body: @escaping @Sendable (any TestClientProtocol, BoardLoader) async throws -> Void
    ) async throws {
        let loader = BoardLoader(logdir: logdir)
        await loader.reload()
        let app = BoardServer.makeApplication(store: loader.store, host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in try await body(client, loader) }
    }

    static func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (
        status: Int, json: Any?, raw: [UInt8], type: String?
    ) {
        try await client.execute(uri: uri, method: .get) { response in
            let raw = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            let json = try? JSONSerialization.jsonObject(with: Data(raw), options: [.fragmentsAllowed])
            return (response.status.code, json, raw, response.headers[.contentType])
        }
    }

    static func expectError(_ client: any TestClientProtocol, _ uri: String, _ status: Int) async throws {
        let r = try await get(client, uri)
        #expect(r.status == status, "\(uri)")
        #expect((r.json as? [String: Any])?["error"] is String, "\(uri)")
        #expect(r.type?.hasPrefix("application/json") == true, "\(uri)")
    }

    @Test func fixturesOverHTTP() async throws {
        let store = LogdirLoader(logdir: Self.fixtures)
        store.reload()
        let loss = try #require(store.run("tensorboardX")?.scalars["train/loss"])
        try await Self.serve(Self.fixtures) { client, _ in
            // runs
            let runs = try await Self.get(client, "/api/runs")
            #expect(runs.status == 200)
            let runList = try #require(runs.json as? [[String: Any]])
            #expect(
                runList.map { $0["name"] as? String } == [
                    "tensorboardX", "tensorboardX/hparams", "tensorboardX/lr/adam", "tensorboardX/lr/sgd",
                    "tf1_filewriter_mlp", "tf2_summary",
                ])
            for run in runList {
                #expect(Set(run.keys) == ["name", "lastEventTime", "events", "corruptRecords"])
                #expect(run["corruptRecords"] as? Int == 0)
                #expect((run["events"] as? Int ?? 0) > 0)
            }

            // tags
            let tags = try #require(try await Self.get(client, "/api/tags").json as? [String: [String: Any]])
            let x = try #require(tags["tensorboardX"])
            #expect(
                Set(x.keys) == [
                    "scalars", "histograms", "images", "text", "graph", "hparams", "prCurves", "audio", "customScalars",
                    "conceptualGraphs", "runMetadata", "meshes", "projector",
                ])
            #expect(x["meshes"] as? [String] == [] && x["projector"] as? Bool == false)
            #expect(x["scalars"] as? [String] == ["train/accuracy", "train/loss"])
            #expect(x["histograms"] as? [String] == ["layer1/weights"])
            #expect(x["images"] as? [String] == ["samples/input"])
            #expect(x["text"] as? [String] == ["notes/text_summary"])
            #expect(x["graph"] as? Bool == false && x["hparams"] as? Bool == false)
            #expect(tags["tf1_filewriter_mlp"]?["graph"] as? Bool == true)
            #expect(tags["tensorboardX/hparams"]?["hparams"] as? Bool == true)

            // scalars: every point, as the store holds them
            let scalars = try await Self.get(client, "/api/scalars?run=tensorboardX&tag=train/loss")
            #expect(scalars.status == 200)
            let s = try #require(scalars.json as? [String: Any])
            #expect(s["run"] as? String == "tensorboardX" && s["tag"] as? String == "train/loss")
            #expect(s["total"] as? Int == 20)
            let points = try #require(s["points"] as? [[Double]])
            #expect(points.count == 20)
            #expect(points.map { Int64($0[1]) } == Array(0...19))
            // Foundation's JSON parser on Linux rounds some doubles; the CSV check below is exact.
            func close(_ a: [Double], _ b: [Double]) -> Bool {
                a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
            }
            #expect(close(points.map { $0[2] }, loss.values))
            #expect(close(points.map { $0[0] }, loss.wallTimes))

            // the tag percent-encoded reads the same
            let encoded = try await Self.get(client, "/api/scalars?run=tensorboardX&tag=train%2Floss")
            #expect(((encoded.json as? [String: Any])?["points"] as? [[Double]])?.count == 20)

            // downsampled
            let five = try #require(
                try await Self.get(client, "/api/scalars?run=tensorboardX&tag=train/loss&points=5").json
                    as? [String: Any])
            let fivePoints = try #require(five["points"] as? [[Double]])
            #expect(fivePoints.count <= 5 && fivePoints.count >= 2)
            #expect(fivePoints.first?[1] == 0 && fivePoints.last?[1] == 19)
            #expect(five["total"] as? Int == 20)

            // csv
            let csv = try await Self.get(client, "/api/scalars?run=tensorboardX&tag=train/loss&format=csv")
            #expect(csv.status == 200 && csv.type?.hasPrefix("text/csv") == true)
            let lines = String(decoding: csv.raw, as: UTF8.self).split(separator: "\n")
            #expect(lines.first == "wall_time,step,value" && lines.count == 21)
            #expect(lines.dropFirst().map { Double($0.split(separator: ",")[2])! } == loss.values)
            #expect(lines.dropFirst().map { Double($0.split(separator: ",")[0])! } == loss.wallTimes)

            // histograms and distributions
            let histograms = try #require(
                try await Self.get(client, "/api/histograms?run=tensorboardX&tag=layer1/weights").json
                    as? [[String: Any]])
            #expect(histograms.map { $0["step"] as? Int } == [0, 5, 10, 15])
            for h in histograms {
                #expect(Set(h.keys) == ["wallTime", "step", "min", "max", "num", "sum", "sumSquares", "buckets"])
                let buckets = try #require(h["buckets"] as? [[Double]])
                #expect(buckets.allSatisfy { $0.count == 3 })
                #expect(buckets.reduce(0) { $0 + $1[2] } == h["num"] as? Double)
            }
            let distributions = try #require(
                try await Self.get(client, "/api/distributions?run=tensorboardX&tag=layer1/weights").json
                    as? [[String: Any]])
            #expect(distributions.count == 4)
            for (d, h) in zip(distributions, histograms) {
                let p = try #require(d["percentiles"] as? [Double])
                #expect(p.count == 9 && p == p.sorted())
                #expect(p.first == h["min"] as? Double && p.last == h["max"] as? Double)
            }

            // images
            let images = try #require(
                try await Self.get(client, "/api/images?run=tensorboardX&tag=samples/input").json as? [[String: Any]])
            #expect(!images.isEmpty)
            #expect(images.first?["width"] as? Int == 8 && images.first?["height"] as? Int == 8)
            #expect(images.map { $0["index"] as? Int } == Array(0..<images.count))
            let png = try await Self.get(client, "/api/image?run=tensorboardX&tag=samples/input&index=0")
            #expect(png.status == 200 && png.type == "image/png")
            #expect(png.raw.starts(with: [0x89, 0x50, 0x4E, 0x47]))

            // text
            let text = try #require(
                try await Self.get(client, "/api/text?run=tensorboardX&tag=notes/text_summary").json as? [[String: Any]]
            )
            #expect(text.count == 1 && text.first?["step"] as? Int == 0)
            #expect(text.first?["text"] as? String == "first **run** of the fixture")

            // status
            let status = try #require(try await Self.get(client, "/api/status").json as? [String: Any])
            #expect(status["files"] as? Int == 6 && status["firstLoadDone"] as? Bool == true)
            #expect((status["bytes"] as? Int ?? 0) > 0 && status["corruptRecords"] as? Int == 0)
            #expect(status["events"] as? Int == runList.reduce(0) { $0 + ($1["events"] as? Int ?? 0) })

            // gzip when accepted
            let histogramsURI = "/api/histograms?run=tensorboardX&tag=layer1/weights"
            let plain = try await Self.get(client, histogramsURI)
            /// The answer's `Content-Encoding` and body when the request accepts `codings`.
            func compressed(accepting codings: String) async throws -> (String?, [UInt8]) {
                try await client.execute(uri: histogramsURI, method: .get, headers: [.acceptEncoding: codings]) {
                    response in
                    (
                        response.headers[.contentEncoding],
                        response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes)
                            ?? []
                    )
                }
            }
            let zipped = try await compressed(accepting: "gzip, deflate")
            #expect(zipped.0 == "gzip" && zipped.1.count < plain.raw.count)
            #expect(try GzipStreamDecoder().decompress(zipped.1) == plain.raw)
            #expect(
                BoardCompression.acceptsGzip("br, gzip;q=0.5") && !BoardCompression.acceptsGzip("gzip;q=0")
                    && !BoardCompression.acceptsGzip(nil))

            // Zstandard when listed (browsers list it since 2024), read back by the zstd tool
            let zstdAnswer = try await compressed(accepting: "gzip, deflate, br, zstd")
            #expect(zstdAnswer.0 == "zstd" && zstdAnswer.1.count < zipped.1.count)
            let zstdTool = try #require(executable(["/usr/bin/zstd", "/bin/zstd"]), "the zstd tool is not installed")
            let unpacked = try runProcess(zstdTool, ["-dc"], input: Data(zstdAnswer.1))
            #expect(unpacked.status == 0 && Array(unpacked.standardOutput) == plain.raw)
            let choices: [(String?, BoardCompression.Coding)] = [
                ("gzip, deflate, br, zstd", .zstd), ("zstd;q=0.5, gzip", .gzip), ("gzip, zstd;q=0", .gzip),
                ("*", .gzip), ("*;q=0.2, zstd;q=0.1", .gzip), ("br", .identity), ("identity", .identity),
                (nil, .identity), ("GZIP;q=0.9, ZSTD;q=0.9", .zstd), ("gzip;q=0, zstd;q=0", .identity),
                ("gzip;q=5, zstd", .zstd), ("gzip;q=0, *", .identity),
            ]
            for (header, coding) in choices {
                #expect(BoardCompression.preferredCoding(header) == coding, "\(header ?? "nil")")
            }
            // The compressed answer keeps no room beyond its bytes (the response cache counts bytes).
            let sample = Array((0..<40_000).map { "[\($0), \(Double($0) / 7)]," }.joined().utf8)
            let packed = try #require(BoardCompression.zstd(sample))
            #expect(packed.count < sample.count / 3 && packed.capacity < packed.count + 4096)
            let packedBack = try runProcess(zstdTool, ["-dc"], input: Data(packed))
            #expect(packedBack.status == 0 && Array(packedBack.standardOutput) == sample)

            // errors: unknown run or tag → 404, bad parameters → 400
            try await Self.expectError(client, "/api/scalars?run=nope&tag=train/loss", 404)
            try await Self.expectError(client, "/api/scalars?run=tensorboardX&tag=nope", 404)
            try await Self.expectError(client, "/api/scalars?run=../../etc&tag=passwd", 404)
            try await Self.expectError(client, "/api/histograms?run=tensorboardX&tag=train/loss", 404)
            try await Self.expectError(client, "/api/image?run=tensorboardX&tag=samples/input&index=99", 404)
            try await Self.expectError(client, "/api/nothing", 404)
            try await Self.expectError(client, "/api/scalars?run=tensorboardX", 400)
            try await Self.expectError(client, "/api/scalars?tag=train/loss", 400)
            try await Self.expectError(client, "/api/scalars?run=tensorboardX&tag=train/loss&points=abc", 400)
            try await Self.expectError(client, "/api/scalars?run=tensorboardX&tag=train/loss&points=0", 400)
            try await Self.expectError(client, "/api/scalars?run=tensorboardX&tag=train/loss&format=xml", 400)
            try await Self.expectError(client, "/api/image?run=tensorboardX&tag=samples/input&index=-1", 400)
            try await Self.expectError(client, "/api/image?run=tensorboardX&tag=samples/input", 400)
            try await Self.expectError(client, "/api/text?run=&tag=", 400)
        }
    }

    @Test func liveLogdirPicksUpNewPoints() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let runDir = dir.file("exp/run1")
        let writer = try EventFileWriter(logdir: runDir, compression: .none)
        for step in 0..<3 { writer.writeScalar(tag: "loss", value: Float(step) * 0.5, step: Int64(step)) }
        try writer.flush()
        try await Self.serve(dir.path) { client, loader in
            let first = try #require(
                try await Self.get(client, "/api/scalars?run=exp/run1&tag=loss").json as? [String: Any])
            #expect((first["points"] as? [[Double]])?.map { $0[2] } == [0, 0.5, 1])

            writer.writeScalar(tag: "loss", value: 7.25, step: 3)
            writer.writeScalar(tag: "acc", value: 0.75, step: 3)
            try writer.flush()
            await loader.reload()

            let second = try #require(
                try await Self.get(client, "/api/scalars?run=exp/run1&tag=loss").json as? [String: Any])
            #expect(second["total"] as? Int == 4)
            #expect(
                (second["points"] as? [[Double]])?.last == [(second["points"] as? [[Double]])?.last?[0] ?? 0, 3, 7.25])
            let tags = try #require(try await Self.get(client, "/api/tags").json as? [String: [String: Any]])
            #expect(tags["exp/run1"]?["scalars"] as? [String] == ["acc", "loss"])
            let status = try #require(try await Self.get(client, "/api/status").json as? [String: Any])
            #expect(status["reloads"] as? Int == 2 && status["files"] as? Int == 1)
        }
        try writer.close()
    }

    @Test func hparamsFromTensorboardX() async throws {
        let run = "tensorboardX/hparams"
        let loader = LogdirLoader(logdir: Self.fixtures)
        loader.reload()
        let scalars = try #require(loader.run(run)?.scalars)
        try await Self.serve(Self.fixtures) { client, _ in
            let r = try await Self.get(client, "/api/hparams")
            #expect(r.status == 200 && r.type?.hasPrefix("application/json") == true)
            let rows = try #require(r.json as? [[String: Any]])
            #expect(rows.map { $0["run"] as? String } == [run])
            let row = try #require(rows.first)
            let hparams = try #require(row["hparams"] as? [String: Any])
            #expect(hparams.keys.sorted() == ["batch_size", "dropout", "lr", "optimizer"])
            #expect(hparams["optimizer"] is String)
            #expect(hparams["lr"] is NSNumber && hparams["batch_size"] is NSNumber && hparams["dropout"] is NSNumber)
            let metrics = try #require(row["metrics"] as? [String: Double])
            #expect(metrics.keys.sorted() == ["hparam/accuracy", "hparam/loss"])
            for (tag, value) in metrics {
                let expected = try #require(scalars[tag]?.values.last)
                #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(tag)")
            }
        }
        // the JSON the endpoint builds, without Foundation's parser in between
        let snapshot = await BoardLoader(logdir: Self.fixtures).reload()
        let text = BoardAPI.hparams(snapshot).serialized
        #expect(text.contains(#""run":"tensorboardX/hparams""#) && text.contains(#""hparam/accuracy":"#))
    }

    @Test func changeTracking() {
        var run = RunData()
        run.add(serializedEvent: EventBytes.scalar("loss", step: 0, value: 1))
        let store = BoardStore()
        let first = store.publish(BoardSnapshot(runs: ["a": run]))
        #expect(first == BoardChanges(runs: ["a"], tags: ["a": ["loss"]]))
        #expect(store.publish(BoardSnapshot(runs: ["a": run])).isEmpty)
        run.add(serializedEvent: EventBytes.scalar("acc", step: 1, value: 1))
        #expect(store.publish(BoardSnapshot(runs: ["a": run])) == BoardChanges(runs: ["a"], tags: ["a": ["acc"]]))
        run.add(serializedEvent: EventBytes.scalar("loss", step: 2, value: 1))
        #expect(
            store.publish(BoardSnapshot(runs: ["a": run, "b": RunData()]))
                == BoardChanges(runs: ["a", "b"], tags: ["a": ["loss"], "b": []]))
    }

    #if os(Linux)
        @Test func theAllocatorSettingTakesWithGlibc() {
            // The board's temporary arrays are reused from the heap only if glibc took the setting.
            #expect(BoardAllocator.tune())
        }
    #endif

    @Test func aPassThatFindsNothingNewKeepsTheGeneration() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try EventFileWriter(logdir: dir.file("run"), compression: .none)
        writer.writeScalar(tag: "loss", value: 1, step: 0)
        try writer.flush()
        let loader = BoardLoader(logdir: dir.path)
        let first = await loader.reload()
        let again = await loader.reload()
        #expect(again.status.reloads == first.status.reloads + 1)
        #expect(again.generation == first.generation)
        writer.writeScalar(tag: "loss", value: 2, step: 1)
        try writer.flush()
        let grown = await loader.reload()
        #expect(grown.generation > first.generation)
        #expect(grown.status.points == 2)
        try writer.close()

        // Over HTTP: the cached answer is served across passes that found nothing, the status isn't.
        try await Self.serve(dir.path) { client, loader in
            let before = try await Self.get(client, "/api/status")
            let scalars = try await Self.get(client, "/api/scalars?run=run&tag=loss")
            await loader.reload()
            let after = try await Self.get(client, "/api/status")
            #expect(
                (after.json as? [String: Any])?["reloads"] as? Int
                    == ((before.json as? [String: Any])?["reloads"] as? Int).map { $0 + 1 })
            #expect(try await Self.get(client, "/api/scalars?run=run&tag=loss").raw == scalars.raw)
            #expect(loader.store.snapshot.generation == 1)
        }
    }

    @Test func liveEventsOverHTTP() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let writer = try EventFileWriter(logdir: dir.file("exp/run1"), compression: .none)
        writer.writeScalar(tag: "loss", value: 1, step: 0)
        try writer.flush()
        try await Self.serve(dir.path) { client, loader in
            let port = try #require(client.port)
            let socket = try RawHTTPSocket(port: port, timeoutSeconds: 10)
            defer { socket.close() }
            try socket.send("GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            let head = try await socket.read(until: ": connected\n\n")
            #expect(head.hasPrefix("HTTP/1.1 200"))
            #expect(head.lowercased().contains("content-type: text/event-stream"))
            #expect(loader.store.subscriberCount == 1)

            // a reload that changes nothing sends nothing; the next one that does, one event
            await loader.reload()
            writer.writeScalar(tag: "acc", value: 0.5, step: 1)
            try writer.flush()
            await loader.reload()
            let text = try await socket.read(until: "}}\n\n")
            // ("\r\n" of the chunked framing is one Character, so cut by range, not by lines)
            let start = try #require(text.range(of: "data: "))
            let json = String(text[start.upperBound...]).prefix { $0 != "\n" }
            let event = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(event["runs"] as? [String] == ["exp/run1"])
            #expect((event["tags"] as? [String: [String]])?["exp/run1"] == ["acc"])
            #expect(text.components(separatedBy: "data: ").count == 2)
            loader.store.finishSubscribers()
        }
        try writer.close()
    }

    @Test func missingLogdirIsEmpty() async throws {
        try await Self.serve("/nonexistent/lumen-board-\(UUID().uuidString)") { client, _ in
            let runs = try await Self.get(client, "/api/runs")
            #expect(runs.status == 200 && (runs.json as? [Any])?.isEmpty == true)
            let tags = try await Self.get(client, "/api/tags")
            #expect(tags.status == 200 && (tags.json as? [String: Any])?.isEmpty == true)
            try await Self.expectError(client, "/api/scalars?run=x&tag=y", 404)
        }
    }

    @Test func jsonEncoding() {
        let value = BoardJSON.object([
            ("a", .number(.nan)), ("b", .number(1.5)), ("c", .number(3)), ("d", .string("q\"\\\n\u{1}é")),
            ("e", .number(.infinity)), ("f", .number(-.infinity)), ("g", .null),
        ])
        #expect(
            value.serialized
                == #"{"a":"NaN","b":1.5,"c":3,"d":"q\"\\\n\u0001é","e":"Infinity","f":"-Infinity","g":null}"#)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking TCP client for reading a streamed HTTP response (reads run off the cooperative pool).
final class RawHTTPSocket: @unchecked Sendable {
    struct Failure: Error { var message: String }
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutSeconds: Int) throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(message: "socket") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { Glibc.close(fd); throw Failure(message: "connect") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw Failure(message: "write")
        }
    }

    /// Reads until the text received contains `marker` (or the timeout); returns and consumes it.
    func read(until marker: String) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread.detachNewThread { [self] in
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let text = String(decoding: buffer, as: UTF8.self)
                    if let range = text.range(of: marker) {
                        let taken = String(text[..<range.upperBound])
                        buffer = Array(text[range.upperBound...].utf8)
                        continuation.resume(returning: taken)
                        return
                    }
                    let n = recv(fd, &chunk, chunk.count, 0)
                    if n <= 0 {
                        continuation.resume(
                            throwing: Failure(message: "no '\(marker)' before timeout or close; got: \(text)"))
                        return
                    }
                    buffer += chunk[..<n]
                }
            }
        }
    }

    func close() {
        #if canImport(Glibc)
            Glibc.close(fd)
        #else
            Darwin.close(fd)
        #endif
    }
}
