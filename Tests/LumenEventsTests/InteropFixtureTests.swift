import Foundation
import LumenEvents
import LumenTestSupport
import SwiftProtobuf
import Testing

/// Reading the event files that tensorboardX and TensorFlow wrote (`fixtures/interop/`, see
/// `fixtures/README.md`) and checking that we see what TensorBoard itself sees in them.
///
/// `scripts/tensorboard_fixture_values.py` loads each run with TensorBoard's `EventAccumulator`
/// and prints scalars, histograms, images, text, graph node names and hparams plugin data as
/// JSON; `matchesTensorBoard` extracts the same structures from the events our reader decodes and
/// compares every tag and step. The other tests check facts about the files that hold without
/// Python.
@Suite struct InteropFixtureTests {
    static let logdir = Repository.path("fixtures/interop")

    /// Every run directory (relative to `logdir`), as the script names them.
    static let runs = [
        "tensorboardX", "tensorboardX/hparams", "tensorboardX/lr/adam", "tensorboardX/lr/sgd",
        "tf1_filewriter_mlp", "tf2_summary",
    ]

    // MARK: Compared with TensorBoard

    @Test(
        .enabled(
            if: Repository.shouldRun(needing: ["tensorboard"]),
            "needs TensorBoard in .venv (scripts/setup; see scripts/tensorboard_fixture_values.py)"))
    func matchesTensorBoard() throws {
        let output = try Repository.runPythonScript("scripts/tensorboard_fixture_values.py", [Self.logdir])
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(json.keys.sorted() == Self.runs)
        for run in Self.runs {
            let expected = try RunValues(tensorBoardJSON: try #require(json[run] as? [String: Any], "run \(run)"))
            let actual = try RunValues(run: run)
            compare(actual, expected, run: run)
        }
    }

    // MARK: Facts that hold without Python

    @Test func everyFileReadsCleanly() throws {
        for run in Self.runs {
            let files = try RunValues.eventFiles(run: run)
            #expect(!files.isEmpty, "no event file in \(run)")
            for path in files {
                var reader = try TFRecordReader(path: path)
                let batch = try reader.readAvailable()
                #expect(batch.corruptions.isEmpty, "\(path)")
                #expect(batch.end == .atRecordBoundary, "\(path)")
                #expect(reader.offset == Int64(try FileByteSource(path: path).size), "\(path)")
                let first = try Event(serializedBytes: try #require(batch.records.first).data)
                #expect(first.fileVersion == "brain.Event:2", "\(path)")
            }
        }
    }

    @Test func tensorboardXRun() throws {
        let run = try RunValues(run: "tensorboardX")
        #expect(run.scalars.keys.sorted() == ["train/accuracy", "train/loss"])
        for tag in ["train/accuracy", "train/loss"] {
            #expect(run.scalars[tag]?.map(\.step) == Array(0...19), "\(tag)")
        }
        let histograms = try #require(run.histograms["layer1/weights"])
        #expect(histograms.map(\.step) == [0, 5, 10, 15])
        for histogram in histograms {
            #expect(!histogram.buckets.isEmpty)
            #expect(histogram.bucketLimits.count == histogram.buckets.count)
            #expect(histogram.buckets.reduce(0, +) == histogram.num)
            #expect(histogram.min <= histogram.max)
        }
        #expect(run.images == ["samples/input": [ImageEntry(step: 0, width: 8, height: 8, count: 1)]])
        #expect(run.pngSignatures == run.imageCount)
        #expect(run.text["notes/text_summary"]?.map(\.step) == [0])
        #expect(run.graphNodes == nil)
        #expect(run.tensorHistograms.isEmpty && run.hparams.isEmpty)
    }

    @Test func tensorboardXScalarsRuns() throws {
        for name in ["adam", "sgd"] {
            let run = try RunValues(run: "tensorboardX/lr/\(name)")
            #expect(run.scalars.keys.sorted() == ["lr"], "\(name)")
            #expect(run.scalars["lr"]?.map(\.step) == Array(0...19), "\(name)")
        }
    }

    @Test func tensorboardXHParamsRun() throws {
        let run = try RunValues(run: "tensorboardX/hparams")
        let names = ["batch_size", "dropout", "lr", "optimizer"]
        #expect(
            run.hparams == [
                "_hparams_/experiment": HParamsEntry(data: "experiment", names: names),
                "_hparams_/session_start_info": HParamsEntry(data: "session_start_info", names: names),
                "_hparams_/session_end_info": HParamsEntry(data: "session_end_info", names: []),
            ])
        #expect(run.scalars.keys.sorted() == ["hparam/accuracy", "hparam/loss"])
        #expect(run.scalars.values.allSatisfy { $0.map(\.step) == [0] })
    }

    @Test func tensorFlow1Run() throws {
        let run = try RunValues(run: "tf1_filewriter_mlp")
        let nodes = try #require(run.graphNodes)
        for scope in ["input/", "layer1/", "layer2/", "loss/", "train/gradients/", "accuracy/"] {
            #expect(nodes.contains { $0.hasPrefix(scope) }, "no node under \(scope)")
        }
        #expect(run.hasMetaGraph)
        #expect(run.scalars.keys.sorted() == ["accuracy_1", "loss_1"])
        #expect(run.scalars.values.allSatisfy { $0.map(\.step) == Array(0...9) })
        #expect(run.histograms.keys.sorted() == ["layer1/activations", "layer1/weights_1", "layer2/weights_1"])
        #expect(run.histograms.values.allSatisfy { $0.map(\.step) == Array(0...9) })
    }

    @Test func tensorFlow2Run() throws {
        let run = try RunValues(run: "tf2_summary")
        #expect(run.scalars.keys.sorted() == ["learning_rate", "loss"])
        #expect(run.scalars.values.allSatisfy { $0.map(\.step) == Array(0...19) })
        let histograms = try #require(run.tensorHistograms["weights"])
        #expect(histograms.map(\.step) == [0, 5, 10, 15])
        #expect(histograms.allSatisfy { $0.buckets.count == 30 && $0.buckets.allSatisfy { $0.count == 3 } })
        #expect(run.images == ["samples": [ImageEntry(step: 0, width: 8, height: 8, count: 2)]])
        #expect(run.pngSignatures == run.imageCount)
        #expect(run.text["notes"]?.map(\.step) == [0])
        #expect(run.histograms.isEmpty && run.graphNodes == nil && run.hparams.isEmpty)
    }
}

// MARK: - The compared structures

struct ScalarPoint: Equatable, Sendable {
    var step: Int64
    var value: Double
}

struct HistogramEntry: Equatable, Sendable {
    var step: Int64
    var min, max, num, sum, sumSquares: Double
    var bucketLimits: [Double]
    var buckets: [Double]
}

struct TensorHistogramEntry: Equatable, Sendable {
    var step: Int64
    /// [left, right, count] per bucket.
    var buckets: [[Double]]
}

struct ImageEntry: Equatable, Sendable {
    var step: Int64
    var width, height, count: Int
}

struct TextEntry: Equatable, Sendable {
    var step: Int64
    var strings: [String]
}

struct HParamsEntry: Equatable, Sendable {
    /// Which field of `HParamsPluginData` is set, in the proto's spelling.
    var data: String
    /// The hparam names it lists, sorted.
    var names: [String]
}

struct InteropFixtureError: Error, CustomStringConvertible {
    var description: String
}

/// What one run holds, in the shape `scripts/tensorboard_fixture_values.py` prints.
struct RunValues {
    var scalars: [String: [ScalarPoint]] = [:]
    var histograms: [String: [HistogramEntry]] = [:]
    var tensorHistograms: [String: [TensorHistogramEntry]] = [:]
    var images: [String: [ImageEntry]] = [:]
    var text: [String: [TextEntry]] = [:]
    var graphNodes: [String]?
    var hasMetaGraph = false
    var hparams: [String: HParamsEntry] = [:]
    /// Only from our reader: how many images start with the PNG signature, and how many there are.
    var pngSignatures = 0
    var imageCount = 0

