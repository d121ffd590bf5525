import Foundation
import LumenEvents
import SwiftProtobuf

/// How ``Graph/graphDef(options:)`` writes a graph.
public struct GraphDefExportOptions: Sendable, Equatable {
    /// Write the graph so that TensorFlow can load it (`tf.compat.v1.import_graph_def`), where that is
    /// cheap: attributes that TensorFlow takes as constant input tensors (`Reshape`'s `shape`,
    /// `Transpose`'s `perm`, reductions' `axes`, `ArgMax`'s `axis`, `ExpandDims`, `Tile`,
    /// `BroadcastTo`, `ConcatV2`, the summary ops' tags) become `Const` input nodes named as
    /// TensorFlow names them (`Reshape/shape`, `Sum/reduction_indices`), and Lumen attributes
    /// TensorFlow's op has no attribute for are kept with a leading underscore (`_shape`, `_axis`),
    /// which TensorFlow ignores and ``Graph/importGraphDef(_:prefix:)`` reads back. Off, every
    /// attribute is written under its own name and no nodes are added.
    public var tensorFlowCompatible: Bool
    /// Write each node's `_output_shapes` (-1 for unknown dimensions).
    public var outputShapes: Bool

    public init(tensorFlowCompatible: Bool = true, outputShapes: Bool = true) {
        self.tensorFlowCompatible = tensorFlowCompatible
        self.outputShapes = outputShapes
    }
}

extension Graph {
    /// The GraphDef `producer` version written, that of TensorFlow 2.x graphs (TensorFlow reads it
    /// to decide which op semantics apply; 1205 or later for the ops Lumen writes).
    public static let graphDefProducerVersion: Int32 = 1205

    /// The graph as TensorFlow's `GraphDef`: one `NodeDef` per op, in the order they were added, with
    /// its inputs (`node`, `node:1` for later outputs, `^node` for control inputs), device,
    /// attributes (`T`, `dtype`, `shape`, `value`, the op's own) and `_output_shapes`.
    public func graphDef(options: GraphDefExportOptions = GraphDefExportOptions()) -> GraphDef {
        let ops = operations
        var names = Set(ops.map(\.name))
        var def = GraphDef()
        def.versions.producer = Graph.graphDefProducerVersion
        for op in ops { def.node += GraphDefExport.nodes(for: op, options: options, names: &names) }
        return def
    }

    /// ``graphDef(options:)`` in the protobuf wire format (a `graph.pb`, or an Event's `graph_def`).
    public func serializedGraphDef(options: GraphDefExportOptions = GraphDefExportOptions()) -> Data {
        // Serializing a proto3 message with no required fields cannot fail.
        (try? graphDef(options: options).serializedData()) ?? Data()
    }

    /// ``graphDef(options:)`` in protobuf text format (a `graph.pbtxt`).
    public func graphDefText(options: GraphDefExportOptions = GraphDefExportOptions()) -> String {
        graphDef(options: options).textFormatString()
    }
}

/// The mapping of ops to NodeDefs, shared by export and import.
enum GraphDefExport {
    /// Attributes of a Lumen op that TensorFlow's op takes as an int32 constant input, with
    /// TensorFlow's input name; the input comes after the data inputs unless `first`.
    struct AttributeInput {
        let attribute: String
        let input: String
        var first = false
    }

    static let attributeInputs: [String: AttributeInput] = {
        var table: [String: AttributeInput] = [
            "Reshape": AttributeInput(attribute: "shape", input: "shape"),
            "Transpose": AttributeInput(attribute: "perm", input: "perm"),
            "ArgMax": AttributeInput(attribute: "axis", input: "dimension"),
            "ArgMin": AttributeInput(attribute: "axis", input: "dimension"),
            "ExpandDims": AttributeInput(attribute: "axis", input: "dim"),
            "Tile": AttributeInput(attribute: "multiples", input: "multiples"),
            "BroadcastTo": AttributeInput(attribute: "shape", input: "shape"),
            "ConcatV2": AttributeInput(attribute: "axis", input: "axis"),
            "ScalarSummary": AttributeInput(attribute: "tag", input: "tags", first: true),
            "HistogramSummary": AttributeInput(attribute: "tag", input: "tag", first: true),
        ]
        for reduction in ["Sum", "Mean", "Max", "Min", "Prod"] {
            table[reduction] = AttributeInput(attribute: "axes", input: "reduction_indices")
        }
        return table
    }()

