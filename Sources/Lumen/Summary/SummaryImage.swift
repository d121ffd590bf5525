/// 8-bit pixels of one image, row-major, channels last: what ``PNGEncoder`` takes.
struct SummaryImage {
    var pixels: [UInt8]
    var height: Int
    var width: Int
    var channels: Int

    /// The image in `tensor`: rank 2 (`H×W`), or rank 3 in `layout` with 1, 3 or 4 channels.
    /// Floating-point values are taken as `[0, 1]` and scaled by 255 (clipped, then truncated, as
    /// PyTorch does); integer values are taken as `0...255` and clipped.
    init(_ tensor: Tensor, layout: ImageLayout) throws {
        let values = try Self.bytes(tensor)
        switch tensor.rank {
        case 2:
            self.init(pixels: values, height: tensor.shape[0], width: tensor.shape[1], channels: 1)
        case 3:
            let expected = layout == .chw ? "C×H×W with C = 1, 3 or 4" : "H×W×C with C = 1, 3 or 4"
            let channels = layout == .chw ? tensor.shape[0] : tensor.shape[2]
            guard [1, 3, 4].contains(channels) else {
                throw SummaryWriterError.invalidImageShape(shape: tensor.shape, expected: expected)
            }
            if layout == .hwc {
                self.init(pixels: values, height: tensor.shape[0], width: tensor.shape[1], channels: channels)
            } else {
                let height = tensor.shape[1], width = tensor.shape[2], plane = height * width
                var pixels = [UInt8](repeating: 0, count: values.count)
                for channel in 0..<channels {
                    for index in 0..<plane {
                        pixels[index * channels + channel] = values[channel * plane + index]
                    }
                }
                self.init(pixels: pixels, height: height, width: width, channels: channels)
            }
        default:
            throw SummaryWriterError.invalidImageShape(
                shape: tensor.shape, expected: layout == .chw ? "H×W or C×H×W" : "H×W or H×W×C")
        }
        guard height > 0 && width > 0 else {
            throw SummaryWriterError.invalidImageShape(shape: tensor.shape, expected: "at least one pixel")
        }
    }

    init(pixels: [UInt8], height: Int, width: Int, channels: Int) {
        self.pixels = pixels
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// The images of a batch (`N` first, then `layout`) in a grid like torchvision's `make_grid`:
    /// up to `columns` per row, `padding` pixels of `padValue` around and between them.
    static func grid(_ batch: Tensor, layout: ImageLayout, columns: Int, padding: Int, padValue: UInt8) throws
        -> SummaryImage
    {
        guard batch.rank == 4, batch.shape[0] > 0 else {
            throw SummaryWriterError.invalidImageShape(
                shape: batch.shape, expected: layout == .chw ? "N×C×H×W with N ≥ 1" : "N×H×W×C with N ≥ 1")
        }
        precondition(columns > 0 && padding >= 0, "a grid needs columns ≥ 1 and padding ≥ 0")
        let count = batch.shape[0]
        // Split the batch into images, each converted on its own.
        let perImage = batch.count / count
        let values = try bytes(batch)
        let imageShape = Array(batch.shape.dropFirst())
        var images: [SummaryImage] = []
        for index in 0..<count {
            let slice = Array(values[(index * perImage)..<((index + 1) * perImage)])
            images.append(try SummaryImage(Tensor(slice, shape: imageShape), layout: layout))
        }
        let first = images[0]
        let gridColumns = min(columns, count), gridRows = (count + gridColumns - 1) / gridColumns
        let cellHeight = first.height + padding, cellWidth = first.width + padding
        let height = gridRows * cellHeight + padding, width = gridColumns * cellWidth + padding
        let channels = first.channels
        var pixels = [UInt8](repeating: padValue, count: height * width * channels)
        if channels == 4 {
            // Opaque padding.
            for pixel in 0..<(height * width) { pixels[pixel * 4 + 3] = 255 }
        }
        for (index, image) in images.enumerated() {
            let top = (index / gridColumns) * cellHeight + padding
            let left = (index % gridColumns) * cellWidth + padding
            let rowLength = image.width * channels
            for row in 0..<image.height {
                let destination = ((top + row) * width + left) * channels
                pixels.replaceSubrange(
                    destination..<(destination + rowLength),
                    with: image.pixels[(row * rowLength)..<((row + 1) * rowLength)])
            }
        }
        return SummaryImage(pixels: pixels, height: height, width: width, channels: channels)
    }

    /// The elements of `tensor` as 8-bit values.
    private static func bytes(_ tensor: Tensor) throws -> [UInt8] {
        switch tensor.dtype {
        case .uint8:
            return tensor.scalars(as: UInt8.self)
        case .float32:
            return tensor.withUnsafeBufferPointer(as: Float.self) { values in
                values.map { UInt8(Swift.min(Swift.max(($0 * 255).isNaN ? 0 : $0 * 255, 0), 255)) }
            }
        case .float64:
            return tensor.withUnsafeBufferPointer(as: Double.self) { values in
                values.map { UInt8(Swift.min(Swift.max(($0 * 255).isNaN ? 0 : $0 * 255, 0), 255)) }
            }
        case .int32, .int64:
            return tensor.doubles.map { UInt8(Swift.min(Swift.max($0, 0), 255)) }
        case .bool:
            throw SummaryWriterError.invalidImageDType(tensor.dtype)
        }
    }
}
