extension Tensor {
    /// Whether gradients flow to this tensor. Setting it makes the tensor a leaf whose ``grad``
    /// accumulates in ``backward(gradient:retainGraph:)``. Copies share the setting and the gradient.
    public var requiresGrad: Bool {
        get { autograd?.requiresGrad ?? false }
        set {
            if let autograd {
                precondition(autograd.isLeaf || newValue, AutogradError.notALeaf.description)
                autograd.requiresGrad = newValue
            } else if newValue {
                precondition(dtype.isFloatingPoint, "only floating-point tensors can require gradients, not \(dtype)")
                autograd = AutogradState(requiresGrad: true)
            }
        }
    }

    /// A leaf copy of this tensor (sharing storage) that requires a gradient.
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        var leaf = detached
        leaf.requiresGrad = flag
        return leaf
    }

    /// The gradient accumulated by backward passes, for a leaf that requires one.
    public var grad: Tensor? {
        get { autograd?.grad }
        nonmutating set { autograd?.grad = newValue }
    }

    /// Clears the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { autograd?.grad = nil }

    /// `true` for tensors not produced by a recorded op.
    public var isLeaf: Bool { autograd?.isLeaf ?? true }

    /// The same values, cut off from the tape (sharing storage).
    public var detached: Tensor { Tensor(storage: storage, shape: shape, dtype: dtype) }

    /// The same values, cut off from the tape (PyTorch's `detach()`).
    public func detach() -> Tensor { detached }

    /// Computes the gradients of this tensor with respect to every leaf that requires one, adding
    /// them to the leaves' ``grad``. A non-scalar output needs `gradient`. The recorded graph is freed
    /// afterwards unless `retainGraph` is set; a second backward through a freed graph is an error.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        try Autograd.backward(self, gradient: gradient, retainGraph: retainGraph)
    }
}

extension Tensor {
    /// Overwrites this tensor's elements in place with `value`'s, in the storage that every copy of
    /// this tensor shares: how optimizers update parameters and `load(stateDict:)` fills them
    /// (PyTorch's `param.copy_(value)` under `no_grad`). Shapes must match; `value` is converted to
    /// this tensor's dtype. Not recorded for autograd.
    public func overwrite(with value: Tensor) {
        precondition(
            value.shape == shape,
            "overwrite(with:) needs shape \(Shape.describe(shape)), got \(Shape.describe(value.shape))")
        let source = value.dtype == dtype ? value : value.cast(to: dtype)
        if source.storage === storage { return }
        storage.bytes.copyMemory(from: source.storage.bytes, byteCount: byteCount)
    }
}