    /// Lumen attributes TensorFlow's op does not have, written with a leading underscore in
    /// TensorFlow-compatible form.
    static let lumenOnlyAttributes: [String: Set<String>] = [
        "Softmax": ["axis"], "LogSoftmax": ["axis"],
    ]

    /// Attributes naming the count of a list input.
    static let countedInputs: Set<String> = ["AddN", "ConcatV2", "Pack", "MergeSummary"]

    /// Ops whose NodeDef carries no `T`.
    static let withoutT: Set<String> = ["Const", "Placeholder", "VariableV2", "NoOp", "Cast", "MergeSummary"]

    static func attrValue(_ value: AttributeValue) -> AttrValue {
        var a = AttrValue()
        switch value {
        case .int(let v): a.i = Int64(v)
        case .float(let v): a.f = Float(v)
        case .bool(let v): a.b = v
        case .string(let v): a.s = Data(v.utf8)
        case .ints(let v): a.list.i = v.map { Int64($0) }
        case .floats(let v): a.list.f = v.map { Float($0) }
        case .dtype(let v): a.type = v.dataType
        case .shape(let v): a.shape = TensorShapeProto(dimensions: v)
        }
        return a
    }

    static func typeAttr(_ dtype: DType) -> AttrValue {
        var a = AttrValue()
        a.type = dtype.dataType
        return a
    }

    /// A `Const` node holding `tensor`, named `base` made unique.
    static func constantNode(_ base: String, _ tensor: TensorProto, device: String, options: GraphDefExportOptions,
                             names: inout Set<String>) -> NodeDef {
        var constant = NodeDef()
        constant.name = freshName(base, &names)
        constant.op = "Const"
        constant.device = device
        var value = AttrValue()
        value.tensor = tensor
        constant.attr["value"] = value
        var dtype = AttrValue()
        dtype.type = tensor.dtype
        constant.attr["dtype"] = dtype
        if options.outputShapes {
            var shapes = AttrValue()
            shapes.list.shape = [tensor.tensorShape]
            constant.attr["_output_shapes"] = shapes
        }
        return constant
    }

    /// `name` for output 0, `name:i` for later outputs.
    static func inputName(_ t: GraphTensor) -> String { t.index == 0 ? t.op.name : "\(t.op.name):\(t.index)" }

    /// A name not in `names`, `base` if free, else `base_1`, …; it is added to `names`.
    static func freshName(_ base: String, _ names: inout Set<String>) -> String {
        var name = base, i = 0
        while names.contains(name) {
            i += 1
            name = "\(base)_\(i)"
        }
        names.insert(name)
        return name
    }

