import Foundation
import Hummingbird
import HummingbirdTesting
import LumenEvents
import Testing
@testable import LumenBoard
@testable import LumenBoardServer
import LumenTestSupport

/// End to end against TensorBoard: the board serves a logdir on a free port, and every endpoint's
/// answer is checked against what TensorBoard's own loader computes for the same logdir
/// (`scripts/tensorboard_api_values.py`, run with the repository's `.venv`, which `scripts/setup`
/// installs): runs, tags, every scalar point, histogram buckets as TensorBoard migrates them,
/// the distributions plugin's percentiles, image sizes and bytes, text and hparams.
@Suite(.serialized) struct TensorBoardParityTests {
    /// What TensorBoard reads from `logdir`: run → the script's per-run object.
    static func tensorboardValues(_ logdir: String) throws -> Data {
        try Repository.runPythonScript("scripts/tensorboard_api_values.py", [logdir])
    }

    static func get(_ client: any TestClientProtocol, _ path: String, _ query: [String: String] = [:]) async throws
        -> (status: Int, body: [UInt8])
    {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = query.keys.sorted().map { key in
            key + "=" + (query[key]?.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
        return try await client.execute(uri: path + (encoded.isEmpty ? "" : "?" + encoded), method: .get) { response in
            (
                response.status.code,
                response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            )
        }
    }

    static func json(_ client: any TestClientProtocol, _ path: String, _ query: [String: String] = [:]) async throws
        -> Any
    {
        let answer = try await get(client, path, query)
        #expect(answer.status == 200, "\(path) \(query)")
        return try JSONSerialization.jsonObject(with: Data(answer.body))
    }

    static func number(_ any: Any?) -> Double? {
        if let text = any as? String { return Double(text) }
        return (any as? NSNumber)?.doubleValue
    }

    /// `a` and `b` agree to `relative` (TensorBoard migrates legacy histograms through float32).
    static func close(_ a: Double?, _ b: Double?, relative: Double) -> Bool {
        guard let a, let b else { return false }
        return abs(a - b) <= relative * max(1, abs(a), abs(b))
    }

    /// Checks every endpoint of the served logdir against TensorBoard's values for it.
    static func expectParity(_ client: any TestClientProtocol, _ tensorboard: Data) async throws {
        let expected = try #require(try JSONSerialization.jsonObject(with: tensorboard) as? [String: [String: Any]])
        let runs = try #require(try await json(client, "/api/runs") as? [[String: Any]])
        #expect(runs.compactMap { $0["name"] as? String } == expected.keys.sorted())
        let tags = try #require(try await json(client, "/api/tags") as? [String: [String: Any]])
        let hparamRows = try #require(try await json(client, "/api/hparams") as? [[String: Any]])

        for run in expected.keys.sorted() {
            let want = try #require(expected[run])
            let have = try #require(tags[run], "run \(run)")
            for kind in ["scalars", "histograms", "images", "text"] {
                let wanted = (want[kind] as? [String: Any])?.keys.sorted() ?? []
                #expect(have[kind] as? [String] == wanted, "\(run) \(kind)")
            }
            #expect(have["graph"] as? Bool == want["graph"] as? Bool, "\(run) graph")

            // Scalars, exactly: the CSV form prints shortest round-trip doubles.
            for (tag, points) in want["scalars"] as? [String: [[Any]]] ?? [:] {
                let csv = try await get(client, "/api/scalars", ["run": run, "tag": tag, "format": "csv"])
                let rows = String(decoding: csv.body, as: UTF8.self).split(separator: "\n").dropFirst()
                    .map { $0.split(separator: ",").map { Double($0) } }
                let wanted = points.map { [number($0[0]), number($0[1]), number($0[2])] }
                #expect(rows == wanted, "\(run) \(tag)")
            }

            // Histograms and distributions.
            for (tag, items) in want["histograms"] as? [String: [[Any]]] ?? [:] {
                let histograms = try #require(
                    try await json(client, "/api/histograms", ["run": run, "tag": tag]) as? [[String: Any]])
                let distributions = try #require(
                    try await json(client, "/api/distributions", ["run": run, "tag": tag]) as? [[String: Any]])
                #expect(histograms.count == items.count && distributions.count == items.count, "\(run) \(tag)")
                for (index, item) in items.enumerated() where index < histograms.count && index < distributions.count {
                    let h = histograms[index], d = distributions[index]
                    #expect(
                        h["step"] as? Int == item[1] as? Int && d["step"] as? Int == item[1] as? Int,
                        "\(run) \(tag) #\(index)")
                    #expect(
                        close(number(h["wallTime"]), number(item[0]), relative: 1e-12),
                        "\(run) \(tag) #\(index) wall time")
                    let buckets = (h["buckets"] as? [[Any]] ?? []).map { $0.map(number) }
                    let wantedBuckets = (item[2] as? [[Any]] ?? []).map { $0.map(number) }
                    #expect(buckets.count == wantedBuckets.count, "\(run) \(tag) #\(index) bucket count")
                    #expect(
                        zip(buckets, wantedBuckets).allSatisfy {
                            zip($0, $1).allSatisfy { close($0, $1, relative: 1e-6) }
                        },
                        "\(run) \(tag) #\(index) buckets")
                    let percentiles = (d["percentiles"] as? [Any] ?? []).map(number)
                    let wantedPercentiles = (item[3] as? [Any] ?? []).map(number)
                    #expect(
                        percentiles.count == 9
                            && zip(percentiles, wantedPercentiles).allSatisfy { close($0, $1, relative: 1e-5) },
                        "\(run) \(tag) #\(index) percentiles \(percentiles) vs \(wantedPercentiles)")
                }
            }

            // Images: sizes, steps and the PNG bytes.
            for (tag, items) in want["images"] as? [String: [[Any]]] ?? [:] {
                let images = try #require(
                    try await json(client, "/api/images", ["run": run, "tag": tag]) as? [[String: Any]])
                #expect(
                    images.map { [$0["step"] as? Int, $0["width"] as? Int, $0["height"] as? Int] }
                        == items.map { [$0[1] as? Int, $0[2] as? Int, $0[3] as? Int] }, "\(run) \(tag)")
                for (index, item) in items.enumerated() where index < images.count {
                    let png = try await get(client, "/api/image", ["run": run, "tag": tag, "index": String(index)])
                    #expect(Data(png.body).base64EncodedString() == item[4] as? String, "\(run) \(tag) #\(index) bytes")
                }
            }

            // Text, as written (the strings of a text tensor joined by newlines).
            for (tag, items) in want["text"] as? [String: [[Any]]] ?? [:] {
                let texts = try #require(
                    try await json(client, "/api/text", ["run": run, "tag": tag]) as? [[String: Any]])
                #expect(texts.map { $0["step"] as? Int } == items.map { $0[1] as? Int }, "\(run) \(tag)")
                #expect(
                    texts.map { $0["text"] as? String } == items.map { ($0[2] as? [String])?.joined(separator: "\n") },
                    "\(run) \(tag)")
            }

            // HParams.
            let row = hparamRows.first { $0["run"] as? String == run }
            if let wanted = want["hparams"] as? [String: Any] {
                let values = try #require(row?["hparams"] as? [String: Any], "\(run) hparams")
                #expect(Set(values.keys) == Set(wanted.keys), "\(run) hparams")
                for (name, value) in wanted {
                    if let text = value as? String, let number = Double(text) {
                        #expect(Self.number(values[name]) == number, "\(run) \(name)")
                    } else if let flag = value as? Bool {
                        #expect(values[name] as? Bool == flag, "\(run) \(name)")
                    } else {
                        #expect(values[name] as? String == value as? String, "\(run) \(name)")
                    }
                }
            } else {
                #expect(row == nil, "\(run) has no hparams")
            }
        }
    }

    static func serve(_ loader: BoardLoader, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let app = BoardServer.makeApplication(store: loader.store, host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in try await body(client) }
    }

    @Test(
        .enabled(
            if: Repository.shouldRun(needing: ["tensorboard"]), "needs TensorBoard in .venv (scripts/setup installs it)"
        ))
    func fixturesMatchTensorBoard() async throws {
        let logdir = Repository.path("fixtures/interop")
        let expected = try Self.tensorboardValues(logdir)
        let loader = BoardLoader(logdir: logdir)
        await loader.reload()
        try await Self.serve(loader) { client in try await Self.expectParity(client, expected) }
    }

    /// A logdir written while the board serves it: two runs (plain and gzip) gain scalars,
    /// histograms, images, text and hparams in three flushes, with a reload after each.
    @Test(
        .enabled(
            if: Repository.shouldRun(needing: ["tensorboard"]), "needs TensorBoard in .venv (scripts/setup installs it)"
        ))
    func logdirWrittenWhileServingMatchesTensorBoard() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let loader = BoardLoader(logdir: dir.path)
        await loader.reload()
        try await Self.serve(loader) { client in
            let plain = try EventFileWriter(logdir: dir.file("exp/plain"), compression: .none)
            let gzip = try EventFileWriter(logdir: dir.file("exp/gzip"), compression: .gzip)
            var summary = Summary()
            summary.value = try HParamsSummaries.sessionStartInfo(hparams: [
                "lr": 0.01, "optimizer": "adam", "bn": true,
            ]).value
            plain.write(summary, step: 0)
            var state: UInt64 = 42
            func uniform() -> Double {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Double(state >> 11) * 0x1.0p-53
            }
            for stage in 0..<3 {
                for step in (stage * 100)..<((stage + 1) * 100) {
                    for writer in [plain, gzip] {
                        writer.writeScalar(
                            tag: "loss", value: Float(1 / Double(step + 1) + uniform() * 0.01), step: Int64(step))
                        writer.writeScalar(tag: "train/accuracy", value: Float(uniform()), step: Int64(step))
                    }
                    if step % 25 == 0 {
                        let values = (0..<1000).map { _ in (uniform() - 0.5) * Double(step + 1) / 30 }
                        var histogram = Summary()
                        histogram.value = [.histogram(tag: "weights", histogram: HistogramProto(values: values))]
                        plain.write(histogram, step: Int64(step))
                        gzip.write(histogram, step: Int64(step))
                    }
                    if step % 60 == 0 {
                        let pixels = (0..<(6 * 4 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + step) }
                        let png = try PNGEncoder.encode(pixels: pixels, width: 6, height: 4, colorType: .rgb)
                        var image = Summary()
                        image.value = [.image(tag: "samples", encoded: png, width: 6, height: 4, channels: 3)]
                        plain.write(image, step: Int64(step))
                        var text = Summary()
                        text.value = [
                            .text(tag: "notes", markdown: "step **\(step)**\n\n| a | b |\n|---|---|\n| 1 | 2 |")
                        ]
                        gzip.write(text, step: Int64(step))
                    }
                }
                try plain.flush()
                try gzip.flush()
                await loader.reload()
                let runs = try #require(try await Self.json(client, "/api/runs") as? [[String: Any]])
                #expect(runs.count == 2, "after stage \(stage)")
            }
            try plain.close()
            try gzip.close()
            await loader.reload()
            // TensorBoard's Python loader reads plain files only: it reads a copy of the logdir
            // with the gzip run decompressed.
            let mirror = try TemporaryDirectory()
            defer { mirror.remove() }
            for run in ["exp/plain", "exp/gzip"] {
                for name in try FileManager.default.contentsOfDirectory(atPath: dir.file(run)) {
                    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file(run + "/" + name))))
                    let plainName = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
                    try mirror.write(
                        run + "/" + plainName, name.hasSuffix(".gz") ? try GzipStreamDecoder().decompress(bytes) : bytes
                    )
                }
            }
            try await Self.expectParity(client, try Self.tensorboardValues(mirror.path))
        }
    }
}
