import Foundation
import Hummingbird
import HummingbirdTesting
import LumenBoard
import LumenBoardS3
import LumenBoardServer
import LumenS3
import LumenTestSupport
import Testing

/// The board as a service: `--path-prefix`, `/metrics`, and several boards on one bucket.
@Suite(.serialized) struct BoardServiceTests {
    static let interop = Repository.path("fixtures/interop")

    static func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (
        status: Int, body: String, headers: HTTPFields
    ) {
        try await client.execute(uri: uri, method: .get) { response in
            let bytes = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            return (response.status.code, String(decoding: bytes, as: UTF8.self), response.headers)
        }
    }

    /// The URI of one of ``BoardAnswers``' keys (`endpoint?k=v&...`, unencoded).
    static func uri(_ key: String, prefix: String) -> String {
        let parts = key.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query =
            parts.count > 1 && !parts[1].isEmpty
            ? "?"
                + parts[1].split(separator: "&").map { pair in
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    return kv.map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }.joined(
                        separator: "=")
                }.joined(separator: "&")
            : ""
        return prefix + "/api/" + parts[0] + query
    }

    @Test func twoBoardsOnOneBucketAnswerAlike() async throws {
        try #require(MotoServer.isAvailable, "needs moto[server] in .venv (scripts/setup)")
        let moto = try MotoServer.start()
        defer { moto.stop() }
        try runBlocking { () async throws(S3Error) in try await moto.client().createBucket("shared") }
        try uploadDirectory(Self.interop, to: "shared", prefix: "logs", client: moto.client())
        // Two boards, each with its own client and state, one behind a path prefix.
        let first = BoardLoader(
            spec: LogdirSpec(path: "s3://shared/logs"), storages: LogStorages(s3: S3LogStorage(client: moto.client())))
        let second = BoardLoader(
            spec: LogdirSpec(path: "s3://shared/logs"), storages: LogStorages(s3: S3LogStorage(client: moto.client())))
        await first.run(interval: 0)
        await second.run(interval: 0)
        let snapshot = first.store.snapshot
        let keys = BoardAnswers.all(snapshot).keys.sorted()
        #expect(keys.count > 30)
        let appA = BoardServer.makeApplication(store: first.store, host: "127.0.0.1", port: 0)
        let appB = BoardServer.makeApplication(
            store: second.store, host: "127.0.0.1", port: 0, pathPrefix: "/team/board")
        try await appA.test(.live) { a in
            try await appB.test(.live) { b in
                for key in keys {
                    let answerA = try await Self.get(a, Self.uri(key, prefix: ""))
                    let answerB = try await Self.get(b, Self.uri(key, prefix: "/team/board"))
                    #expect(answerA.status == 200, "\(key)")
                    #expect(answerA.status == answerB.status && answerA.body == answerB.body, "\(key)")
                }
            }
        }
    }

    @Test func thePathPrefixServesTheUIAndAPIBelowIt() async throws {
        let loader = BoardLoader(logdir: Self.interop)
        await loader.reload()
        let assets = UIAssets.folder(Repository.path("Public"))
        let app = BoardServer.makeApplication(
            store: loader.store, assets: assets, host: "127.0.0.1", port: 0, pathPrefix: "board/")
        try await app.test(.live) { client in
            let bare = try await Self.get(client, "/board?run=x")
            #expect(bare.status == 301)
            #expect(bare.headers[.location] == "/board/?run=x")
            let page = try await Self.get(client, "/board/")
            #expect(page.status == 200)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(try await Self.get(client, "/board/js/main.js").status == 200)
            #expect(try await Self.get(client, "/board/style.css").status == 200)
            let runs = try await Self.get(client, "/board/api/runs")
            #expect(runs.status == 200 && runs.body.contains("tensorboardX"))
            #expect(try await Self.get(client, "/board/api/nope").status == 404)
            #expect(try await Self.get(client, "/api/runs").status == 404)
            #expect(try await Self.get(client, "/").status == 404)
            #expect(try await Self.get(client, "/board/metrics").status == 200)
        }
    }

    /// The page's own URLs are relative, so it works under any prefix.
    @Test func theUIFetchesRelativeURLs() throws {
        let folder = Repository.path("Public")
        var sources = [try String(contentsOfFile: folder + "/index.html", encoding: .utf8)]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/js") where name.hasSuffix(".js") {
            sources.append(try String(contentsOfFile: folder + "/js/" + name, encoding: .utf8))
        }
        let absolute = try Regex(#"(fetch\(\s*|EventSource\(\s*|src\s*=\s*|href\s*=\s*)["'`]/"#)
        for source in sources {
            #expect(source.firstMatch(of: absolute) == nil)
        }
        #expect(sources.joined().contains("`api/${endpoint}"))
    }

    /// `GET /metrics`: the loader's and the server's figures, in Prometheus' text format.
    @Test func metricsReportTheLoaderAndTheRequests() async throws {
        let loader = BoardLoader(logdir: Self.interop)
        let app = BoardServer.makeApplication(store: loader.store, host: "127.0.0.1", port: 0)
        await loader.run(interval: 0)
        let snapshot = loader.store.snapshot
        try await app.test(.live) { client in
            _ = try await Self.get(client, "/api/runs")
            _ = try await Self.get(client, "/api/runs")
            _ = try await Self.get(client, "/api/tags")
            let metrics = try await Self.get(client, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            var values: [String: Double] = [:]
            for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
            }
            let status = snapshot.status
            #expect(values["lumen_board_files"] == Double(status.files))
            #expect(values["lumen_board_file_bytes"] == Double(status.bytes))
            #expect(values["lumen_board_events"] == Double(status.events))
            #expect(values["lumen_board_corrupt_records"] == 0)
            // The first pass read every byte of every file.
            #expect(values["lumen_board_read_bytes_total"] == Double(status.bytes))
            #expect(values["lumen_board_reloads_total"] == 1)
            #expect(values["lumen_board_reload_duration_seconds_count"] == 1)
            let points = snapshot.runs.values.reduce(0) { total, run in
                total + run.scalarColumns.reduce(0) { $0 + $1.count }
                    + run.histograms.values.reduce(0) { $0 + $1.items.count }
                    + run.images.values.reduce(0) { $0 + $1.items.count }
                    + run.text.values.reduce(0) { $0 + $1.items.count }
            }
            #expect(points > 0)
            #expect(values["lumen_board_points"] == Double(points))
            #expect(values["lumen_board_requests_total{endpoint=\"runs\"}"] == 2)
            #expect(values["lumen_board_requests_total{endpoint=\"tags\"}"] == 1)
            #expect(values["lumen_board_request_duration_seconds_count{endpoint=\"runs\"}"] == 2)
            #expect(values["lumen_board_live_streams"] == 0)
        }
    }
}
