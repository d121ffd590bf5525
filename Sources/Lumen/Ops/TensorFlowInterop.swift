/// How an op maps to and from TensorFlow's `NodeDef`: the part of an ``OpDefinition`` that GraphDef
/// export and import read. The defaults fit most ops: a `T` attribute holding the first input's
/// dtype, every Lumen attribute written under its own name.
public struct TensorFlowInterop: Sendable {
    /// Where a type attribute's dtype comes from.
    public enum TypeSource: Sendable, Equatable {
        case input(Int)
        case output(Int)
    }

    /// A Lumen attribute that TensorFlow's op takes as a constant input tensor instead (`Reshape`'s
    /// `shape`, the reductions' `reduction_indices`). Export writes it as a `Const` node named
    /// `<op>/<input>` and keeps the attribute as `_<attribute>`; import folds such a `Const` back
    /// into the attribute.
    public struct ConstantInput: Sendable {
        /// How the constant holds the attribute's value.
        public enum Kind: Sendable, Equatable {
            /// An int32 scalar (`ArgMax`'s `dimension`, `ConcatV2`'s `axis`).
            case int
            /// An int32 vector (`Reshape`'s `shape`, `Transpose`'s `perm`).
            case ints
            /// A string scalar (the summary ops' tags).
            case string
            /// A scalar of the op's output dtype, imported as a float attribute (`OneHot`'s `on_value`).
            case outputScalar
        }

        /// What export writes when the attribute is absent.
        public enum Default: Sendable, Equatable {
            /// Every axis of input 0 (the reductions without `axes`).
            case allAxes
            /// This value (`OneHot`'s `on_value` of 1).
            case value(AttributeValue)
        }

        /// The Lumen attribute.
        public let attribute: String
        /// TensorFlow's input name, also the suffix of the exported `Const` node's name.
        public let input: String
        public let kind: Kind
        /// What export writes when the attribute is absent; without one, nothing is written.
        public let exportDefault: Default?

        public init(attribute: String, input: String, kind: Kind, exportDefault: Default? = nil) {
            self.attribute = attribute
            self.input = input
            self.kind = kind
            self.exportDefault = exportDefault
        }
    }

    /// The type attributes written on export and the dtype each holds (`T` of the first input by
    /// default; `Cast`'s `SrcT`, `ArgMax`'s `output_type`).
    public var typeAttributes: [String: TypeSource]
    /// Attributes TensorFlow's op requires that Lumen's does not have, written with a fixed value
    /// (`Cast`'s `Truncate`).
    public var fixedAttributes: Attributes
    /// Whether the `NodeDef` carries `N`, the count of its list input (`AddN`, `ConcatV2`).
    public var countsInputs: Bool
    /// The attributes TensorFlow takes as constant inputs, in input order.
    public var constantInputs: [ConstantInput]
    /// Whether the constant inputs come before the data inputs (the summary ops' tags) rather than
    /// after them.
    public var constantInputsFirst: Bool
    /// Lumen attributes TensorFlow's op does not have: written with a leading underscore, which
    /// TensorFlow ignores and import reads back.
    public var lumenOnlyAttributes: Set<String>
    /// Attributes an imported `NodeDef` gets when it lacks them (TensorFlow's defaults where Lumen's
    /// differ or Lumen wants them explicit: `Softmax`'s `axis` of -1).
    public var importDefaults: Attributes
    /// Lumen attributes that a TensorFlow-written `NodeDef` holds as a type attribute
    /// (`OneHot`'s `dtype` is TensorFlow's `T`), keyed by the type attribute.
    public var importedTypeAttributes: [String: String]
    /// Whether TensorFlow's op outputs a scalar string where Lumen's outputs the serialized bytes
    /// (the summary ops); the exported `_output_shapes` says so.
    public var outputsSerializedSummary: Bool

    public init(
        typeAttributes: [String: TypeSource] = ["T": .input(0)],
        fixedAttributes: Attributes = [:],
        countsInputs: Bool = false,
        constantInputs: [ConstantInput] = [],
        constantInputsFirst: Bool = false,
        lumenOnlyAttributes: Set<String> = [],
        importDefaults: Attributes = [:],
        importedTypeAttributes: [String: String] = [:],
        outputsSerializedSummary: Bool = false
    ) {
        self.typeAttributes = typeAttributes
        self.fixedAttributes = fixedAttributes
        self.countsInputs = countsInputs
        self.constantInputs = constantInputs
        self.constantInputsFirst = constantInputsFirst
        self.lumenOnlyAttributes = lumenOnlyAttributes
        self.importDefaults = importDefaults
        self.importedTypeAttributes = importedTypeAttributes
        self.outputsSerializedSummary = outputsSerializedSummary
    }

    /// The attributes a Lumen-written `NodeDef` may hold with a leading underscore.
    var restorableAttributes: Set<String> { lumenOnlyAttributes.union(constantInputs.map(\.attribute)) }
}
