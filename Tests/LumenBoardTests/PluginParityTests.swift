import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

/// The PR curve, audio and custom-scalars endpoints against TensorBoard's own plugins: for a
/// logdir written by PyTorch (`fixtures/plugins/pytorch`, see `scripts/make_plugin_fixture.py`)
/// tensorboardX's and TensorFlow 2's (`fixtures/plugins/tensorboardX`, `fixtures/plugins/tensorflow`)
/// and one written by our own summary builders, every answer of `/api/prcurves`, `/api/audio`,
/// `/api/audioclip` and `/api/customscalars` equals what TensorBoard 2.21's pr_curves, audio and
/// custom_scalars plugins serve (`scripts/tensorboard_plugin_values.py`), and `/api/status`
/// lists as ignored exactly the plugins TensorBoard finds that the board shows nowhere.
@Suite(.serialized) struct PluginParityTests {
    static let python = Repository.python(importing: ["tensorboard"])

    /// The board's snapshot of `logdir`, after one full load.
    static func snapshot(_ logdir: String) async -> BoardSnapshot {
        await BoardLoader(logdir: logdir).reload()
    }

    static func json(_ endpoint: String, _ q: [String: String] = [:], _ snapshot: BoardSnapshot) throws -> Any {
        let answer = BoardAPI.respond(endpoint: endpoint, parameters: q, snapshot: snapshot)
        #expect(answer.status == 200, "\(endpoint) \(q): \(answer.text)")
        return try JSONSerialization.jsonObject(with: Data(answer.body), options: [.fragmentsAllowed])
    }

