/// How the dimensions of one image tensor are ordered. A rank-2 tensor is always height × width
/// (grayscale); image batches add a leading batch dimension to either layout.
public enum ImageLayout: Sendable, Hashable {
    /// Channels, height, width (PyTorch's `CHW`).
    case chw
    /// Height, width, channels (TensorFlow's `HWC`).
    case hwc
}
