import CZlib

/// Encodes 8-bit images as PNG: signature, `IHDR`, one `IDAT` (zlib deflate), `IEND`, each chunk
/// with its CRC-32 (zlib's).
///
/// Rows use filter type 1 (Sub) or 2 (Up), whichever gives the smaller sum of absolute values —
/// PNG's recommended heuristic — or 0 (None) when that is smaller still.
public enum PNGEncoder {
    /// The pixel layouts the encoder writes.
    public enum ColorType: Int, Sendable, CaseIterable {
        /// One byte per pixel.
        case grayscale = 0
        /// Three bytes per pixel: red, green, blue.
        case rgb = 2
        /// Four bytes per pixel: red, green, blue, alpha (not premultiplied).
        case rgba = 6

        /// Bytes per pixel.
        public var channels: Int {
            switch self {
            case .grayscale: 1
            case .rgb: 3
            case .rgba: 4
            }
        }

        /// The color type with `channels` bytes per pixel (1, 3 or 4), or `nil`.
        public init?(channels: Int) {
            switch channels {
            case 1: self = .grayscale
            case 3: self = .rgb
            case 4: self = .rgba
            default: return nil
            }
        }
    }

    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Returns the PNG file of `pixels`, row-major, `height` rows of `width` pixels of
    /// `colorType.channels` bytes each, top row first.
    ///
    /// - Parameter level: The deflate level, 0 through 9.
    /// - Throws: ``ZlibError`` if compression fails.
    public static func encode(
        pixels: [UInt8], width: Int, height: Int, colorType: ColorType, level: Int = 6
    ) throws -> [UInt8] {
        precondition(width > 0 && height > 0, "a PNG is at least 1×1, not \(width)×\(height)")
        precondition(
            width <= Int(Int32.max) && height <= Int(Int32.max), "a PNG is at most 2^31-1 pixels wide and high")
        let rowLength = width * colorType.channels
        precondition(
            pixels.count == rowLength * height,
            "\(width)×\(height) \(colorType) pixels are \(rowLength * height) bytes, not \(pixels.count)")
        let filtered = filterRows(pixels, rowLength: rowLength, height: height, bytesPerPixel: colorType.channels)

        var png = signature
        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        // bit depth, color type, deflate, adaptive filters, no interlace
        header += [8, UInt8(colorType.rawValue), 0, 0, 0]
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", try deflated(filtered, level: level), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Each row preceded by its filter-type byte.
    private static func filterRows(_ pixels: [UInt8], rowLength: Int, height: Int, bytesPerPixel: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: (rowLength + 1) * height)
        var candidates = [[UInt8]](repeating: [UInt8](repeating: 0, count: rowLength), count: 3)
        for row in 0..<height {
            let start = row * rowLength
            var costs = [Int](repeating: 0, count: 3)
            for index in 0..<rowLength {
                let value = pixels[start + index]
                let left = index >= bytesPerPixel ? pixels[start + index - bytesPerPixel] : 0
                let up = row > 0 ? pixels[start + index - rowLength] : 0
                let sub = value &- left, upFiltered = value &- up
                candidates[0][index] = value
                candidates[1][index] = sub
                candidates[2][index] = upFiltered
                costs[0] += Int(Int8(bitPattern: value).magnitude)
                costs[1] += Int(Int8(bitPattern: sub).magnitude)
                costs[2] += Int(Int8(bitPattern: upFiltered).magnitude)
            }
            var best = 0
            for filter in 1..<3 where costs[filter] < costs[best] { best = filter }
            let outputStart = row * (rowLength + 1)
            output[outputStart] = UInt8(best)
            output.replaceSubrange((outputStart + 1)...(outputStart + rowLength), with: candidates[best])
        }
        return output
    }

    /// `bytes` as a zlib stream (RFC 1950), as `IDAT` holds it.
    private static func deflated(_ bytes: [UInt8], level: Int) throws -> [UInt8] {
        var bound = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(bound))
        let code = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                compress2(out.baseAddress, &bound, input.baseAddress, uLong(input.count), Int32(level))
            }
        }
        guard code == Z_OK else {
            throw code == Z_MEM_ERROR
                ? ZlibError.outOfMemory : ZlibError.unexpectedResult(code: code, message: "compress2 failed")
        }
        output.removeSubrange(Int(bound)...)
        return output
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &png)
        let typeBytes = Array(type.utf8)
        var crc = typeBytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        crc = data.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
        png += typeBytes
        png += data
        appendBigEndian(UInt32(truncatingIfNeeded: crc), to: &png)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
