/// What a ``Parameter`` or ``Buffer`` property holds: a ``Tensor``, or `Tensor?` for one that may be
/// absent (a layer built without a bias).
public protocol ModuleTensor: Sendable {
    /// The tensor, or `nil` when absent.
    var moduleTensor: Tensor? { get }
    /// This value with its tensor, if any, transformed by `transform`.
    func mapModuleTensor(_ transform: (Tensor) -> Tensor) -> Self
}

extension Tensor: ModuleTensor {
    public var moduleTensor: Tensor? { self }
    public func mapModuleTensor(_ transform: (Tensor) -> Tensor) -> Tensor { transform(self) }
}

extension Optional: ModuleTensor where Wrapped == Tensor {
    public var moduleTensor: Tensor? { self }
    public func mapModuleTensor(_ transform: (Tensor) -> Tensor) -> Tensor? { map(transform) }
}

/// A learnable tensor of a ``Module`` (PyTorch's `nn.Parameter`), found by ``Module/parameters()``.
///
/// ```swift
/// final class Scale: Module {
///     @Parameter var weight: Tensor
///     init(features: Int) {
///         self.weight = Tensor.ones([features])
///         super.init()
///     }
///     override func forward(_ x: Tensor) -> Tensor { x * weight }
/// }
/// ```
///
/// The stored tensor is a leaf that requires a gradient. A parameter keeps one identity for its
/// whole life, because optimizers hold the tensors ``Module/parameters()`` returned: assigning to a
/// parameter that already has a value writes the new elements into it in place
/// (``Tensor/overwrite(with:)``; the shape must match) rather than replacing it.
///
/// The parameter's name in ``Module/namedParameters()`` and ``Module/stateDict()`` is the property's
/// name, or `key` when given: `@Parameter(key: "in_proj_weight") var inputProjection: Tensor`.
@propertyWrapper
public struct Parameter<Value: ModuleTensor>: Sendable {
    private var value: Value?
    /// The name used in state dictionaries instead of the property's name, if any.
    public let key: String?

    /// A parameter holding `wrappedValue` (detached from any graph, requiring a gradient).
    public init(wrappedValue: Value, key: String? = nil) {
        self.value = wrappedValue.mapModuleTensor(Self.prepare)
        self.key = key
    }

    /// A parameter named `key`, assigned in the module's initializer after `super.init()`.
    public init(key: String) {
        self.value = nil
        self.key = key
    }

    /// The tensor. Assigning to a property that already holds one writes into it in place.
    public var wrappedValue: Value {
        get {
            guard let value else { preconditionFailure("parameter \(key ?? "") was read before it was assigned") }
            return value
        }
        set {
            value = ModuleTensorAssignment.assign(
                newValue, to: value, kind: "parameter", key: key, prepare: Self.prepare)
        }
    }

    /// Parameters are leaves that require a gradient.
    private static func prepare(_ tensor: Tensor) -> Tensor {
        precondition(tensor.dtype.isFloatingPoint, "a parameter must be floating point, not \(tensor.dtype)")
        return tensor.requiringGrad()
    }
}

/// A tensor of a ``Module`` that is state but not learned, such as batch normalization's running
/// statistics (PyTorch's `register_buffer`), found by ``Module/buffers()``.
///
/// Like a ``Parameter`` it keeps one identity: assigning to a buffer that already has a value writes
/// into it in place. A buffer that is not `persistent` is left out of ``Module/stateDict()``.
@propertyWrapper
public struct Buffer<Value: ModuleTensor>: Sendable {
    private var value: Value?
    /// The name used in state dictionaries instead of the property's name, if any.
    public let key: String?
    /// Whether the buffer is part of ``Module/stateDict()``.
    public let persistent: Bool

    /// A buffer holding `wrappedValue` (detached from any graph).
    public init(wrappedValue: Value, key: String? = nil, persistent: Bool = true) {
        self.value = wrappedValue.mapModuleTensor(\.detached)
        self.key = key
        self.persistent = persistent
    }

    /// A buffer named `key`, assigned in the module's initializer after `super.init()`.
    public init(key: String, persistent: Bool = true) {
        self.value = nil
        self.key = key
        self.persistent = persistent
    }

    /// The tensor. Assigning to a property that already holds one writes into it in place.
    public var wrappedValue: Value {
        get {
            guard let value else { preconditionFailure("buffer \(key ?? "") was read before it was assigned") }
            return value
        }
        set {
            value = ModuleTensorAssignment.assign(newValue, to: value, kind: "buffer", key: key, prepare: \.detached)
        }
    }
}

/// What reflection sees of a ``Parameter`` or ``Buffer`` property.
protocol ModuleTensorSlot {
    var slotTensor: Tensor? { get }
    var slotKey: String? { get }
    var isParameter: Bool { get }
    var isPersistent: Bool { get }
}

enum ModuleTensorAssignment {
    /// The first assignment stores `new`; later ones write into the existing tensor in place.
    static func assign<Value: ModuleTensor>(
        _ new: Value, to old: Value?, kind: String, key: String?, prepare: (Tensor) -> Tensor
    ) -> Value {
        guard let old else { return new.mapModuleTensor(prepare) }
        switch (old.moduleTensor, new.moduleTensor) {
        case (nil, _):
            return new.mapModuleTensor(prepare)
        case (.some(let existing), .some(let replacement)):
            precondition(
                existing.shape == replacement.shape,
                "cannot assign a tensor of shape \(Shape.describe(replacement.shape)) to \(key.map { "the \(kind) '\($0)'" } ?? "a \(kind)") of shape \(Shape.describe(existing.shape)): \(kind)s are updated in place"
            )
            noGrad { existing.overwrite(with: replacement) }
            return old
        case (.some, nil):
            preconditionFailure(
                "cannot remove the \(kind)\(key.map { " \($0)" } ?? ""): \(kind)s keep their identity once assigned")
        }
    }
}

extension Parameter: ModuleTensorSlot {
    var slotTensor: Tensor? { value?.moduleTensor }
    var slotKey: String? { key }
    var isParameter: Bool { true }
    var isPersistent: Bool { true }
}

extension Buffer: ModuleTensorSlot {
    var slotTensor: Tensor? { value?.moduleTensor }
    var slotKey: String? { key }
    var isParameter: Bool { false }
    var isPersistent: Bool { persistent }
}
