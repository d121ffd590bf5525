import Foundation
import LumenEvents
import SwiftProtobuf

/// How ``Graph/graphDef(options:)`` writes a graph.
public struct GraphDefExportOptions: Sendable, Equatable {
    /// Write the graph so that TensorFlow can load it (`tf.compat.v1.import_graph_def`), where that is
    /// cheap: attributes that TensorFlow takes as constant input tensors (each op's
    /// ``TensorFlowInterop/constantInputs``: `Reshape`'s `shape`, `Transpose`'s `perm`, reductions'
    /// `axes`, `ArgMax`'s `axis`, `ExpandDims`, `Tile`, `BroadcastTo`, `ConcatV2`, `OneHot`'s depth
    /// and values, the summary ops' tags) become `Const` input nodes named as
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

/// The mapping of ops to NodeDefs, driven by each op's ``TensorFlowInterop``.
enum GraphDefExport {
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
    static func constantNode(
        _ base: String, _ tensor: TensorProto, device: String, options: GraphDefExportOptions,
        names: inout Set<String>
    ) -> NodeDef {
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

    /// The NodeDef of `op`, preceded by the Const nodes of its constant inputs in TensorFlow-compatible form.
    static func nodes(for op: GraphOperation, options: GraphDefExportOptions, names: inout Set<String>) -> [NodeDef] {
        var node = NodeDef()
        node.name = op.name
        node.op = op.type
        node.device = op.device
        node.input = op.inputs.map(inputName)
        let interop = OpRegistry.shared[op.type]?.interop ?? TensorFlowInterop()
        var extra: [NodeDef] = []
        var attributes = op.attributes.values
        if op.type == "Const" {
            // A graph constant's value lives in the graph, not in its attributes.
            if let value = op.value {
                var a = AttrValue()
                a.tensor = TensorProto(value)
                node.attr["value"] = a
            }
            node.attr["dtype"] = typeAttr(op.outputSpecs[0].dtype)
            attributes["dtype"] = nil
        }
        for (name, source) in interop.typeAttributes {
            switch source {
            case .input(let i) where op.inputs.indices.contains(i): node.attr[name] = typeAttr(op.inputs[i].dtype)
            case .output(let i) where op.outputSpecs.indices.contains(i):
                node.attr[name] = typeAttr(op.outputSpecs[i].dtype)
            default: break
            }
        }
        for (name, value) in interop.fixedAttributes.values { node.attr[name] = attrValue(value) }
        if interop.countsInputs {
            node.attr["N"] = attrValue(.int(op.inputs.count))
        }
        if options.tensorFlowCompatible {
            var leading: [String] = []
            for constant in interop.constantInputs {
                guard let value = attributes[constant.attribute] ?? exportDefault(constant, of: op) else { continue }
                let tensor = constantTensor(value, constant.kind, of: op)
                let constantNode = constantNode(
                    op.name + "/" + constant.input, tensor, device: op.device, options: options, names: &names)
                extra.append(constantNode)
                if interop.constantInputsFirst {
                    leading.append(constantNode.name)
                } else {
                    node.input.append(constantNode.name)
                }
                if let given = attributes[constant.attribute] {
                    attributes["_" + constant.attribute] = given
                    attributes[constant.attribute] = nil
                }
            }
            node.input.insert(contentsOf: leading, at: 0)
            for name in interop.lumenOnlyAttributes where attributes[name] != nil {
                attributes["_" + name] = attributes[name]
                attributes[name] = nil
            }
        }
        for (name, value) in attributes { node.attr[name] = attrValue(value) }
        node.input += op.controlInputs.map { "^" + $0.name }
        if options.outputShapes {
            var shapes = AttrValue()
            // TensorFlow's summary ops output a scalar string where Lumen's output uint8 [?] bytes.
            let summaryAsString = options.tensorFlowCompatible && interop.outputsSerializedSummary
            shapes.list.shape = op.outputSpecs.map { TensorShapeProto(dimensions: summaryAsString ? [] : $0.shape) }
            node.attr["_output_shapes"] = shapes
        }
        return extra + [node]
    }

    /// What a constant input holds when `op` lacks its attribute, if anything.
    static func exportDefault(_ constant: TensorFlowInterop.ConstantInput, of op: GraphOperation) -> AttributeValue? {
        switch constant.exportDefault {
        case .allAxes: op.inputs.first.map { .ints(Array(0..<$0.rank)) }
        case .value(let value): value
        case nil: nil
        }
    }

    /// The tensor of a constant input holding `value`.
    static func constantTensor(
        _ value: AttributeValue, _ kind: TensorFlowInterop.ConstantInput.Kind, of op: GraphOperation
    ) -> TensorProto {
        if kind == .outputScalar {
            let number: Double
            switch value {
            case .float(let v): number = v
            case .int(let v): number = Double(v)
            default: number = 0
            }
            return TensorProto(Tensor.full([], number, dtype: op.outputSpecs[0].dtype))
        }
        switch value {
        case .string(let s):
            var tensor = TensorProto()
            tensor.dtype = .dtString
            tensor.tensorShape = TensorShapeProto(dimensions: [])
            tensor.stringVal = [Data(s.utf8)]
            return tensor
        case .int(let i):
            return TensorProto(Tensor([Int32(i)], shape: []))
        case .ints(let list), .shape(let list):
            return TensorProto(Tensor(list.map { Int32($0) }, shape: [list.count]))
        default:
            var tensor = TensorProto()
            tensor.dtype = .dtInt32
            return tensor
        }
    }
}
