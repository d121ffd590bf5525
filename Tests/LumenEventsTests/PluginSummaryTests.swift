import Foundation
import LumenEvents
import LumenTestSupport
import Testing

/// The PR curve, audio and custom-scalars builders against what PyTorch's
/// `torch.utils.tensorboard.summary` writes for the same inputs (`scripts/torch_plugin_summaries.py`),
/// and the WAV encoder against Python's `wave` module.
@Suite struct PluginSummaryTests {
    static let torch = Repository.pythonImports(["torch", "tensorboard"])

    /// Runs the script on `request` and returns its answer.
    static func reference(_ request: [String: Any]) throws -> [String: [String]] {
        let input = try JSONSerialization.data(withJSONObject: request)
        let python = try #require(Repository.python)
        let output = try runProcess(python, [Repository.path("scripts/torch_plugin_summaries.py")], input: input)
        #expect(output.status == 0, "\(output.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: output.standardOutput) as? [String: [String]])
    }

    static func summary(_ base64: String?) throws -> Summary.Value {
        let data = try #require(base64.flatMap { Data(base64Encoded: $0) })
        return try #require(try Summary(serializedBytes: data).value.first)
    }

    /// Uniform numbers in [low, high), reproducible.
    static func numbers(_ count: Int, seed: UInt64, _ low: Double, _ high: Double) -> [Double] {
        let bytes = pseudoRandomBytes(count: count * 2, seed: seed)
        return (0..<count).map {
            low + (high - low) * Double(UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1])) / 65536
        }
    }

    @Test(.enabled(if: torch, "needs .venv with torch and tensorboard (scripts/setup)"))
    func prCurvesEqualPyTorchs() throws {
        // Binary labels and fractional ones, predictions partly outside [0, 1], weights or one weight.
        let cases: [(labels: [Double], predictions: [Float], thresholds: Int, weights: [Double]?)] = [
            (
                Self.numbers(500, seed: 1, 0, 2).map { $0.rounded(.down) },
                Self.numbers(500, seed: 2, -0.1, 1.1).map(Float.init), 127, nil
            ),
            (
                Self.numbers(64, seed: 3, 0, 2).map { $0.rounded(.down) },
                Self.numbers(64, seed: 4, 0, 1).map(Float.init), 11, Self.numbers(64, seed: 5, 0, 3)
            ),
            (Self.numbers(30, seed: 6, 0, 1), Self.numbers(30, seed: 7, 0, 1).map(Float.init), 2, [2.5]),
            ([1, 0, 1, 1], [1, 0, 0.5, 0.999], 3, nil),
        ]
        let request: [String: Any] = [
            "pr_curves": cases.map { item -> [String: Any] in
                [
                    "labels": item.labels, "predictions": item.predictions.map(Double.init),
                    "num_thresholds": item.thresholds,
                    "weights": item.weights.map { $0 as Any } ?? NSNull(),
                ]
            }
        ]
        let answer = try Self.reference(request)
        for (index, item) in cases.enumerated() {
            let theirs = try Self.summary(answer["pr_curves"]?[index])
            let ours = try Summary.Value.prCurve(
                tag: "pr", labels: item.labels, predictions: item.predictions, numThresholds: item.thresholds,
                weights: item.weights)
            #expect(ours.tensor.floatVal == theirs.tensor.floatVal, "case \(index)")
            #expect(
                ours.tensor.tensorShape == theirs.tensor.tensorShape && ours.tensor.dtype == theirs.tensor.dtype,
                "case \(index)")
            #expect(ours.metadata.pluginData == theirs.metadata.pluginData, "case \(index)")
            #expect(ours.tag == theirs.tag)
        }
    }

    @Test(.enabled(if: torch, "needs .venv with torch and tensorboard (scripts/setup)"))
    func audioEqualsPyTorchsAndWAVEqualsPythons() throws {
        let mono = Self.numbers(1000, seed: 9, -1.3, 1.3).map(Float.init)
        let stereo = Self.numbers(300, seed: 10, -1.1, 1.1).map(Float.init)
        let request: [String: Any] = [
            "audio": [["samples": mono.map(Double.init), "sample_rate": 16000]],
            "wav": [
                [
                    "frames": stride(from: 0, to: stereo.count, by: 3).map {
                        Array(stereo[$0..<$0 + 3]).map(Double.init)
                    }, "sample_rate": 44100,
                ]
            ],
        ]
        let answer = try Self.reference(request)
        let theirs = try Self.summary(answer["audio"]?.first)
        #expect(try Summary.Value.audio(tag: "audio", samples: mono, sampleRate: 16000) == theirs)
        let wav = try WAVEncoder.encode(samples: stereo, channels: 3, sampleRate: 44100)
        #expect(Data(wav) == answer["wav"]?.first.flatMap { Data(base64Encoded: $0) })
        #expect(
            WAVEncoder.format(of: wav)
                == WAVEncoder.Format(sampleRate: 44100, channels: 3, bitsPerSample: 16, frames: 100))
    }

    @Test(.enabled(if: torch, "needs .venv with torch and tensorboard (scripts/setup)"))
    func layoutEqualsPyTorchs() throws {
        let request: [String: Any] = [
            "layouts": [
                [
                    "losses": ["train and eval": ["Multiline", ["loss/train", "loss/eval.*"]]]
                ],
                [
                    "bands": ["loss band": ["Margin", ["loss", "loss/low", "loss/high"]]]
                ],
            ]
        ]
        let answer = try Self.reference(request)
        let layouts = [
            Layout(categories: [
                Category(
                    title: "losses", charts: [.multiline(title: "train and eval", tags: ["loss/train", "loss/eval.*"])])
            ]),
            Layout(categories: [
                Category(
                    title: "bands", charts: [.margin(title: "loss band", series: [("loss", "loss/low", "loss/high")])])
            ]),
        ]
        for (index, layout) in layouts.enumerated() {
            #expect(
                Summary.Value.customScalarsLayout(layout) == (try Self.summary(answer["layouts"]?[index])),
                "layout \(index)")
        }
    }

    @Test func badInputIsRefusedWithWhatWasWrong() {
        #expect(throws: SummaryInputError.invalidThresholdCount(1)) {
            try Summary.Value.prCurve(tag: "p", labels: [1], predictions: [0.5], numThresholds: 1)
        }
        #expect(throws: SummaryInputError.mismatchedCounts(labels: 2, predictions: 1, weights: nil)) {
            try Summary.Value.prCurve(tag: "p", labels: [1, 0], predictions: [0.5])
        }
        #expect(throws: SummaryInputError.mismatchedCounts(labels: 1, predictions: 1, weights: 2)) {
            try Summary.Value.prCurve(tag: "p", labels: [1], predictions: [0.5], weights: [1, 2])
        }
        #expect(throws: SummaryInputError.invalidAudio(.incompleteFrame(samples: 3, channels: 2))) {
            try Summary.Value.audio(tag: "a", samples: [0, 0, 0], channels: 2, sampleRate: 8000)
        }
        #expect(throws: WAVEncoderError.invalidSampleRate(0)) {
            try WAVEncoder.encode(samples: [0], channels: 1, sampleRate: 0)
        }
        #expect(throws: WAVEncoderError.invalidChannelCount(0)) {
            try WAVEncoder.encode(samples: [0], channels: 0, sampleRate: 1)
        }
        #expect("\(SummaryInputError.invalidThresholdCount(1))".contains("at least 2 thresholds"))
        // Reading a format back: not a WAV file, a truncated one.
        #expect(WAVEncoder.format(of: [UInt8]("RIFF....WAVEjunk".utf8)) == nil)
        if let wav = try? WAVEncoder.encode(samples: [0.5, -0.5, 0.25, 1], channels: 2, sampleRate: 100) {
            #expect(WAVEncoder.format(of: Array(wav.prefix(46)))?.frames == 0)
            #expect(WAVEncoder.format(of: Array(wav.prefix(20))) == nil)
        }
    }
}
