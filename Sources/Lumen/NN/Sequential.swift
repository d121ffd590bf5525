/// Modules applied one after another (PyTorch's `nn.Sequential`); its submodules are named by
/// position: `0`, `1`, … (so parameters are `0.weight`, `2.bias`, …).
///
/// ```swift
/// let model = Sequential(Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 10))
/// ```
open class Sequential: Module {
    /// The modules, in order.
    public private(set) var layers: [Module]

    /// A container running `layers` in order.
    public init(_ layers: [Module]) {
        self.layers = layers
        super.init()
    }

    /// A container running `layers` in order.
    public convenience init(_ layers: Module...) { self.init(layers) }

    /// The number of modules.
    public var count: Int { layers.count }

    /// The module at `index`.
    public subscript(index: Int) -> Module { layers[index] }

    /// Adds `module` at the end.
    public func append(_ module: Module) { layers.append(module) }

    open override func namedChildren() -> [(String, Module)] {
        let positional = layers.enumerated().map { ("\($0.offset)", $0.element) }
        // Submodules a subclass adds as properties of its own.
        return positional + super.namedChildren().filter { !$0.0.hasPrefix("layers.") }
    }

    open override func forward(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}
