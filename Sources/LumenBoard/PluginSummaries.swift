import Foundation
import LumenEvents

/// One PR curve of the pr_curves plugin: its `[6, numThresholds]` tensor, rows true positives,
/// false positives, true negatives, false negatives, precision and recall.
public struct PRCurveValue: Stepped, Sendable, Equatable {
    /// The plugin that owns PR curve summaries.
    public static let pluginName = PRCurve.pluginName

    public var step: Int64
    public var wallTime: Double
    /// The six rows, `numThresholds` values each, row after row.
    public var values: [Double]

    /// Thresholds (columns) of the curve.
    public var thresholdCount: Int { values.count / 6 }

    /// Row `row` (0 TP, 1 FP, 2 TN, 3 FN, 4 precision, 5 recall).
    public func row(_ row: Int) -> ArraySlice<Double> {
        values[(row * thresholdCount)..<((row + 1) * thresholdCount)]
    }

    /// The curve of a numeric tensor of six rows (any numeric dtype, shape `[6, n]`, n ≥ 1, or
    /// without shape); `nil` for anything else.
    init?(tensor: TensorProto, step: Int64, wallTime: Double) {
        guard let values = TensorValues.numbers(tensor), !values.isEmpty, values.count % 6 == 0 else { return nil }
        let dims = tensor.tensorShape.dim.map(\.size)
        guard dims.isEmpty || dims == [6, Int64(values.count / 6)] else { return nil }
        self.step = step
        self.wallTime = wallTime
        self.values = values
    }

    /// The entry `/api/prcurves` serves, as TensorBoard's pr_curves plugin computes it: the
    /// thresholds are `i / (n - 1)` (NumPy's `linspace(0, 1, n)`), counts are truncated to
    /// integers, and every column after the last whose TP + FP (as integers) is nonzero is left out
    /// (the first column is always kept).
    var json: BoardJSON {
        let n = thresholdCount
        func count(_ x: Double) -> BoardJSON {
            x.isFinite && abs(x) < 9e18 ? .integer(Int64(x.rounded(.towardZero))) : .number(x)
        }
        func truncated(_ x: Double) -> Int64 { x.isFinite && abs(x) < 9e18 ? Int64(x.rounded(.towardZero)) : 0 }
        let tp = row(0), fp = row(1)
        func isEmpty(_ column: Int) -> Bool {
            // Counts from a file may be huge: a sum too large for Int64 is not zero.
            let sum = truncated(tp[tp.startIndex + column]).addingReportingOverflow(
                truncated(fp[fp.startIndex + column]))
            return !sum.overflow && sum.partialValue == 0
        }
        var end = n - 1
        while end > 0, isEmpty(end) { end -= 1 }
        let kept = end + 1
        let spacing = n > 1 ? 1.0 / Double(n - 1) : 0
        let thresholds = (0..<kept).map { i in i == n - 1 && n > 1 ? 1.0 : Double(i) * spacing }
        func numbers(_ row: Int) -> BoardJSON { .array(self.row(row).prefix(kept).map(BoardJSON.number)) }
        func counts(_ row: Int) -> BoardJSON { .array(self.row(row).prefix(kept).map(count)) }
        return .object([
            ("wallTime", .number(wallTime)), ("step", .integer(step)),
            ("thresholds", .array(thresholds.map(BoardJSON.number))),
            ("precision", numbers(4)), ("recall", numbers(5)),
            ("truePositives", counts(0)), ("falsePositives", counts(1)),
            ("trueNegatives", counts(2)), ("falseNegatives", counts(3)),
        ])
    }
}

/// One encoded audio clip.
public struct AudioClip: Sendable, Equatable {
    /// The clip's bytes, as written.
    public var data: Data
    /// Its label (TensorFlow's audio summaries may carry one; `""` when none).
    public var label: String
    /// Frames per second: the legacy summary's field, else read from the WAV header; `nil` if unknown.
    public var sampleRate: Double?
    /// The MIME type TensorBoard serves it with: `audio/wav` for WAV, else `application/octet-stream`.
    public var contentType: String
}

/// The clips of one audio summary (a legacy audio value is one; a TF2 audio summary may hold several).
public struct AudioValue: Stepped, Sendable, Equatable {
    /// The plugin that owns audio summaries.
    public static let pluginName = "audio"

    public var step: Int64
    public var wallTime: Double
    public var clips: [AudioClip]

    /// A legacy `Summary.Audio` (PyTorch, tensorboardX, TF1): TensorBoard reads it as one WAV clip
    /// without a label.
    init(legacy audio: Summary.Audio, step: Int64, wallTime: Double) {
        self.step = step
        self.wallTime = wallTime
        let rate =
            audio.sampleRate.isFinite && audio.sampleRate > 0
            ? Double(audio.sampleRate) : Self.wavSampleRate(audio.encodedAudioString)
        clips = [AudioClip(data: audio.encodedAudioString, label: "", sampleRate: rate, contentType: "audio/wav")]
    }