    /// The event files directly in `run`'s directory, sorted.
    static func eventFiles(run: String) throws -> [String] {
        let directory = (InteropFixtureTests.logdir as NSString).appendingPathComponent(run)
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.contains("tfevents") }
            .sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Reads `run` with our reader and extracts every structure from the decoded events.
    init(run: String) throws {
        var pluginByTag: [String: String] = [:]
        for path in try Self.eventFiles(run: run) {
            var reader = try TFRecordReader(path: path)
            for record in try reader.readAvailable().records {
                try add(try Event(serializedBytes: record.data), pluginByTag: &pluginByTag)
            }
        }
    }

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private mutating func add(_ event: Event, pluginByTag: inout [String: String]) throws {
        let step = event.step
        switch event.what {
        case .graphDef(let bytes):
            graphNodes = try GraphDef(serializedBytes: bytes).node.map(\.name)
        case .metaGraphDef:
            hasMetaGraph = true
        case .summary(let summary):
            for value in summary.value {
                let tag = value.tag
                // Like TensorBoard, the first metadata seen for a tag decides its plugin.
                if value.hasMetadata, pluginByTag[tag] == nil {
                    pluginByTag[tag] = value.metadata.pluginData.pluginName
                    if value.metadata.pluginData.pluginName == "hparams" {
                        hparams[tag] = try Self.hparamsEntry(value.metadata.pluginData.content)
                    }
                }
                switch value.value {
                case .simpleValue(let x):
                    scalars[tag, default: []].append(ScalarPoint(step: step, value: Double(x)))
                case .histo(let h):
                    histograms[tag, default: []].append(
                        HistogramEntry(
                            step: step, min: h.min, max: h.max, num: h.num, sum: h.sum, sumSquares: h.sumSquares,
                            bucketLimits: h.bucketLimit, buckets: h.bucket))
                case .image(let image):
                    images[tag, default: []].append(
                        ImageEntry(step: step, width: Int(image.width), height: Int(image.height), count: 1))
                    notePNG(image.encodedImageString)
                case .tensor(let tensor):
                    try addTensor(tensor, tag: tag, plugin: pluginByTag[tag] ?? "", step: step)
                default:
                    break
                }
            }
        default:
            break
        }
    }

