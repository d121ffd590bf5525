import Foundation
import LumenEvents
import SwiftProtobuf
import Testing
@testable import Lumen

/// TensorFlow 1's summary ops in a graph: op names and tags, the summaries collection, merging, and
/// histograms matching the one TensorFlow wrote for the same values (`fixtures/tf_frozen_mlp/expected.json`).
@Suite struct GraphSummaryTests {
    struct Reference: Decodable {
        struct Histogram: Decodable {
            let min: Double, max: Double, num: Double, sum: Double, sum_squares: Double
            let bucket_limit: [Double], bucket: [Double]
        }
        let summary_values: [Float]
        let summary_histograms: [String: Histogram]
        let summary_scalars: [String: Float]
        let summary_tags_in_order: [String]
    }

    @Test func scalarAndHistogramSummariesMatchTensorFlows() throws {
        let reference = try JSONDecoder().decode(
            Reference.self,
            from: Data(
                contentsOf:
                    GraphDefTests.fixtureDirectory.appendingPathComponent("expected.json")))
        let g = Graph()
        let (histogram, scalar) = try g.asDefault {
            (
                try g.summary.histogram(
                    "weights", try constant(Tensor(reference.summary_values, shape: [reference.summary_values.count]))),
                try g.summary.scalar("loss", try constant(Tensor(Float(0.25))))
            )
        }
        #expect(histogram.op.name == "weights" && histogram.op.type == "HistogramSummary")
        #expect(scalar.op.name == "loss" && histogram.dtype == .uint8 && histogram.shape == [-1])
        let merged = try #require(try g.summary.mergeAll())
        #expect(merged.op.name == "Merge/MergeSummary" && merged.op.inputs == [histogram, scalar])
        let summary = try Session(graph: g).run(merged).summary()
        #expect(summary.value.map(\.tag) == reference.summary_tags_in_order)
        let expected = try #require(reference.summary_histograms["weights"])
        let h = summary.value[0].histo
        #expect(h.min == expected.min && h.max == expected.max && h.num == expected.num)
        #expect(Swift.abs(h.sum - expected.sum) <= 1e-9 * Swift.abs(expected.sum))
        #expect(Swift.abs(h.sumSquares - expected.sum_squares) <= 1e-9 * expected.sum_squares)
        #expect(h.bucketLimit == expected.bucket_limit)
        #expect(h.bucket == expected.bucket)
        #expect(summary.value[1].simpleValue == reference.summary_scalars["loss"])
    }

    @Test func tagsFollowNameScopesAndUniqueNames() throws {
        let g = Graph()
        let x = try g.asDefault { try placeholder(.float64, shape: [], name: "x") }
        let (a, b, c) = try g.asDefault {
            let a = try g.summary.scalar("loss", x)
            let b = try g.summary.scalar("loss", x * 2.0)
            let c = try withNameScope("train") { try g.summary.scalar("loss", x + 1.0) }
            return (a, b, c)
        }
        #expect([a, b, c].map(\.op.name) == ["loss", "loss_1", "train/loss"])
        #expect(g.summaries == [a, b, c])
        let session = Session(graph: g)
        let values = try session.run(try #require(try g.summary.mergeAll()), feeds: [x: Tensor(1.5)]).summary()
        #expect(values.value.map(\.tag) == ["loss", "loss_1", "train/loss"])
        #expect(values.value.map(\.simpleValue) == [1.5, 3, 2.5])
        // Each op alone gives a Summary with its one value, as bytes a writer can store.
        let single = try session.run(b, feeds: [x: Tensor(2.0)])
        let parsed = try Summary(serializedBytes: single.summaryBytes)
        #expect(parsed.value.count == 1 && parsed.value[0].tag == "loss_1" && parsed.value[0].simpleValue == 4)
        // No summaries: mergeAll gives nil.
        #expect(try Graph().summary.mergeAll() == nil)
    }

    @Test func histogramEdgeCasesAndErrors() throws {
        let g = Graph()
        let (x, h, d) = try g.asDefault {
            let x = try placeholder(.float32, shape: [-1], name: "x")
            let h = try g.summary.histogram("h", x)
            let d = try g.summary.merge([h, try g.summary.histogram("h2", x, collect: false)], name: "m")
            return (x, h, d)
        }
        let session = Session(graph: g)
        // No values: TensorFlow's empty histogram, one empty bucket at DBL_MAX.
        let empty = try session.run(h, feeds: [x: Tensor([] as [Float], shape: [0])]).summary().value[0].histo
        #expect(empty.num == 0 && empty.bucketLimit == [Double.greatestFiniteMagnitude] && empty.bucket == [0])
        // One value 5: the run of empty buckets before it collapses into one, as after it.
        let one = try session.run(h, feeds: [x: Tensor([5] as [Float])]).summary().value[0].histo
        #expect(one.bucket == [0, 1, 0] && one.bucketLimit.last == Double.greatestFiniteMagnitude)
        #expect(one.bucketLimit[0] < 5 && one.bucketLimit[1] > 5 && one.bucketLimit[1] < 5 * 1.1 + 1e-9)
        #expect(one.min == 5 && one.max == 5 && one.sum == 5 && one.sumSquares == 25)
        #expect(g.summaries == [h])
        #expect(d.op.name == "m/MergeSummary")
        #expect(throws: OpError.self) { try session.run(h, feeds: [x: Tensor([1, .nan] as [Float])]) }
        // Duplicate tags in a merge are an error, as in TensorFlow.
        let dup = try g.summary.merge([h, h], name: "dup")
        #expect(throws: OpError.self) { try session.run(dup, feeds: [x: Tensor([1] as [Float])]) }
    }

    @Test func summaryOpsExportWithStringTagInputsAndImportBack() throws {
        let g = Graph()
        let x = try g.asDefault { try placeholder(.float32, shape: [], name: "x") }
        _ = try g.summary.scalar("loss", x)
        let merged = try #require(try g.summary.mergeAll())
        let def = g.graphDef()
        let node = try #require(def.node.first { $0.name == "loss" })
        #expect(node.op == "ScalarSummary" && node.input == ["loss/tags", "x"])
        let tags = try #require(def.node.first { $0.name == "loss/tags" })
        #expect(
            tags.attr["value"]?.tensor.dtype == .dtString && tags.attr["value"]?.tensor.stringVal == [Data("loss".utf8)]
        )
        #expect(def.node.first { $0.name == "Merge/MergeSummary" }?.attr["N"]?.i == 1)
        let imported = Graph()
        try imported.importGraphDef(def)
        let got = try Session(graph: imported).run(
            try #require(imported.tensor(named: merged.name)),
            feeds: [try #require(imported.tensor(named: "x:0")): Tensor(Float(3))]
        ).summary()
        #expect(got.value.map(\.tag) == ["loss"] && got.value[0].simpleValue == 3)
    }
}