    /// A tensor of the audio plugin: strings of shape `[k, 2]` (clip, label) or `[k]` (clips),
    /// encoded as the plugin `content` says; `nil` for anything else.
    init?(tensor: TensorProto, content: Data?, step: Int64, wallTime: Double) {
        guard tensor.dtype == .dtString else { return nil }
        let dims = tensor.tensorShape.dim.map(\.size)
        let strings = tensor.stringVal
        let pairs: Bool
        switch dims.count {
        case 2 where dims[1] == 2 && Int64(strings.count) == dims[0] * 2: pairs = true
        case 1 where Int64(strings.count) == dims[0]: pairs = false
        case 0 where strings.count == 1: pairs = false
        default: return nil
        }
        var encoding = AudioPluginData.Encoding.unknown
        if let content, let data = try? AudioPluginData(serializedBytes: content) { encoding = data.encoding }
        let wav = encoding == .wav
        self.step = step
        self.wallTime = wallTime
        let stride = pairs ? 2 : 1
        clips = Swift.stride(from: 0, to: strings.count, by: stride).map { i in
            AudioClip(
                data: strings[i], label: pairs ? String(decoding: strings[i + 1], as: UTF8.self) : "",
                sampleRate: wav ? Self.wavSampleRate(strings[i]) : nil,
                contentType: wav ? "audio/wav" : "application/octet-stream")
        }
    }

    static func wavSampleRate(_ data: Data) -> Double? {
        data.withUnsafeBytes { raw in
            WAVEncoder.format(of: raw.bindMemory(to: UInt8.self)).map { Double($0.sampleRate) }
        }
    }
}

/// The custom_scalars plugin's layout summaries.
enum CustomScalarsLayout {
    static let pluginName = Layout.pluginName
    static let tag = Layout.tag

    /// The runs' layouts merged as TensorBoard's custom_scalars plugin merges them: runs in name
    /// order; the first run's layout as it is; a later run's category whose title an earlier
    /// category of the first run (or of the merged layout's own) has gains the charts it lacks, and
    /// any other category is appended. (As in TensorBoard, charts for a category first added by a
    /// later run are then merged into that run's copy, so a third run adds nothing to it.)
    static func merged(_ layouts: [Layout]) -> Layout? {
        guard var merged = layouts.first else { return nil }
        // Title → where its category is: in `merged`, or a detached copy (TensorBoard's quirk).
        enum Place { case merged(Int), detached }
        var places: [String: Place] = [:]
        for (i, category) in merged.category.enumerated() { places[category.title] = .merged(i) }
        for layout in layouts.dropFirst() {
            for category in layout.category {
                switch places[category.title] {
                case .merged(let i)?:
                    let have = merged.category[i].chart
                    merged.category[i].chart += category.chart.filter { !have.contains($0) }
                case .detached?:
                    break
                case nil:
                    merged.category.append(category)
                    places[category.title] = .detached
                }
            }
        }
        return merged
    }

    /// `/api/customscalars`: `{"categories": [{"title", "closed", "charts": [{"title",
    /// "multiline": {"tags"}} | {"title", "margin": {"series": [{"value", "lower", "upper"}]}}]}]}`.
    static func json(_ layout: Layout?) -> BoardJSON {
        .object([
            (
                "categories",
                .array(
                    (layout?.category ?? []).map { category in
                        .object([
                            ("title", .string(category.title)), ("closed", .bool(category.closed)),
                            (
                                "charts",
                                .array(
                                    category.chart.map { chart in
                                        var fields: [(String, BoardJSON)] = [("title", .string(chart.title))]
                                        switch chart.content {
                                        case .multiline(let content):
                                            fields.append(
                                                (
                                                    "multiline",
                                                    .object([("tags", .array(content.tag.map(BoardJSON.string)))])
                                                ))
                                        case .margin(let content):
                                            fields.append(
                                                (
                                                    "margin",
                                                    .object([
                                                        (
                                                            "series",
                                                            .array(
                                                                content.series.map { series in
                                                                    .object([
                                                                        ("value", .string(series.value)),
                                                                        ("lower", .string(series.lower)),
                                                                        ("upper", .string(series.upper)),
                                                                    ])
                                                                })
                                                        )
                                                    ])
                                                ))
                                        case nil:
                                            break
                                        }
                                        return .object(fields)
                                    })
                            ),
                        ])
                    })
            )
        ])
    }
}

/// The Keras conceptual graph summaries (`graph_keras_model`: the model's JSON).
public enum KerasModel {
    public static let pluginName = "graph_keras_model"
}

/// RunMetadata written as a summary by TensorFlow 2's trace export (plugin `graph_run_metadata`).
public enum RunMetadataStatistics {
    public static let pluginName = "graph_run_metadata"
}

/// The summaries of one plugin that a run holds but the board doesn't show.
public struct IgnoredSummaries: Sendable, Equatable {
    /// The name counted for a tensor or value that names no plugin.
    public static let noPlugin = "(none)"

    /// The tags they came under.
    public var tags: Set<String> = []
    /// Events that held at least one of them.
    public var events = 0
}
