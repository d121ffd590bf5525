/// The base class of neural-network layers and models (PyTorch's `nn.Module`).
///
/// A module has reference semantics. Subclasses declare their learnable tensors with ``Parameter``,
/// their non-learned state with ``Buffer``, and their sublayers as ordinary stored properties — a
/// module, an optional module, an array of modules or a `[String: Module]` dictionary — and
/// override ``forward(_:)``. Reflection finds them all, so ``parameters()``, ``stateDict()``,
/// ``train(_:)`` and the rest need no registration:
///
/// ```swift
/// final class MLP: Module {
///     let fc1 = Linear(inFeatures: 784, outFeatures: 256)
///     let fc2 = Linear(inFeatures: 256, outFeatures: 10)
///     override func forward(_ x: Tensor) -> Tensor { fc2(fc1(x).relu()) }
/// }
/// let model = MLP()
/// model.namedParameters().map(\.0)   // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
/// ```
///
/// Names are joined with dots, array elements are named by their index (`layers.0.weight`) and
/// dictionary entries by their key. Parameters and buffers keep their identity for the module's life:
/// optimizers and ``load(stateDict:strict:)`` update them in place with ``Tensor/overwrite(with:)``.
open class Module: CustomStringConvertible {
    /// Whether the module is in training mode (the default) rather than evaluation mode; layers such
    /// as ``Dropout`` and ``BatchNorm`` behave differently in each. Set by ``train(_:)`` and ``eval()``.
    public private(set) var isTraining = true

    /// A module in training mode.
    public init() {}

