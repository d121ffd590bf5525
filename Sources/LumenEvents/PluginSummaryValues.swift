import Foundation

/// A mistake in the data handed to a PR curve or audio summary builder.
public enum SummaryInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A PR curve needs at least two thresholds.
    case invalidThresholdCount(Int)
    /// `labels`, `predictions` (and `weights`, unless it holds one value) must be equally long.
    case mismatchedCounts(labels: Int, predictions: Int, weights: Int?)
    /// An audio clip that can't be encoded as WAV.
    case invalidAudio(WAVEncoderError)

    public var description: String {
        switch self {
        case .invalidThresholdCount(let count):
            "a PR curve needs at least 2 thresholds, not \(count)"
        case let .mismatchedCounts(labels, predictions, weights):
            "a PR curve needs as many labels as predictions (and weights, or one weight): got \(labels) labels, "
                + "\(predictions) predictions" + (weights.map { ", \($0) weights" } ?? "")
        case .invalidAudio(let error):
            "the audio can't be encoded: \(error)"
        }
    }
}

/// The pr_curves plugin's curve of one binary classifier, as TensorBoard's `pr_curve.summary.pb`
/// and PyTorch's `add_pr_curve` compute it.
public enum PRCurve {
    /// The plugin's name.
    public static let pluginName = "pr_curves"
    /// The smallest denominator of precision and recall (TensorBoard's `_MINIMUM_COUNT`).
    static let minimumCount = 1e-7

    /// The `[6, numThresholds]` rows (TP, FP, TN, FN, precision, recall), row after row.
    ///
    /// Prediction `p` (in [0, 1]) falls in bucket `floor(p · (numThresholds − 1))`, computed in
    /// 32-bit floats; predictions outside [0, 1] or NaN fall in none. Label `l` adds `l · w` to its
    /// bucket's true positives and `(1 − l) · w` to its false positives, `w` its weight (1 when
    /// `weights` is `nil`, the one value when it holds one). TP and FP at threshold `i` are the sums
    /// over buckets `i` and up; TN = FP₀ − FP, FN = TP₀ − TP; precision = TP / max(1e-7, TP + FP),
    /// recall = TP / max(1e-7, TP + FN).
    ///
    /// - Throws: ``SummaryInputError`` for fewer than two thresholds or mismatched counts.
    public static func rows(labels: [Double], predictions: [Float], numThresholds: Int, weights: [Double]? = nil)
        throws(SummaryInputError) -> [Double]
    {
        guard numThresholds >= 2 else { throw .invalidThresholdCount(numThresholds) }
        guard labels.count == predictions.count,
            weights.map({ $0.count == 1 || $0.count == labels.count }) ?? true
        else {
            throw .mismatchedCounts(labels: labels.count, predictions: predictions.count, weights: weights?.count)
        }
        let n = numThresholds
        var tpBuckets = [Double](repeating: 0, count: n)
        var fpBuckets = [Double](repeating: 0, count: n)
        let scale = Float(n - 1)
        for i in labels.indices {
            let position = (predictions[i] * scale).rounded(.down)
            guard position >= 0, position <= scale else { continue }
            let bucket = Int(position)
            let weight = weights.map { $0.count == 1 ? $0[0] : $0[i] } ?? 1
            tpBuckets[bucket] += labels[i] * weight
            fpBuckets[bucket] += (1 - labels[i]) * weight
        }
        var tp = [Double](repeating: 0, count: n)
        var fp = [Double](repeating: 0, count: n)
        var tpSum = 0.0, fpSum = 0.0
        for i in (0..<n).reversed() {
            tpSum += tpBuckets[i]
            fpSum += fpBuckets[i]
            tp[i] = tpSum
            fp[i] = fpSum
        }
        let tn = fp.map { fp[0] - $0 }
        let fn = tp.map { tp[0] - $0 }
        let precision = (0..<n).map { tp[$0] / Swift.max(minimumCount, tp[$0] + fp[$0]) }
        let recall = (0..<n).map { tp[$0] / Swift.max(minimumCount, tp[$0] + fn[$0]) }
        return tp + fp + tn + fn + precision + recall
    }
}

