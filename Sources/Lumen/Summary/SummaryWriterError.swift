/// A mistake in what was handed to a ``SummaryWriter``.
public enum SummaryWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An image tensor's shape does not fit its layout; `expected` says what would.
    case invalidImageShape(shape: [Int], expected: String)
    /// An image tensor's dtype is not numeric.
    case invalidImageDType(DType)
    /// An audio tensor is not `[frames]` or `[frames, channels]` with at least one channel.
    case invalidAudioShape(shape: [Int])

    public var description: String {
        switch self {
        case let .invalidImageShape(shape, expected):
            "an image tensor of shape \(Shape.describe(shape)) does not fit: expected \(expected)"
        case let .invalidImageDType(dtype):
            "an image tensor must be floating-point in [0, 1] or uint8, not \(dtype)"
        case let .invalidAudioShape(shape):
            "an audio tensor of shape \(Shape.describe(shape)) does not fit: expected [frames] or [frames, channels] with 1 channel or more"
        }
    }
}