    private mutating func notePNG(_ data: Data) {
        imageCount += 1
        if data.starts(with: Self.pngSignature) { pngSignatures += 1 }
    }

    private mutating func addTensor(_ tensor: TensorProto, tag: String, plugin: String, step: Int64) throws {
        switch plugin {
        case "scalars":
            let values = try Self.numbers(tensor)
            guard values.count == 1 else { throw InteropFixtureError(description: "\(tag): \(values.count) values") }
            scalars[tag, default: []].append(ScalarPoint(step: step, value: values[0]))
        case "histograms":
            let values = try Self.numbers(tensor)
            guard values.count % 3 == 0 else { throw InteropFixtureError(description: "\(tag): not [k, 3]") }
            let buckets = stride(from: 0, to: values.count, by: 3).map { Array(values[$0..<$0 + 3]) }
            tensorHistograms[tag, default: []].append(TensorHistogramEntry(step: step, buckets: buckets))
        case "images":
            let strings = tensor.stringVal
            guard strings.count >= 2, let width = Int(String(decoding: strings[0], as: UTF8.self)),
                let height = Int(String(decoding: strings[1], as: UTF8.self))
            else { throw InteropFixtureError(description: "\(tag): not [width, height, png…]") }
            images[tag, default: []].append(
                ImageEntry(step: step, width: width, height: height, count: strings.count - 2))
            strings.dropFirst(2).forEach { notePNG($0) }
        case "text":
            text[tag, default: []].append(
                TextEntry(step: step, strings: tensor.stringVal.map { String(decoding: $0, as: UTF8.self) }))
        default:
            break
        }
    }

