import LumenEvents

/// Traces an eager module into a GraphDef for the board's graph view (PyTorch's `add_graph`).
///
/// The forward pass runs once with the input requiring a gradient, so the autograd tape records every
/// op; the tape is then walked back from the output. The input becomes a `Placeholder` named `input`,
/// each parameter a `VariableV2` named by its dotted name (`0.weight`), constants (tensors that need no
/// gradient, such as targets or masks) `Const` nodes, and each recorded op a node named by its op type
/// (`MatMul`, `MatMul_1`, …) with its attributes, `T` and `_output_shapes`.
public enum ModuleTracer {
    /// The GraphDef of `module` applied to `input`.
    public static func graphDef(of module: Module, input: Tensor) -> GraphDef {
        let traced = input.detached.requiringGrad()
        let output = module(traced)
        var graph = GraphDef()
        graph.versions.producer = 1
        guard let root = output.autograd?.node else {
            // Nothing was recorded (the module ignores its input): input and output only.
            graph.node = [placeholder(traced)]
            return graph
        }
        var parameterNames: [ObjectIdentifier: String] = [:]
        for (name, parameter) in module.namedParameters() {
            if let state = parameter.autograd { parameterNames[ObjectIdentifier(state)] = name }
        }
        var builder = Builder(inputState: traced.autograd, parameterNames: parameterNames)
        builder.node(for: root)
        graph.node = builder.nodes
        return graph
    }

    static func placeholder(_ input: Tensor) -> NodeDef {
        var node = NodeDef()
        node.name = "input"
        node.op = "Placeholder"
        node.attr["dtype"] = GraphDefExport.typeAttr(input.dtype)
        var shape = AttrValue()
        shape.shape = TensorShapeProto(dimensions: input.shape)
        node.attr["shape"] = shape
        node.attr["_output_shapes"] = shapes([input.shape])
        return node
    }

    static func shapes(_ list: [[Int]]) -> AttrValue {
        var value = AttrValue()
        value.list.shape = list.map { TensorShapeProto(dimensions: $0) }
        return value
    }

    /// Emits nodes inputs-first, each tape node and leaf once.
    struct Builder {
        let inputState: AutogradState?
        let parameterNames: [ObjectIdentifier: String]
        var nodes: [NodeDef] = []
        var names: Set<String> = []
        var emitted: [ObjectIdentifier: String] = [:]

        init(inputState: AutogradState?, parameterNames: [ObjectIdentifier: String]) {
            self.inputState = inputState
            self.parameterNames = parameterNames
        }

        /// The node name for a tape node, emitting it (and what it reads) first.
        @discardableResult
        mutating func node(for tapeNode: TapeNode) -> String {
            if let name = emitted[ObjectIdentifier(tapeNode)] { return name }
            var inputs: [String] = []
            for (index, state) in tapeNode.inputStates.enumerated() {
                inputs.append(source(state, value: tapeNode.inputs[index], consumer: tapeNode.definition.type))
            }
            var node = NodeDef()
            node.name = GraphDefExport.freshName(tapeNode.definition.type, &names)
            node.op = tapeNode.definition.type
            node.input = inputs
            for (key, value) in tapeNode.attributes.values { node.attr[key] = GraphDefExport.attrValue(value) }
            if let first = tapeNode.inputs.first { node.attr["T"] = GraphDefExport.typeAttr(first.dtype) }
            node.attr["_output_shapes"] = ModuleTracer.shapes(tapeNode.outputs.map(\.shape))
            nodes.append(node)
            emitted[ObjectIdentifier(tapeNode)] = node.name
            return node.name
        }

        /// The name of what feeds an op input: another op's output, the input, a parameter or a constant.
        mutating func source(_ state: AutogradState?, value: Tensor, consumer: String) -> String {
            guard let state else { return constant(value, near: consumer) }
            if let producer = state.node {
                let name = node(for: producer)
                return state.outputIndex == 0 ? name : "\(name):\(state.outputIndex)"
            }
            let key = ObjectIdentifier(state)
            if let name = emitted[key] { return name }
            var node: NodeDef
            if state === inputState {
                node = ModuleTracer.placeholder(value)
                names.insert("input")
            } else {
                node = NodeDef()
                node.name = GraphDefExport.freshName(parameterNames[key] ?? "parameter", &names)
                node.op = "VariableV2"
                node.attr["dtype"] = GraphDefExport.typeAttr(value.dtype)
                var shape = AttrValue()
                shape.shape = TensorShapeProto(dimensions: value.shape)
                node.attr["shape"] = shape
                node.attr["_output_shapes"] = ModuleTracer.shapes([value.shape])
            }
            nodes.append(node)
            emitted[key] = node.name
            return node.name
        }

        mutating func constant(_ value: Tensor, near consumer: String) -> String {
            var node = NodeDef()
            node.name = GraphDefExport.freshName(consumer + "/const", &names)
            node.op = "Const"
            var tensor = AttrValue()
            tensor.tensor = TensorProto(value)
            node.attr["value"] = tensor
            node.attr["dtype"] = GraphDefExport.typeAttr(value.dtype)
            node.attr["_output_shapes"] = ModuleTracer.shapes([value.shape])
            nodes.append(node)
            return node.name
        }
    }
}

extension SummaryWriter {
    /// Traces `module` on `input` and writes the resulting graph (PyTorch's `add_graph(model, input)`).
    public func addGraph(_ module: Module, input: Tensor, wallTime: Double? = nil) throws {
        try addGraph(ModuleTracer.graphDef(of: module, input: input), wallTime: wallTime)
    }
}
