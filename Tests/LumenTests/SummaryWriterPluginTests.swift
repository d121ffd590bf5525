import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import Lumen

/// `SummaryWriter.addPRCurve`, `addAudio` and `addCustomScalarsLayout`: plain files written by them
/// are shown by stock TensorBoard's pr_curves, audio and custom_scalars plugins
/// (`scripts/tensorboard_plugin_values.py`), with the values the summary builders compute (which
/// `PluginSummaryTests` checks against PyTorch's).
@Suite struct SummaryWriterPluginTests {
    @Test(.enabled(if: Repository.pythonImports(["tensorboard"]), "needs .venv with tensorboard (scripts/setup)"))
    func tensorBoardShowsThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try SummaryWriter(logdir: directory.path, compression: .none)
        let labels = Tensor([1, 0, 1, 1, 0, 1] as [Float])
        let predictions = Tensor([0.9, 0.4, 0.6, 0.2, 0.1, 0.75] as [Float])
        try writer.addPRCurve("pr", labels: labels, predictions: predictions, step: 3, numThresholds: 5)
        let samples = Tensor((0..<200).map { Float(sin(Double($0) / 9)) * 0.6 }, shape: [100, 2])
        try writer.addAudio("clip", samples: samples, sampleRate: 11025, step: 4)
        writer.addCustomScalarsLayout(
            Layout(categories: [
                Category(
                    title: "c",
                    charts: [.multiline(title: "m", tags: ["a.*"]), .margin(title: "g", series: [("v", "l", "u")])])
            ]))
        try writer.close()

        let data = try Repository.runPythonScript("scripts/tensorboard_plugin_values.py", [directory.path])
        let tensorboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let curve = try #require(
            ((tensorboard["pr_curves"] as? [String: [String: [[String: Any]]]])?["."]?["pr"])?.first)
        let rows = try Summary.Value.prCurve(
            tag: "pr", labels: [1, 0, 1, 1, 0, 1], predictions: [0.9, 0.4, 0.6, 0.2, 0.1, 0.75], numThresholds: 5
        ).tensor.floatVal
        #expect(curve["step"] as? Int == 3)
        // TensorBoard leaves out the thresholds after the last with a prediction at or above it.
        let truePositives = try #require(curve["true_positives"] as? [Int])
        let precision = try #require(curve["precision"] as? [Double])
        #expect(!truePositives.isEmpty && truePositives == rows[0..<truePositives.count].map { Int($0) })
        #expect(precision == rows[20..<20 + precision.count].map { Double($0) })

        let clip = try #require(((tensorboard["audio"] as? [String: [String: [[Any]]]])?["."]?["clip"])?.first)
        let wav = try WAVEncoder.encode(samples: samples.doubles.map { Float($0) }, channels: 2, sampleRate: 11025)
        #expect(Data(base64Encoded: clip[1] as? String ?? "") == Data(wav))
        #expect((clip[0] as? [String: Any])?["contentType"] as? String == "audio/wav")

        let layout = try #require(tensorboard["layout"] as? [String: Any])
        let category = try #require((layout["category"] as? [[String: Any]])?.first)
        #expect(category["title"] as? String == "c" && (category["chart"] as? [Any])?.count == 2)

        #expect(throws: SummaryWriterError.invalidAudioShape(shape: [2, 2, 2])) {
            try writer.addAudio("bad", samples: Tensor([Float](repeating: 0, count: 8), shape: [2, 2, 2]))
        }
        #expect(throws: SummaryInputError.invalidThresholdCount(1)) {
            try writer.addPRCurve("bad", labels: labels, predictions: predictions, numThresholds: 1)
        }
    }
}