    /// The values of a DT_FLOAT or DT_DOUBLE tensor, from `tensor_content` (little-endian) or the
    /// typed value field; a float is widened exactly.
    static func numbers(_ tensor: TensorProto) throws -> [Double] {
        let content = [UInt8](tensor.tensorContent)
        switch tensor.dtype {
        case .dtFloat:
            if content.isEmpty { return tensor.floatVal.map(Double.init) }
            return stride(from: 0, to: content.count, by: 4).map { i in
                Double(Float(bitPattern: content[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }))
            }
        case .dtDouble:
            if content.isEmpty { return tensor.doubleVal }
            return stride(from: 0, to: content.count, by: 8).map { i in
                Double(bitPattern: content[i..<i + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
            }
        default:
            throw InteropFixtureError(description: "unexpected dtype \(tensor.dtype)")
        }
    }

    static func hparamsEntry(_ content: Data) throws -> HParamsEntry {
        let data = try HParamsHParamsPluginData(serializedBytes: content)
        switch data.data {
        case .experiment(let experiment):
            return HParamsEntry(data: "experiment", names: experiment.hparamInfos.map(\.name).sorted())
        case .sessionStartInfo(let info):
            return HParamsEntry(data: "session_start_info", names: info.hparams.keys.sorted())
        case .sessionEndInfo:
            return HParamsEntry(data: "session_end_info", names: [])
        case nil:
            return HParamsEntry(data: "", names: [])
        }
    }

    // MARK: Parsing the script's JSON

    init(tensorBoardJSON json: [String: Any]) throws {
        func dictionary(_ key: String) throws -> [String: [[Any]]] {
            guard let value = json[key] as? [String: [[Any]]] else {
                throw InteropFixtureError(description: "bad \(key)")
            }
            return value
        }
        scalars = try dictionary("scalars").mapValues {
            try $0.map { ScalarPoint(step: try int64($0[0]), value: try double($0[1])) }
        }
        histograms = try dictionary("histograms").mapValues {
            try $0.map {
                HistogramEntry(
                    step: try int64($0[0]), min: try double($0[1]), max: try double($0[2]), num: try double($0[3]),
                    sum: try double($0[4]), sumSquares: try double($0[5]),
                    bucketLimits: try doubles($0[6]), buckets: try doubles($0[7]))
            }
        }
        tensorHistograms = try dictionary("tensor_histograms").mapValues {
            try $0.map {
                guard let rows = $0[1] as? [Any] else { throw InteropFixtureError(description: "bad buckets") }
                return TensorHistogramEntry(step: try int64($0[0]), buckets: try rows.map(doubles))
            }
        }
        images = try dictionary("images").mapValues {
            try $0.map {
                ImageEntry(
                    step: try int64($0[0]), width: Int(try int64($0[1])), height: Int(try int64($0[2])),
                    count: Int(try int64($0[3])))
            }
        }
        text = try dictionary("text").mapValues {
            try $0.map {
                guard let strings = $0[1] as? [String] else { throw InteropFixtureError(description: "bad text") }
                return TextEntry(step: try int64($0[0]), strings: strings)
            }
        }
        graphNodes = json["graph_nodes"] as? [String]
        hasMetaGraph = json["has_meta_graph"] as? Bool ?? false
        guard let hparamsJSON = json["hparams"] as? [String: [String: Any]] else {
            throw InteropFixtureError(description: "bad hparams")
        }
        hparams = try hparamsJSON.mapValues {
            guard let names = $0["names"] as? [String] else { throw InteropFixtureError(description: "bad hparams") }
            return HParamsEntry(data: $0["data"] as? String ?? "", names: names)
        }
    }
}

private func int64(_ value: Any) throws -> Int64 {
    guard let number = value as? NSNumber else { throw InteropFixtureError(description: "not a number: \(value)") }
    return number.int64Value
}

/// The script prints floats as Python `repr` strings, which parse back exactly.
private func double(_ value: Any) throws -> Double {
    guard let string = value as? String, let x = Double(string) else {
        throw InteropFixtureError(description: "not a float string: \(value)")
    }
    return x
}

private func doubles(_ value: Any) throws -> [Double] {
    guard let array = value as? [Any] else { throw InteropFixtureError(description: "not an array: \(value)") }
    return try array.map(double)
}

// MARK: - Comparing

/// Equal, or (for doubles that went through another library's arithmetic) within 1e-12 relative.
private func same(_ a: Double, _ b: Double) -> Bool {
    if a == b || (a.isNaN && b.isNaN) { return true }
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
}

private func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
}

private func compare(_ ours: RunValues, _ tensorBoard: RunValues, run: String) {
    #expect(ours.scalars.keys.sorted() == tensorBoard.scalars.keys.sorted(), "\(run): scalar tags")
    for (tag, expected) in tensorBoard.scalars {
        let actual = ours.scalars[tag] ?? []
        #expect(actual.map(\.step) == expected.map(\.step), "\(run) \(tag): scalar steps")
        for (a, e) in zip(actual, expected) {
            // float32 values, widened exactly on both sides: equal, not merely close.
            #expect(a.value == e.value, "\(run) \(tag) step \(e.step): \(a.value) vs TensorBoard \(e.value)")
        }
    }
    #expect(ours.histograms.keys.sorted() == tensorBoard.histograms.keys.sorted(), "\(run): histogram tags")
    for (tag, expected) in tensorBoard.histograms {
        let actual = ours.histograms[tag] ?? []
        #expect(actual.map(\.step) == expected.map(\.step), "\(run) \(tag): histogram steps")
        for (a, e) in zip(actual, expected) {
            #expect(
                same([a.min, a.max, a.num, a.sum, a.sumSquares], [e.min, e.max, e.num, e.sum, e.sumSquares]),
                "\(run) \(tag) step \(e.step): histogram statistics")
            #expect(same(a.bucketLimits, e.bucketLimits), "\(run) \(tag) step \(e.step): bucket limits")
            #expect(same(a.buckets, e.buckets), "\(run) \(tag) step \(e.step): buckets")
        }
    }
    #expect(
        ours.tensorHistograms.keys.sorted() == tensorBoard.tensorHistograms.keys.sorted(),
        "\(run): tensor histogram tags")
    for (tag, expected) in tensorBoard.tensorHistograms {
        let actual = ours.tensorHistograms[tag] ?? []
        #expect(actual.map(\.step) == expected.map(\.step), "\(run) \(tag): tensor histogram steps")
        for (a, e) in zip(actual, expected) {
            #expect(a.buckets.count == e.buckets.count, "\(run) \(tag) step \(e.step): bucket count")
            #expect(zip(a.buckets, e.buckets).allSatisfy { same($0, $1) }, "\(run) \(tag) step \(e.step): buckets")
        }
    }
    #expect(ours.images == tensorBoard.images, "\(run): images")
    #expect(ours.text == tensorBoard.text, "\(run): text")
    #expect(ours.graphNodes == tensorBoard.graphNodes, "\(run): graph node names")
    #expect(ours.hasMetaGraph == tensorBoard.hasMetaGraph, "\(run): meta graph")
    #expect(ours.hparams == tensorBoard.hparams, "\(run): hparams plugin data")
}
