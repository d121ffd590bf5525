import Foundation
import LumenEvents
import Testing
import LumenTestSupport

@Suite struct SummaryBuilderTests {
    @Test func exponentialLimitsAreTensorFlows() {
        let limits = HistogramBuckets.exponentialLimits
        #expect(limits.count % 2 == 1)
        let middle = limits.count / 2
        #expect(limits[middle] == 0)
        #expect(limits[middle + 1] == 1e-12)
        #expect(limits.last == Double.greatestFiniteMagnitude && limits.first == -Double.greatestFiniteMagnitude)
        #expect(limits[limits.count - 2] < 1e20 && limits[limits.count - 2] * 1.1 >= 1e20)
        #expect(zip(limits, limits.dropFirst()).allSatisfy { $0 < $1 })
        for offset in 1...middle { #expect(limits[middle - offset] == -limits[middle + offset]) }
    }

    @Test func exponentialHistogramCountsLikeTensorFlowAndMergesEmptyRuns() {
        let values: [Double] = [-1, 0, 0, 1e-12, 1, 2.5, .nan, 1e30]
        let histogram = HistogramProto(values: values)
        #expect(histogram.min == -1 && histogram.max == 1e30 && histogram.num == 7)
        #expect(histogram.sum == -1 + 1 + 2.5 + 1e-12 + 1e30)
        #expect(histogram.sumSquares == 1 + 1e-24 + 1 + 6.25 + 1e30 * 1e30)
        #expect(histogram.bucket.reduce(0, +) == 7)
        #expect(histogram.bucketLimit.count == histogram.bucket.count)
        // No two empty buckets in a row.
        #expect(!zip(histogram.bucket, histogram.bucket.dropFirst()).contains { $0 == 0 && $1 == 0 })
        func count(atLimit limit: Double) -> Double? {
            histogram.bucketLimit.firstIndex(of: limit).map { histogram.bucket[$0] }
        }
        let limits = HistogramBuckets.exponentialLimits
        // TensorFlow's rule: a value counts in the bucket of the first limit above it.
        func expectedLimit(_ value: Double) -> Double { limits.first { $0 > value } ?? .nan }
        #expect(count(atLimit: 1e-12) == 2)  // the two zeros
        #expect(count(atLimit: expectedLimit(1e-12)) == 1)
        #expect(count(atLimit: expectedLimit(1)) == 1)
        #expect(count(atLimit: expectedLimit(2.5)) == 1)
        #expect(count(atLimit: expectedLimit(-1)) == 1)
        #expect(count(atLimit: .greatestFiniteMagnitude) == 1)
        // A value equal to a limit belongs to the next limit's bucket.
        let index = limits.count / 2 + 10
        let onEdge = HistogramProto(values: [limits[index]])
        let next = limits[index + 1]
        #expect(onEdge.bucketLimit.contains(next) && onEdge.bucket[onEdge.bucketLimit.firstIndex(of: next) ?? 0] == 1)
    }

    @Test func explicitEdgesAndEqualWidthBuckets() {
        let values: [Double] = [0, 0.5, 1, 1.5, 2, 3]
        let byEdges = HistogramProto(values: values, buckets: .edges([0, 1, 2]))
        #expect(byEdges.bucketLimit == [1, 2])
        #expect(byEdges.bucket == [2, 3])  // np.histogram(values, [0, 1, 2])
        #expect(byEdges.num == 6 && byEdges.min == 0 && byEdges.max == 3 && byEdges.sum == 8)
        let byCount = HistogramProto(values: values, buckets: .count(3))
        #expect(byCount.bucketLimit == [1, 2, 3])
        #expect(byCount.bucket == [2, 2, 2])  // np.histogram(values, 3)
        let empty = HistogramProto(values: [Double]())
        #expect(empty.num == 0 && empty.bucket.reduce(0, +) == 0)
    }

    @Test func floatAndDoubleHistogramsAgree() {
        let values: [Float] = (0..<10_000).map { Float($0 - 5_000) / 777 }
        let fromFloat = values.withUnsafeBufferPointer { HistogramProto(values: $0) }
        let fromDouble = HistogramProto(values: values.map(Double.init))
        #expect(fromFloat == fromDouble)
    }

    @Test(arguments: PNGEncoder.ColorType.allCases)
    func pngHasSignatureChunksAndChecksums(colorType: PNGEncoder.ColorType) throws {
        let width = 7, height = 5
        let pixels = pseudoRandomBytes(count: width * height * colorType.channels, seed: 4)
        let png = try PNGEncoder.encode(pixels: pixels, width: width, height: height, colorType: colorType)
        #expect(Array(png.prefix(8)) == PNGEncoder.signature)
        var offset = 8
        var types: [String] = []
        while offset + 12 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            types.append(type)
            if type == "IHDR" {
                let header = Array(png[offset + 8..<offset + 8 + length])
                #expect(header[0..<4].reduce(0) { $0 << 8 | Int($1) } == width)
                #expect(header[4..<8].reduce(0) { $0 << 8 | Int($1) } == height)
                #expect(header[8] == 8 && Int(header[9]) == colorType.rawValue)
            }
            offset += 12 + length
        }
        #expect(offset == png.count)
        #expect(types == ["IHDR", "IDAT", "IEND"])
    }

    @Test func textAndHParamsSummariesHaveTheirPlugins() throws {
        let text = Summary.Value.text(tag: "notes/text_summary", markdown: "**héllo** ✓")
        #expect(text.metadata.pluginData.pluginName == "text")
        #expect(text.tensor.dtype == .dtString && text.tensor.stringVal == [Data("**héllo** ✓".utf8)])
        #expect(text.tensor.tensorShape.dim.map(\.size) == [1])

        let hparams: [String: HParamValue] = ["lr": 0.1, "optimizer": "adam", "dropout": true, "layers": 3]
        let experiment = try HParamsSummaries.experiment(hparams: hparams, metricTags: ["hparam/accuracy"])
        let data = try HParamsHParamsPluginData(serializedBytes: experiment.value[0].metadata.pluginData.content)
        #expect(experiment.value[0].tag == "_hparams_/experiment")
        #expect(data.experiment.hparamInfos.map(\.name) == ["dropout", "layers", "lr", "optimizer"])
        #expect(data.experiment.hparamInfos.map(\.type) == [.bool, .float64, .float64, .string])
        #expect(data.experiment.metricInfos.map(\.name.tag) == ["hparam/accuracy"])
        let start = try HParamsSummaries.sessionStartInfo(hparams: hparams)
        let startData = try HParamsHParamsPluginData(serializedBytes: start.value[0].metadata.pluginData.content)
        #expect(startData.sessionStartInfo.hparams["optimizer"]?.stringValue == "adam")
        #expect(startData.sessionStartInfo.hparams["layers"]?.numberValue == 3)
    }
}
