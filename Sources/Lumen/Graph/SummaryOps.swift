import Foundation
import LumenEvents
import SwiftProtobuf

/// TensorFlow 1's summary ops in a graph: `ScalarSummary`, `HistogramSummary` and `MergeSummary`.
///
/// TensorFlow's outputs a scalar string tensor; Lumen has no string dtype, so each of these ops outputs
/// the serialized `Summary` protobuf as a 1-D `uint8` tensor (``Tensor/summaryBytes`` gives the bytes,
/// ``Tensor/summary()`` the parsed message), ready for a writer's `addSummary`. The tag is the op's
/// `tag` attribute (TensorFlow passes it as a string `Const` input; export and import convert).
enum SummaryOps {
    static let output = TensorSpec(dtype: .uint8, shape: [-1])

    static let definitions: [OpDefinition] = [
        OpDefinition(
            "ScalarSummary",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                _ = try attrs.string("tag", ctx)
                let x = ctx.inputs[0]
                guard x.dtype.isNumeric else { throw ctx.unsupported(x.dtype, expected: "a numeric dtype") }
                guard x.shape.allSatisfy({ $0 == 1 || $0 == -1 }) else {
                    throw ctx.shapeError("tags and values must have the same shape: [] != \(Shape.describe(x.shape))")
                }
                return [output]
            },
            compute: { call in
                let x = call.inputs[0], tag = try call.attributes.string("tag", call.context)
                guard x.count == 1 else {
                    throw call.context.shapeError(
                        "tags and values must have the same shape: [] != \(Shape.describe(x.shape))")
                }
                var value = Summary.Value()
                value.tag = tag
                value.simpleValue = Float(x.doubles[0])
                var summary = Summary()
                summary.value = [value]
                return [try bytes(summary)]
            }
        )
        .graphOnly()
        .tensorFlow(
            TensorFlowInterop(
                constantInputs: [.init(attribute: "tag", input: "tags", kind: .string)], constantInputsFirst: true,
                outputsSerializedSummary: true)),
        OpDefinition(
            "HistogramSummary",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                _ = try attrs.string("tag", ctx)
                guard ctx.inputs[0].dtype.isNumeric else {
                    throw ctx.unsupported(ctx.inputs[0].dtype, expected: "a numeric dtype")
                }
                return [output]
            },
            compute: { call in
                let tag = try call.attributes.string("tag", call.context)
                let values = call.inputs[0].doubles
                if values.contains(where: { !$0.isFinite }) {
                    throw call.context.error("Nan in summary histogram for: \(tag)")
                }
                var value = Summary.Value()
                value.tag = tag
                value.histo = HistogramProto(values: values)
                var summary = Summary()
                summary.value = [value]
                return [try bytes(summary)]
            }
        )
        .graphOnly()
        .tensorFlow(
            TensorFlowInterop(
                constantInputs: [.init(attribute: "tag", input: "tag", kind: .string)], constantInputsFirst: true,
                outputsSerializedSummary: true)),
        OpDefinition(
            "MergeSummary",
            infer: { ctx, _ in
                guard !ctx.inputs.isEmpty else { throw ctx.error("MergeSummary needs at least one input") }
                for spec in ctx.inputs where spec.dtype != .uint8 || spec.shape.count != 1 {
                    throw ctx.error("inputs must be serialized summaries (uint8 [?]), got \(spec)")
                }
                return [output]
            },
            compute: { call in
                var merged = Summary()
                var tags = Set<String>()
                for input in call.inputs {
                    let summary = try input.summary()
                    for value in summary.value {
                        guard tags.insert(value.tag).inserted else {
                            throw call.context.error("Duplicate tag \(value.tag) found in summary inputs")
                        }
                        merged.value.append(value)
                    }
                }
                return [try bytes(merged)]
            }
        )
        .graphOnly()
        .tensorFlow(TensorFlowInterop(typeAttributes: [:], countsInputs: true, outputsSerializedSummary: true)),
    ]

    static func bytes(_ summary: Summary) throws -> Tensor {
        let data: Data = try summary.serializedData()
        return Tensor([UInt8](data), shape: [data.count])
    }
}

extension Tensor {
    /// The bytes of a serialized protobuf held as a 1-D `uint8` tensor (what a summary op outputs).
    public var summaryBytes: Data {
        precondition(
            dtype == .uint8 && rank == 1, "summary bytes are a 1-D uint8 tensor, not \(dtype)\(Shape.describe(shape))")
        return Data(bytes: storage.bytes, count: byteCount)
    }

    /// The `Summary` a summary op's output holds.
    public func summary() throws -> Summary {
        guard dtype == .uint8 && rank == 1 else {
            throw OpError(
                opType: "MergeSummary",
                message: "a serialized summary is a 1-D uint8 tensor, not \(dtype)\(Shape.describe(shape))")
        }
        return try Summary(serializedBytes: summaryBytes)
    }
}

/// Builds TensorFlow 1's `tf.summary` ops into a graph: `graph.summary.scalar("loss", loss)`.
///
/// As in TensorFlow 1, each op is named by `name` made unique in the current name scope (`loss`,
/// `loss_1`, `layer1/loss`), its tag is that full name, and it joins the graph's summaries
/// collection that ``mergeAll(name:)`` merges.
public struct GraphSummaries {
    public let graph: Graph

    /// A `ScalarSummary` of the one-element `tensor` (`tf.summary.scalar`).
    @discardableResult
    public func scalar(_ name: String, _ tensor: GraphTensor, collect: Bool = true) throws -> GraphTensor {
        try summaryOp("ScalarSummary", name, tensor, collect: collect)
    }

    /// A `HistogramSummary` of every element of `tensor`, with TensorFlow's default buckets
    /// (`tf.summary.histogram`).
    @discardableResult
    public func histogram(_ name: String, _ tensor: GraphTensor, collect: Bool = true) throws -> GraphTensor {
        try summaryOp("HistogramSummary", name, tensor, collect: collect)
    }

    /// A `MergeSummary` of `summaries` (`tf.summary.merge`), named `Merge/MergeSummary` by default.
    public func merge(_ summaries: [GraphTensor], name: String = "Merge") throws -> GraphTensor {
        try graph.nameScope(name) { _ in try graph.apply("MergeSummary", summaries, name: "MergeSummary") }
    }

    /// The merge of every summary in the graph's summaries collection (`tf.summary.merge_all`);
    /// `nil` when there is none, as TensorFlow returns `None`.
    public func mergeAll(name: String = "Merge") throws -> GraphTensor? {
        let all = graph.summaries
        guard !all.isEmpty else { return nil }
        return try merge(all, name: name)
    }

    private func summaryOp(_ type: String, _ name: String, _ tensor: GraphTensor, collect: Bool) throws -> GraphTensor {
        let op = try graph.nameScope(name) { scope in
            try graph.apply(type, [tensor], attributes: ["tag": .string(scope)], name: scope + "/")
        }
        if collect { graph.addToSummaries(op) }
        return op
    }
}

extension Graph {
    /// The builder of summary ops in this graph (TensorFlow 1's `tf.summary`).
    public var summary: GraphSummaries { GraphSummaries(graph: self) }
}

/// TensorFlow 1's `tf.summary` on the default graph: `summary.scalar("loss", loss)`,
/// `summary.histogram("weights", w)`, `summary.mergeAll()`.
public var summary: GraphSummaries { Graph.default.summary }