    /// A JSON number, or a non-finite number written as TensorBoard's script and the board write them.
    static func number(_ any: Any?) -> Double? {
        switch any {
        case let text as String:
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return nil
            }
        case let number as NSNumber: return number.doubleValue
        default: return nil
        }
    }

    static func same(_ a: [Double?], _ b: [Double?]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy { x, y in
                guard let x, let y else { return false }
                return x == y || (x.isNaN && y.isNaN)
            }
    }

    /// Every new endpoint of the board over `logdir` against TensorBoard's plugins.
    static func expectParity(_ logdir: String) async throws {
        let data = try Repository.runPythonScript("scripts/tensorboard_plugin_values.py", [logdir])
        let tensorboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let snapshot = await snapshot(logdir)
        let tags = try #require(try json("tags", [:], snapshot) as? [String: [String: Any]])

        // PR curves.
        let prTags = try #require(tensorboard["pr_curve_tags"] as? [String: [String: Any]])
        let prCurves = try #require(tensorboard["pr_curves"] as? [String: [String: [[String: Any]]]])
        for run in tags.keys.sorted() {
            #expect((tags[run]?["prCurves"] as? [String]) == (prTags[run]?.keys.sorted() ?? []), "\(run) prCurves")
        }
        var curvesChecked = 0
        for (run, byTag) in prCurves {
            for (tag, wanted) in byTag {
                let have = try #require(try json("prcurves", ["run": run, "tag": tag], snapshot) as? [[String: Any]])
                #expect(have.count == wanted.count, "\(run) \(tag) entries")
                for (ours, theirs) in zip(have, wanted) {
                    #expect(ours["step"] as? Int == theirs["step"] as? Int, "\(run) \(tag)")
                    #expect(number(ours["wallTime"]) == number(theirs["wall_time"]), "\(run) \(tag) wall time")
                    for (key, theirKey) in [
                        ("thresholds", "thresholds"), ("precision", "precision"), ("recall", "recall"),
                        ("truePositives", "true_positives"), ("falsePositives", "false_positives"),
                        ("trueNegatives", "true_negatives"), ("falseNegatives", "false_negatives"),
                    ] {
                        let a = (ours[key] as? [Any] ?? []).map(number)
                        let b = (theirs[theirKey] as? [Any] ?? []).map(number)
                        #expect(
                            !b.isEmpty && same(a, b), "\(run) \(tag) step \(theirs["step"] ?? "?") \(key): \(a) vs \(b)"
                        )
                    }
                    curvesChecked += 1
                }
            }
        }

        // Audio: TensorBoard lists clip k of every step under sample k; the board lists every clip.
        let audioTags = try #require(tensorboard["audio_tags"] as? [String: [String: Any]])
        let audio = try #require(tensorboard["audio"] as? [String: [String: [[Any]]]])
        let sampleRates = tensorboard["sample_rates"] as? [String: Int] ?? [:]
        let labels = tensorboard["labels"] as? [String: String] ?? [:]
        for run in tags.keys.sorted() {
            #expect((tags[run]?["audio"] as? [String]) == (audioTags[run]?.keys.sorted() ?? []), "\(run) audio")
        }
        var clipsChecked = 0
        for (run, byTag) in audio {
            for (tag, wanted) in byTag {
                let have = try #require(try json("audio", ["run": run, "tag": tag], snapshot) as? [[String: Any]])
                #expect(have.count == wanted.count, "\(run) \(tag) clips")
                // The board's clips of each step, in order.
                var byStep: [Int: [[String: Any]]] = [:]
                for entry in have { byStep[entry["step"] as? Int ?? -1, default: []].append(entry) }
                for item in wanted {
                    let entry = try #require(item[0] as? [String: Any])
                    let blob = try #require(item[1] as? String)
                    let sample = try #require(item[2] as? Int)
                    let step = try #require(entry["step"] as? Int)
                    let ours = try #require(
                        byStep[step].flatMap { sample < $0.count ? $0[sample] : nil },
                        "\(run) \(tag) step \(step) clip \(sample)")
                    #expect(number(ours["wallTime"]) == number(entry["wall_time"]), "\(run) \(tag) wall time")
                    #expect(
                        ours["contentType"] as? String == entry["contentType"] as? String, "\(run) \(tag) content type")
                    // TensorBoard's route serves "" for every label; the board serves the clip's own.
                    #expect(
                        ours["label"] as? String == labels[blob] ?? entry["label"] as? String, "\(run) \(tag) label")
                    #expect(
                        number(ours["sampleRate"]) == sampleRates[blob].map(Double.init), "\(run) \(tag) sample rate")
                    let index = try #require(ours["index"] as? Int)
                    let clip = BoardAPI.respond(
                        endpoint: "audioclip", parameters: ["run": run, "tag": tag, "index": String(index)],
                        snapshot: snapshot)
                    #expect(clip.status == 200 && clip.contentType == entry["contentType"] as? String)
                    #expect(Data(clip.body) == Data(base64Encoded: blob), "\(run) \(tag) clip \(index) bytes")
                    clipsChecked += 1
                }
            }
        }

        // Custom scalars: the merged layout, in the board's shape.
        let layoutRuns = tensorboard["layout_runs"] as? [String] ?? []
        for run in tags.keys.sorted() {
            #expect(tags[run]?["customScalars"] as? Bool == layoutRuns.contains(run), "\(run) customScalars")
        }
        let layout = tensorboard["layout"] as? [String: Any] ?? [:]
        let wantedCategories: [[String: Any]] = (layout["category"] as? [[String: Any]] ?? []).map { category in
            [
                "title": category["title"] as? String ?? "", "closed": category["closed"] as? Bool ?? false,
                "charts": (category["chart"] as? [[String: Any]] ?? []).map { chart -> [String: Any] in
                    var out: [String: Any] = ["title": chart["title"] as? String ?? ""]
                    if let multiline = chart["multiline"] as? [String: Any] {
                        out["multiline"] = ["tags": multiline["tag"] as? [String] ?? []]
                    }
                    if let margin = chart["margin"] as? [String: Any] {
                        out["margin"] = [
                            "series": (margin["series"] as? [[String: Any]] ?? []).map { series in
                                [
                                    "value": series["value"] as? String ?? "",
                                    "lower": series["lower"] as? String ?? "",
                                    "upper": series["upper"] as? String ?? "",
                                ]
                            }
                        ]
                    }
                    return out
                },
            ]
        }
        let ours = try #require(try json("customscalars", [:], snapshot) as? [String: Any])
        #expect(
            NSDictionary(dictionary: ours).isEqual(to: ["categories": wantedCategories]),
            "layout: \(ours) vs \(wantedCategories)")

        // Ignored: the plugins TensorBoard finds that no dashboard of the board shows.
        let shown: Set<String> = [
            "scalars", "histograms", "images", "text", "hparams", "pr_curves", "audio", "custom_scalars",
            "graph_keras_model",
            "graph_run_metadata", "mesh",
        ]
        let plugins = try #require(tensorboard["plugins"] as? [String: [String: [String: Any]]])
        var wantedIgnored: [[String: Any]] = []
        for run in plugins.keys.sorted() {
            for plugin in plugins[run]!.keys.sorted() where !shown.contains(plugin) {
                let info = plugins[run]![plugin]!
                wantedIgnored.append([
                    "run": run, "plugin": plugin.isEmpty ? IgnoredSummaries.noPlugin : plugin,
                    "tags": info["tags"] ?? [],
                    "events": info["events"] ?? 0,
                ])
            }
        }
        let status = try #require(try json("status", [:], snapshot) as? [String: Any])
        let ignored = try #require(status["ignored"] as? [[String: Any]])
        #expect(NSArray(array: ignored).isEqual(to: wantedIgnored), "ignored: \(ignored) vs \(wantedIgnored)")

        #expect(curvesChecked > 0 && clipsChecked > 0 && !wantedCategories.isEmpty, "the logdir exercises every plugin")
    }

    @Test(.enabled(if: python != nil, "needs .venv with tensorboard (scripts/setup)"))
    func pytorchFixture() async throws {
        try await Self.expectParity(Repository.path("fixtures/plugins/pytorch"))
    }

    @Test(.enabled(if: python != nil, "needs .venv with tensorboard (scripts/setup)"))
    func tensorboardXFixture() async throws {
        try await Self.expectParity(Repository.path("fixtures/plugins/tensorboardX"))
    }

    /// TensorFlow 2's tensor-form summaries (`scripts/make_tf_plugin_fixture.py`): two stereo
    /// clips per step, PR curves of TensorBoard's own summary, its layout summary.
    @Test(.enabled(if: python != nil, "needs .venv with tensorboard (scripts/setup)"))
    func tensorflowFixture() async throws {
        try await Self.expectParity(Repository.path("fixtures/plugins/tensorflow"))
    }

    @Test(.enabled(if: python != nil, "needs .venv with tensorboard (scripts/setup)"))
    func ourWriter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.writeLogdir(directory.path)
        try await Self.expectParity(directory.path)
    }

    /// A logdir of our own builders' summaries, plain (uncompressed) files as stock TensorBoard
    /// reads them: PR curves (with weights, odd threshold counts, predictions outside [0, 1]),
    /// mono and stereo audio, a two-clip TF2-style audio tensor, and layouts in three runs that
    /// TensorBoard merges.
    static func writeLogdir(_ logdir: String) throws {
        let bytes = pseudoRandomBytes(count: 8192, seed: 7)
        var position = 0
        /// The next pseudo-random number in 0..<65536.
        func next() -> UInt64 {
            position += 2
            return UInt64(bytes[position - 2]) << 8 | UInt64(bytes[position - 1])
        }
        func writer(_ run: String) throws -> EventFileWriter {
            try EventFileWriter(logdir: logdir + "/" + run, compression: .none)
        }
        let a = try writer("ours")
        for step in 0..<4 {
            let labels = (0..<300).map { _ in Double(next() % 2) }
            let predictions = labels.map { Float($0 * 0.25 + Double(next() % 1000) / 1000 * 0.8) - 0.02 }
            a.write(
                Summary(values: [try .prCurve(tag: "pr/classifier", labels: labels, predictions: predictions)]),
                step: Int64(step), wallTime: 1000 + Double(step))
        }
        let weights = (0..<40).map { _ in Double(next() % 300) / 100 }
        let labels = (0..<40).map { _ in Double(next() % 2) }
        let predictions = (0..<40).map { _ in Float(next() % 1000) / 999 }
        a.write(
            Summary(values: [
                try .prCurve(
                    tag: "pr/weighted", labels: labels, predictions: predictions, numThresholds: 9, weights: weights)
            ]),
            step: 0, wallTime: 1100)
        for step in 0..<3 {
            let mono = (0..<400).map { Float(sin(Double($0) * 0.05 * Double(step + 1))) * 1.2 }
            a.write(
                Summary(values: [try .audio(tag: "audio/mono", samples: mono, sampleRate: 16000)]), step: Int64(step),
                wallTime: 1200 + Double(step))
            let stereo = (0..<600).map { Float(cos(Double($0) * 0.01)) * ($0 % 2 == 0 ? 0.5 : -0.25) }
            a.write(
                Summary(values: [try .audio(tag: "audio/stereo", samples: stereo, channels: 2, sampleRate: 22050)]),
                step: Int64(step), wallTime: 1300 + Double(step))
        }
        a.write(
            Summary(values: [
                .customScalarsLayout(
                    Layout(categories: [
                        Category(
                            title: "curves",
                            charts: [
                                .multiline(title: "all", tags: ["pr/.*"]),
                                .margin(title: "band", series: [("v", "lo", "hi")]),
                            ]),
                        Category(title: "closed one", charts: [.multiline(title: "x", tags: ["x"])], closed: true),
                    ]))
            ]), step: 0, wallTime: 1400)
        try a.close()

        let b = try writer("ours/second")
        // TensorFlow 2's audio summary: a [k, 2] string tensor (clip, label) with plugin data.
        var tensor = TensorProto()
        tensor.dtype = .dtString
        let clips = try (0..<2).map { k in
            try WAVEncoder.encode(samples: [0.1, -0.2, Float(k) * 0.3], channels: 1, sampleRate: 8000)
        }
        tensor.stringVal = [Data(clips[0]), Data("first".utf8), Data(clips[1]), Data("second".utf8)]
        tensor.tensorShape.dim = [2, 2].map { size in
            var dimension = TensorShapeProto.Dim()
            dimension.size = Int64(size)
            return dimension
        }
        var pluginData = AudioPluginData()
        pluginData.encoding = .wav
        var value = Summary.Value()
        value.tag = "audio/tf2"
        value.metadata = .plugin(name: "audio", content: try pluginData.serializedData())
        value.tensor = tensor
        b.write(Summary(values: [value]), step: 3, wallTime: 1500)
        b.write(
            Summary(values: [
                .customScalarsLayout(
                    Layout(categories: [
                        Category(
                            title: "curves",
                            charts: [.multiline(title: "all", tags: ["pr/.*"]), .multiline(title: "more", tags: ["y"])]),
                        Category(title: "new", charts: [.multiline(title: "n", tags: ["n"])]),
                    ]))
            ]), step: 0, wallTime: 1600)
        try b.close()

        let c = try writer("ours/third")
        c.write(
            Summary(values: [
                .customScalarsLayout(
                    Layout(categories: [
                        Category(title: "new", charts: [.multiline(title: "late", tags: ["late"])])
                    ]))
            ]), step: 0, wallTime: 1700)
        try c.close()
    }
}