extension Summary.Value {
    /// A PR curve as PyTorch's `add_pr_curve` writes it: the ``PRCurve/rows(labels:predictions:numThresholds:weights:)``
    /// as a DT_FLOAT tensor of shape `[6, numThresholds]`, plugin `pr_curves` with a
    /// `PrCurvePluginData` naming the threshold count.
    ///
    /// - Throws: ``SummaryInputError`` for fewer than two thresholds or mismatched counts.
    public static func prCurve(
        tag: String, labels: [Double], predictions: [Float], numThresholds: Int = 127, weights: [Double]? = nil
    ) throws(SummaryInputError) -> Summary.Value {
        let rows = try PRCurve.rows(
            labels: labels, predictions: predictions, numThresholds: numThresholds, weights: weights)
        var tensor = TensorProto()
        tensor.dtype = .dtFloat
        tensor.floatVal = rows.map(Float.init)
        tensor.tensorShape.dim = [6, numThresholds].map { size in
            var dimension = TensorShapeProto.Dim()
            dimension.size = Int64(size)
            return dimension
        }
        var data = PrCurvePluginData()
        data.version = 0
        data.numThresholds = UInt32(clamping: numThresholds)
        var value = Summary.Value()
        value.tag = tag
        // A message of two scalar fields always serializes.
        value.metadata = SummaryMetadata.plugin(
            name: PRCurve.pluginName, content: (try? data.serializedData()) ?? Data())
        value.tensor = tensor
        return value
    }

    /// An audio clip as PyTorch's `add_audio` writes it: a legacy `Summary.Audio` holding a 16-bit
    /// PCM WAV file (``WAVEncoder``) of `samples`, frame by frame with `channels` interleaved
    /// samples each, in [-1, 1].
    ///
    /// - Throws: ``SummaryInputError/invalidAudio(_:)`` if the samples can't be encoded.
    public static func audio(tag: String, samples: [Float], channels: Int = 1, sampleRate: Int)
        throws(SummaryInputError)
        -> Summary.Value
    {
        let wav: [UInt8]
        do {
            wav = try WAVEncoder.encode(samples: samples, channels: channels, sampleRate: sampleRate)
        } catch {
            throw .invalidAudio(error)
        }
        var audio = Summary.Audio()
        audio.sampleRate = Float(sampleRate)
        audio.numChannels = Int64(channels)
        audio.lengthFrames = Int64(samples.count / channels)
        audio.encodedAudioString = Data(wav)
        audio.contentType = "audio/wav"
        var value = Summary.Value()
        value.tag = tag
        value.audio = audio
        return value
    }

    /// A custom-scalars layout as PyTorch's `add_custom_scalars` writes it: the serialized `Layout`
    /// as a scalar DT_STRING tensor under the tag `custom_scalars__config__`, plugin `custom_scalars`.
    public static func customScalarsLayout(_ layout: Layout) -> Summary.Value {
        var tensor = TensorProto()
        tensor.dtype = .dtString
        // Only strings and nested messages of strings: serializing can't fail.
        tensor.stringVal = [(try? layout.serializedData()) ?? Data()]
        tensor.tensorShape = TensorShapeProto()  // a scalar, stated
        var value = Summary.Value()
        value.tag = Layout.tag
        value.metadata = SummaryMetadata.plugin(name: Layout.pluginName)
        value.tensor = tensor
        return value
    }
}

extension Layout {
    /// The plugin that shows layouts.
    public static let pluginName = "custom_scalars"
    /// The tag layouts are written under.
    public static let tag = "custom_scalars__config__"

    /// A layout of `categories`, in order.
    public init(categories: [Category]) {
        self.init()
        category = categories
    }
}

extension Category {
    /// A titled group of `charts`; `closed` starts it collapsed.
    public init(title: String, charts: [Chart], closed: Bool = false) {
        self.init()
        self.title = title
        chart = charts
        self.closed = closed
    }
}

extension Chart {
    /// A chart of every scalar tag matching one of `tags` (regular expressions), across runs.
    public static func multiline(title: String, tags: [String]) -> Chart {
        var chart = Chart()
        chart.title = title
        chart.multiline.tag = tags
        return chart
    }

    /// A chart of `series`: each a value tag drawn as a line, with a band between a lower and an
    /// upper tag.
    public static func margin(title: String, series: [(value: String, lower: String, upper: String)]) -> Chart {
        var chart = Chart()
        chart.title = title
        chart.margin.series = series.map { entry in
            var series = MarginChartContent.Series()
            series.value = entry.value
            series.lower = entry.lower
            series.upper = entry.upper
            return series
        }
        return chart
    }
}
