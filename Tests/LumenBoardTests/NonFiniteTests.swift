import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

/// The non-finite rule: every NaN or infinite number in a JSON answer is the string `"NaN"`,
/// `"Infinity"` or `"-Infinity"` (never `null` or 0), and the CSV form writes `nan`, `inf`, `-inf`.
@Suite struct NonFiniteTests {
    static func answer(_ endpoint: String, _ q: [String: String], _ snapshot: BoardSnapshot) -> BoardAPIResponse {
        let response = BoardAPI.respond(endpoint: endpoint, parameters: q, snapshot: snapshot)
        #expect(response.status == 200, "\(endpoint) \(q): \(response.text)")
        return response
    }

    /// PyTorch's `add_scalar` of NaN, +inf and -inf, against the values TensorBoard's loader reads
    /// from the same file (`scripts/tensorboard_api_values.py`).
    @Test(.enabled(if: Repository.pythonImports(["tensorboard"]), "needs .venv with tensorboard (scripts/setup)"))
    func scalarsOfPyTorch() async throws {
        let logdir = Repository.path("fixtures/plugins/pytorch")
        let reference =
            try JSONSerialization.jsonObject(
                with: Repository.runPythonScript("scripts/tensorboard_api_values.py", [logdir]))
            as? [String: [String: Any]]
        let wanted = try #require((reference?["a"]?["scalars"] as? [String: [[Any]]])?["loss"])
        let snapshot = await BoardLoader(logdir: logdir).reload()

        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(Self.answer("scalars", ["run": "a", "tag": "loss"], snapshot).body)) as? [String: Any])
        let points = try #require(json["points"] as? [[Any]])
        #expect(points.count == wanted.count)
        var nonFinite = 0
        for (point, want) in zip(points, wanted) {
            let text = try #require(want[2] as? String)  // Python's repr: 'nan', 'inf', '-inf' or a number
            switch text {
            case "nan", "inf", "-inf":
                nonFinite += 1
                #expect(
                    point[2] as? String == ["nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"][text],
                    "step \(point[1])")
            default:
                // (Foundation's JSON parser may round the last digit; the CSV below is compared exactly.)
                let value = try #require((point[2] as? NSNumber)?.doubleValue)
                let wantedValue = try #require(Double(text))
                #expect(abs(value - wantedValue) <= 1e-15 * abs(wantedValue), "step \(point[1])")
            }
        }
        #expect(nonFinite == 3)

        let csv = Self.answer("scalars", ["run": "a", "tag": "loss", "format": "csv"], snapshot).text
        let values = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").last.map(String.init) ?? "" }
        #expect(values.count == wanted.count)
        for (value, want) in zip(values, wanted) {
            let text = want[2] as? String ?? ""
            if ["nan", "inf", "-inf"].contains(text) {
                #expect(value == text)
            } else {
                #expect(Double(value) == Double(text))
            }
        }
    }

    /// Histogram statistics and edges, a PR curve's precision, and hparams values and metrics.
    @Test func everyKindOfAnswer() throws {
        var run = RunData()
        func event(_ step: Int64, _ values: [Summary.Value]) -> Event {
            var event = Event()
            event.step = step
            event.wallTime = 100
            event.summary = Summary(values: values)
            return event
        }
        var histogram = HistogramProto()
        histogram.min = -.infinity
        histogram.max = .infinity
        histogram.num = 2
        histogram.sum = .nan
        histogram.sumSquares = .infinity
        histogram.bucketLimit = [0, .infinity]
        histogram.bucket = [1, 1]
        run.add(event(0, [.histogram(tag: "h", histogram: histogram)]))

        var curve = try Summary.Value.prCurve(tag: "pr", labels: [1, 0], predictions: [0.9, 0.1], numThresholds: 3)
        curve.tensor.floatVal[4 * 3 + 1] = .nan  // precision at the middle threshold
        curve.tensor.floatVal[5 * 3 + 1] = -.infinity  // recall there
        run.add(event(0, [curve]))

        run.add(event(0, try HParamsSummaries.experiment(hparams: ["lr": .number(.infinity)], metricTags: ["m"]).value))
        run.add(event(0, try HParamsSummaries.sessionStartInfo(hparams: ["lr": .number(.infinity)]).value))
        run.add(event(1, [.scalar(tag: "m", value: .nan)]))

        let snapshot = BoardSnapshot(runs: ["r": run])
        let histograms = Self.answer("histograms", ["run": "r", "tag": "h"], snapshot).text
        #expect(
            histograms.contains(#""min":"-Infinity","max":"Infinity","num":2,"sum":"NaN","sumSquares":"Infinity""#),
            "\(histograms)")
        #expect(
            histograms.contains(#"["-Infinity",0,1]"#) && histograms.contains(#"[0,"Infinity",1]"#), "\(histograms)")
        let distributions = Self.answer("distributions", ["run": "r", "tag": "h"], snapshot).text
        #expect(!distributions.contains("null"), "\(distributions)")

        let curves = Self.answer("prcurves", ["run": "r", "tag": "pr"], snapshot).text
        #expect(
            curves.contains(#""precision":[0.5,"NaN"]"#) && curves.contains(#""recall":[1,"-Infinity"]"#), "\(curves)")

        let hparams = Self.answer("hparams", [:], snapshot).text
        #expect(hparams == #"[{"run":"r","hparams":{"lr":"Infinity"},"metrics":{"m":"NaN"}}]"#, "\(hparams)")
    }

    /// PR curve counts as large as a file may hold: a column whose TP + FP doesn't fit in Int64 is
    /// kept (it isn't empty), and the answer is JSON, not an overflow trap (found by fuzz/run prcurves).
    @Test func prCurveCountsTooLargeForIntegersAreServed() throws {
        var run = RunData(limits: SampleLimits())
        var curve = try Summary.Value.prCurve(tag: "pr", labels: [1, 0], predictions: [0.9, 0.1], numThresholds: 3)
        curve.tensor.floatVal[0 * 3 + 2] = 8e18  // TP and FP at the last threshold: their sum passes Int64.max
        curve.tensor.floatVal[1 * 3 + 2] = 8e18
        var event = Event()
        event.step = 1
        event.wallTime = 100
        event.summary = Summary(values: [curve])
        run.add(event)
        let answer = Self.answer("prcurves", ["run": "r", "tag": "pr"], BoardSnapshot(runs: ["r": run]))
        #expect(answer.status == 200)
        #expect(answer.text.contains(#""thresholds":[0,0.5,1]"#), "\(answer.text)")
    }
}