    /// Computes the module's output. Subclasses override this; call the module itself instead.
    open func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)) must override forward(_:)")
    }

    /// Runs ``forward(_:)``.
    public final func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

    // MARK: Submodules

    /// The direct submodules with their names. By default, every stored property that holds a module,
    /// an optional module, an array of modules (named by index) or a dictionary of modules (named by
    /// key, in key order), in declaration order, superclass properties first. Override to name
    /// submodules differently, as ``Sequential`` does.
    open func namedChildren() -> [(String, Module)] { reflectedMembers().children }

    /// The direct submodules.
    public final func children() -> [Module] { namedChildren().map(\.1) }

    /// This module (named `""`) and every module below it, each once, parents before children.
    public final func namedModules() -> [(String, Module)] {
        var result: [(String, Module)] = []
        var seen: Set<ObjectIdentifier> = []
        func visit(_ module: Module, _ name: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((name, module))
            for (childName, child) in module.namedChildren() {
                visit(child, name.isEmpty ? childName : name + "." + childName)
            }
        }
        visit(self, "")
        return result
    }

    /// This module and every module below it, each once.
    public final func modules() -> [Module] { namedModules().map(\.1) }

    // MARK: Parameters and buffers

    /// Every parameter of this module and its submodules with its dotted name (`fc1.weight`), each
    /// parameter once even when shared.
    public final func namedParameters() -> [(String, Tensor)] {
        collectTensors(removingDuplicates: true) { $0.isParameter }
    }

    /// Every parameter of this module and its submodules, each once: what an optimizer is given.
    public final func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Every buffer of this module and its submodules with its dotted name, each once.
    public final func namedBuffers() -> [(String, Tensor)] {
        collectTensors(removingDuplicates: true) { !$0.isParameter }
    }

    /// Every buffer of this module and its submodules, each once.
    public final func buffers() -> [Tensor] { namedBuffers().map(\.1) }

    /// Clears the gradient of every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public final func zeroGrad() {
        for parameter in parameters() { parameter.zeroGrad() }
    }

    // MARK: Modes

    /// Puts this module and every submodule in training mode (`true`) or evaluation mode.
    @discardableResult
    open func train(_ mode: Bool = true) -> Self {
        isTraining = mode
        for child in children() { child.train(mode) }
        return self
    }

    /// Puts this module and every submodule in evaluation mode: `train(false)`.
    @discardableResult
    public final func eval() -> Self { train(false) }

    // MARK: State

    /// Every parameter and persistent buffer by dotted name, detached from autograd but sharing
    /// storage (a tensor shared by two submodules appears under both names), as PyTorch names them.
    public final func stateDict() -> [String: Tensor] {
        Dictionary(stateEntries().map { ($0.0, $0.1.detached) }, uniquingKeysWith: { first, _ in first })
    }

    /// Copies `stateDict`'s tensors into this module's parameters and buffers of the same names, in
    /// place, converting dtypes (PyTorch's `load_state_dict`).
    ///
    /// Nothing is written unless the load succeeds.
    /// - Parameter strict: When `true`, keys of the module missing from `stateDict` and keys of
    ///   `stateDict` the module does not have are an error.
    /// - Returns: The module's keys that `stateDict` lacks and the keys of `stateDict` the module
    ///   lacks, sorted.
    /// - Throws: ``ModuleError/shapeMismatch(key:expected:got:)`` when a tensor's shape differs from
    ///   the module's (strict or not); ``ModuleError/keyMismatch(missingKeys:unexpectedKeys:)`` in
    ///   strict mode.
    @discardableResult
    public final func load(stateDict: [String: Tensor], strict: Bool = true) throws
        -> (missingKeys: [String], unexpectedKeys: [String])
    {
        let own = stateEntries()
        var missing: [String] = []
        var assignments: [(target: Tensor, value: Tensor)] = []
        for (key, target) in own {
            guard let value = stateDict[key] else {
                missing.append(key)
                continue
            }
            guard value.shape == target.shape else {
                throw ModuleError.shapeMismatch(key: key, expected: target.shape, got: value.shape)
            }
            assignments.append((target, value))
        }
        let ownKeys = Set(own.map(\.0))
        let unexpected = stateDict.keys.filter { !ownKeys.contains($0) }.sorted()
        missing = Array(Set(missing)).sorted()
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            throw ModuleError.keyMismatch(missingKeys: missing, unexpectedKeys: unexpected)
        }
        noGrad {
            for (target, value) in assignments { target.overwrite(with: value.detached) }
        }
        return (missing, unexpected)
    }

    /// Parameters and persistent buffers under every name they are reachable by.
    final func stateEntries() -> [(String, Tensor)] {
        collectTensors(removingDuplicates: false) { $0.isParameter || $0.isPersistent }
    }

    // MARK: Description

    /// The module's settings for ``description``, as `name: value` pairs joined by commas; empty by
    /// default. Layers override it: `Linear` gives `inFeatures: 784, outFeatures: 256, bias: true`.
    open var extraDescription: String { "" }

    /// The module's type and settings, and its submodules indented below (like PyTorch's `repr`).
    public var description: String {
        let name = String(describing: type(of: self))
        let children = namedChildren()
        if children.isEmpty { return "\(name)(\(extraDescription))" }
        var lines = ["\(name)(" + (extraDescription.isEmpty ? "" : extraDescription)]
        for (childName, child) in children {
            let text = child.description.split(separator: "\n", omittingEmptySubsequences: false).joined(
                separator: "\n  ")
            lines.append("  (\(childName)): \(text)")
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }

    // MARK: Reflection

    /// The parameter and buffer properties and the submodules that reflection finds.
    final func reflectedMembers() -> (tensors: [(String, any ModuleTensorSlot)], children: [(String, Module)]) {
        var mirrors: [Mirror] = []
        var next: Mirror? = Mirror(reflecting: self)
        while let mirror = next {
            mirrors.append(mirror)
            next = mirror.superclassMirror
        }
        var tensors: [(String, any ModuleTensorSlot)] = []
        var children: [(String, Module)] = []
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                let value = child.value
                if let slot = value as? any ModuleTensorSlot {
                    // A property wrapper's storage is named `_property`.
                    let name = slot.slotKey ?? (label.hasPrefix("_") ? String(label.dropFirst()) : label)
                    tensors.append((name, slot))
                } else if let module = value as? Module {
                    children.append((label, module))
                } else if let array = value as? [Module] {
                    for (index, module) in array.enumerated() { children.append(("\(label).\(index)", module)) }
                } else if let dictionary = value as? [String: Module] {
                    for key in dictionary.keys.sorted() { children.append(("\(label).\(key)", dictionary[key]!)) }
                }
            }
        }
        return (tensors, children)
    }

    /// The tensors of the slots that `include` selects, in this module and below, with dotted names.
    private func collectTensors(removingDuplicates: Bool, _ include: (any ModuleTensorSlot) -> Bool) -> [(
        String, Tensor
    )] {
        var result: [(String, Tensor)] = []
        var seenModules: Set<ObjectIdentifier> = []
        var seenTensors: Set<ObjectIdentifier> = []
        var path: Set<ObjectIdentifier> = []
        func visit(_ module: Module, _ prefix: String) {
            let id = ObjectIdentifier(module)
            if removingDuplicates {
                guard seenModules.insert(id).inserted else { return }
            }
            guard path.insert(id).inserted else { return }  // a cycle
            defer { path.remove(id) }
            for (name, slot) in module.reflectedMembers().tensors where include(slot) {
                guard let tensor = slot.slotTensor else { continue }
                if removingDuplicates {
                    let identity = tensor.autograd.map { ObjectIdentifier($0) } ?? ObjectIdentifier(tensor.storage)
                    guard seenTensors.insert(identity).inserted else { continue }
                }
                result.append((prefix + name, tensor))
            }
            for (name, child) in module.namedChildren() { visit(child, prefix + name + ".") }
        }
        visit(self, "")
        return result
    }
}
