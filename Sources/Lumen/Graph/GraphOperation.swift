/// One node of a ``Graph``: an op type from the registry applied to input tensors, with attributes,
/// control inputs and a device (TensorFlow's `tf.Operation`, a NodeDef).
///
/// Operations are immutable once added. Their outputs are ``GraphTensor``s named `name:index`.
public final class GraphOperation: @unchecked Sendable, Hashable, CustomStringConvertible {
    // Immutable but for the weak reference, whose loads are atomic.
    private weak var owner: Graph?

    /// The graph this op belongs to. Keep the graph alive while using its ops and tensors (a graph
    /// holds its ops; they do not hold it, so graphs are freed).
    public var graph: Graph {
        guard let owner else {
            preconditionFailure("op '\(name)' outlived its graph: keep the Graph alive while using its tensors")
        }
        return owner
    }
    /// The position of this op in its graph's ``Graph/operations``.
    public let id: Int
    /// The name, unique in the graph (`layer1/MatMul`).
    public let name: String
    /// The TensorFlow op type (`MatMul`), the key of its ``OpDefinition``.
    public let type: String
    /// The data inputs, in order.
    public let inputs: [GraphTensor]
    /// The ops that must run before this one, without passing data.
    public let controlInputs: [GraphOperation]
    /// The attributes.
    public let attributes: Attributes
    /// The device recorded by ``Graph/withDevice(_:_:)`` (`/cpu:0`), empty when none.
    public let device: String
    /// The dtype and static shape of each output (`-1` for unknown dimensions).
    public let outputSpecs: [TensorSpec]
    /// The `value` attribute of a `Const` op. It is kept here, not in ``attributes``, because
    /// ``AttributeValue`` has no tensor case.
    public let value: Tensor?

    init(
        graph: Graph, id: Int, name: String, type: String, inputs: [GraphTensor], controlInputs: [GraphOperation],
        attributes: Attributes, device: String, outputSpecs: [TensorSpec], value: Tensor?
    ) {
        self.owner = graph
        self.id = id
        self.name = name
        self.type = type
        self.inputs = inputs
        self.controlInputs = controlInputs
        self.attributes = attributes
        self.device = device
        self.outputSpecs = outputSpecs
        self.value = value
    }

    /// The outputs.
    public var outputs: [GraphTensor] { outputSpecs.indices.map { GraphTensor(op: self, index: $0) } }

    /// Output `index`.
    public func output(_ index: Int) -> GraphTensor {
        precondition(outputSpecs.indices.contains(index), "op '\(name)' has no output \(index)")
        return GraphTensor(op: self, index: index)
    }

    /// `true` for ops the optimizer must neither fold nor merge: placeholders, variables, assignments,
    /// optimizer updates and no-ops.
    public var isStateful: Bool { OpRegistry.shared[type]?.isStateful ?? false }

    public static func == (a: GraphOperation, b: GraphOperation) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// `name = Type(input:0, …; ^control) {attributes} -> dtype[shape], … @device`.
    public var description: String {
        var text = "\(name) = \(type)("
        text += inputs.map(\.name).joined(separator: ", ")
        if !controlInputs.isEmpty {
            text += (inputs.isEmpty ? "" : "; ") + controlInputs.map { "^" + $0.name }.joined(separator: ", ")
        }
        text += ")"
        var attributeTexts = attributes.values.keys.sorted().map { "\($0)=\(attributes.values[$0]!)" }
        if let value { attributeTexts.insert("value=\(GraphOperation.summary(of: value))", at: 0) }
        if !attributeTexts.isEmpty { text += " {" + attributeTexts.joined(separator: ", ") + "}" }
        text += " -> " + (outputSpecs.isEmpty ? "()" : outputSpecs.map(\.description).joined(separator: ", "))
        if !device.isEmpty { text += " @ \(device)" }
        return text
    }

    /// A short form of a constant: its elements when there are few, else its dtype and shape.
    static func summary(of value: Tensor) -> String {
        guard value.count <= 6 else { return "<\(value.spec)>" }
        let numbers = value.doubles.map { v -> String in
            if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
            return value.dtype == .float32 ? String(Float(v)) : String(v)
        }
        return value.isScalar ? numbers[0] : "\(Shape.describe(value.shape)){" + numbers.joined(separator: ",") + "}"
    }
}