    /// The NodeDef of `op`, preceded by the Const nodes of its attribute inputs in TensorFlow-compatible form.
    static func nodes(for op: GraphOperation, options: GraphDefExportOptions, names: inout Set<String>) -> [NodeDef] {
        var node = NodeDef()
        node.name = op.name
        node.op = op.type
        node.device = op.device
        node.input = op.inputs.map(inputName)
        var extra: [NodeDef] = []
        var attributes = op.attributes.values
        switch op.type {
        case "Const":
            if let value = op.value {
                var a = AttrValue()
                a.tensor = TensorProto(value)
                node.attr["value"] = a
            }
            node.attr["dtype"] = typeAttr(op.outputSpecs[0].dtype)
            attributes["dtype"] = nil
        case "Cast":
            if let input = op.inputs.first { node.attr["SrcT"] = typeAttr(input.dtype) }
            node.attr["Truncate"] = attrValue(.bool(false))
        case "ArgMax", "ArgMin":
            node.attr["output_type"] = typeAttr(op.outputSpecs[0].dtype)
        default:
            break
        }
        if !withoutT.contains(op.type), let first = op.inputs.first {
            node.attr["T"] = typeAttr(first.dtype)
        }
        if countedInputs.contains(op.type) {
            node.attr["N"] = attrValue(.int(op.inputs.count))
        }
        if options.tensorFlowCompatible, let spec = attributeInputs[op.type] {
            var value: AttributeValue? = attributes[spec.attribute]
            if value == nil && ["Sum", "Mean", "Max", "Min", "Prod"].contains(op.type), let input = op.inputs.first {
                value = .ints(Array(0..<input.rank))  // no axes: every axis
            }
            if let value {
                var constant = NodeDef()
                constant.name = freshName(op.name + "/" + spec.input, &names)
                constant.op = "Const"
                constant.device = op.device
                var tensor = TensorProto()
                switch value {
                case .string(let s):
                    tensor.dtype = .dtString
                    tensor.tensorShape = TensorShapeProto(dimensions: [])
                    tensor.stringVal = [Data(s.utf8)]
                case .int(let i):
                    tensor = TensorProto(Tensor([Int32(i)], shape: []))
                case .ints(let list), .shape(let list):
                    tensor = TensorProto(Tensor(list.map { Int32($0) }, shape: [list.count]))
                default:
                    break
                }
                var valueAttr = AttrValue()
                valueAttr.tensor = tensor
                constant.attr["value"] = valueAttr
                constant.attr["dtype"] = typeAttr(.int32)
                if tensor.dtype == .dtString { constant.attr["dtype"]!.type = .dtString }
                if options.outputShapes {
                    var shapes = AttrValue()
                    shapes.list.shape = [tensor.tensorShape]
                    constant.attr["_output_shapes"] = shapes
                }
                extra.append(constant)
                if spec.first { node.input.insert(constant.name, at: 0) } else { node.input.append(constant.name) }
                attributes["_" + spec.attribute] = attributes[spec.attribute]
                attributes[spec.attribute] = nil
            }
        }
        if options.tensorFlowCompatible && op.type == "OneHot" {
            // TensorFlow's OneHot takes depth, on_value and off_value as inputs; T is the output dtype.
            let dtype = op.outputSpecs[0].dtype
            let depth = attributes["depth"].flatMap { if case .int(let d) = $0 { d } else { nil } } ?? 0
            let on = attributes["on_value"].flatMap { if case .float(let v) = $0 { v } else if case .int(let v) = $0 { Double(v) } else { nil } } ?? 1
            let off = attributes["off_value"].flatMap { if case .float(let v) = $0 { v } else if case .int(let v) = $0 { Double(v) } else { nil } } ?? 0
            for (input, value) in [("depth", Tensor([Int32(depth)], shape: [])), ("on_value", Tensor.full([], on, dtype: dtype)),
                                   ("off_value", Tensor.full([], off, dtype: dtype))] {
                extra.append(constantNode(op.name + "/" + input, TensorProto(value), device: op.device, options: options, names: &names))
                node.input.append(extra.last!.name)
            }
            node.attr["T"] = typeAttr(dtype)
            if let indices = op.inputs.first { node.attr["TI"] = typeAttr(indices.dtype) }
            for name in ["depth", "on_value", "off_value", "dtype"] where attributes[name] != nil {
                attributes["_" + name] = attributes[name]
                attributes[name] = nil
            }
        }
        if options.tensorFlowCompatible, let lumenOnly = lumenOnlyAttributes[op.type] {
            for name in lumenOnly where attributes[name] != nil {
                attributes["_" + name] = attributes[name]
                attributes[name] = nil
            }
        }
        for (name, value) in attributes { node.attr[name] = attrValue(value) }
        node.input += op.controlInputs.map { "^" + $0.name }
        if options.outputShapes {
            var shapes = AttrValue()
            // TensorFlow's summary ops output a scalar string where Lumen's output uint8 [?] bytes.
            let summaryAsString = options.tensorFlowCompatible && SummaryOps.types.contains(op.type)
            shapes.list.shape = op.outputSpecs.map { TensorShapeProto(dimensions: summaryAsString ? [] : $0.shape) }
            node.attr["_output_shapes"] = shapes
        }
        return extra + [node]
    }
}
