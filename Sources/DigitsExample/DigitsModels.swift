import Lumen

/// The example's two models.
public enum DigitsModel: String, Sendable, CaseIterable {
    /// 64 → 256 → ReLU → 256 → ReLU → 10.
    case mlp
    /// Conv 1→16 (3×3, same) → ReLU → Conv 16→32 → ReLU → MaxPool 2 → Flatten → Linear 512→10.
    case cnn

    /// A freshly initialized network (PyTorch's default initializations) drawing from `generator`.
    public func make(generator: inout RandomGenerator) -> Sequential {
        switch self {
        case .mlp:
            Sequential(
                Linear(inFeatures: 64, outFeatures: 256, generator: &generator), ReLU(),
                Linear(inFeatures: 256, outFeatures: 256, generator: &generator), ReLU(),
                Linear(inFeatures: 256, outFeatures: 10, generator: &generator))
        case .cnn:
            Sequential(
                Conv2d(
                    inChannels: 1, outChannels: 16, kernelSize: (3, 3), padding: .symmetric(1, 1), generator: &generator
                ), ReLU(),
                Conv2d(
                    inChannels: 16, outChannels: 32, kernelSize: (3, 3), padding: .symmetric(1, 1),
                    generator: &generator), ReLU(),
                MaxPool2d(kernelSize: (2, 2)), Flatten(),
                Linear(inFeatures: 512, outFeatures: 10, generator: &generator))
        }
    }

    /// The model's input layout for a batch of flat 64-pixel rows.
    public func prepare(_ inputs: Tensor) -> Tensor {
        switch self {
        case .mlp: inputs
        case .cnn: inputs.reshaped([inputs.shape[0], 1, 8, 8])
        }
    }
}
