import Foundation
import LumenEvents

/// Why an embedding or a mesh can't be written.
public enum ProjectorWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The tensor's shape is wrong; `expected` says what would fit.
    case invalidShape(argument: String, shape: [Int], expected: String)
    /// Metadata rows don't match the points or the header.
    case invalidMetadata(String)
    /// The mesh config isn't a JSON object.
    case invalidConfig(String)
    /// An embedding was already written for this step and tag.
    case embeddingExists(path: String)
    /// A file couldn't be written.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case let .invalidShape(argument, shape, expected):
            "\(argument) has shape \(Shape.describe(shape)); expected \(expected)"
        case let .invalidMetadata(message): "metadata: \(message)"
        case let .invalidConfig(message): "config: \(message)"
        case let .embeddingExists(path):
            "an embedding was already written to '\(path)': use another step or tag (nothing was overwritten)"
        case let .io(path, message): "can't write '\(path)': \(message)"
        }
    }
}

extension SummaryWriter {
    // MARK: Embeddings

    /// Adds an embedding for the projector, in PyTorch's `add_embedding` layout: the rows of
    /// `matrix` go to `<logdir>/<step, 5 digits>/<tag>/tensors.tsv`, with `metadata.tsv` and
    /// `sprite.png` beside them when given, and an `embeddings` entry is appended to
    /// `<logdir>/projector_config.pbtxt` (earlier entries are kept).
    ///
    /// - Parameters:
    ///   - matrix: N × D, one row per point.
    ///   - metadata: N rows of labels: one value per row for a single column (written without a
    ///     header), or one value per column when `metadataHeader` names the columns.
    ///   - metadataHeader: The column names of multi-column metadata.
    ///   - labelImages: N × C × H × W images (C = 1 or 3, values in [0, 1] or uint8), packed into
    ///     a square sprite as PyTorch packs them.
    ///   - tag: The embedding's name (`/`, `\` and `%` are percent-encoded in the directory name).
    /// - Throws: ``ProjectorWriterError`` for a wrong shape, metadata that doesn't match, a step
    ///   and tag already written, or a file that can't be written.
    public func addEmbedding(
        _ matrix: Tensor, metadata: [[String]]? = nil, metadataHeader: [String]? = nil, labelImages: Tensor? = nil,
        tag: String = "default", step: Int = 0
    ) throws {
        guard matrix.rank == 2 else {
            throw ProjectorWriterError.invalidShape(argument: "matrix", shape: matrix.shape, expected: "N×D")
        }
        let n = matrix.shape[0], d = matrix.shape[1]
        if let metadata {
            guard metadata.count == n else {
                throw ProjectorWriterError.invalidMetadata("\(metadata.count) rows for \(n) points")
            }
            let columns = metadataHeader?.count ?? 1
            if let bad = metadata.firstIndex(where: { $0.count != columns }) {
                throw ProjectorWriterError.invalidMetadata(
                    "row \(bad) has \(metadata[bad].count) values; expected \(columns)")
            }
        } else if metadataHeader != nil {
            throw ProjectorWriterError.invalidMetadata("a header without metadata rows")
        }
        var sprite: [UInt8]?
        var cell = (width: 0, height: 0)
        if let labelImages {
            guard labelImages.rank == 4, labelImages.shape[0] == n, [1, 3].contains(labelImages.shape[1]) else {
                throw ProjectorWriterError.invalidShape(
                    argument: "labelImages", shape: labelImages.shape, expected: "\(n)×C×H×W with C = 1 or 3")
            }
            sprite = try Self.sprite(labelImages)
            cell = (labelImages.shape[3], labelImages.shape[2])
        }
        let subdirectory = String(format: "%05d", step) + "/" + Self.encodeTag(tag)
        let directory = logdir + "/" + subdirectory
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory + "/tensors.tsv") {
            throw ProjectorWriterError.embeddingExists(path: subdirectory)
        }
        do {
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ProjectorWriterError.io(path: directory, message: "\(error)")
        }
        if let metadata {
            var rows = metadata.map { $0.joined(separator: "\t") }
            if let metadataHeader { rows.insert(metadataHeader.joined(separator: "\t"), at: 0) }
            try Self.write(Array((rows.joined(separator: "\n") + "\n").utf8), to: directory + "/metadata.tsv")
        }
        if let sprite { try Self.write(sprite, to: directory + "/sprite.png") }
        let values = matrix.scalars(as: Float.self)
        var text = ""
        text.reserveCapacity(n * d * 12)
        for row in 0..<n {
            for column in 0..<d {
                if column > 0 { text += "\t" }
                text += "\(values[row * d + column])"
            }
            text += "\n"
        }
        try Self.write(Array(text.utf8), to: directory + "/tensors.tsv")

        var entry = "embeddings {\n"
        entry += "  tensor_name: \(Self.quoted(tag + ":" + String(format: "%05d", step)))\n"
        if metadata != nil { entry += "  metadata_path: \(Self.quoted(subdirectory + "/metadata.tsv"))\n" }
        entry += "  tensor_shape: \(n)\n  tensor_shape: \(d)\n"
        if sprite != nil {
            entry += "  sprite {\n    image_path: \(Self.quoted(subdirectory + "/sprite.png"))\n"
            entry += "    single_image_dim: \(cell.width)\n    single_image_dim: \(cell.height)\n  }\n"
        }
        entry += "  tensor_path: \(Self.quoted(subdirectory + "/tensors.tsv"))\n}\n"
        try Self.append(Array(entry.utf8), to: logdir + "/projector_config.pbtxt")
    }

    /// Adds an embedding with one label per point (a single metadata column, no header).
    public func addEmbedding(
        _ matrix: Tensor, metadata: [String], labelImages: Tensor? = nil, tag: String = "default", step: Int = 0
    ) throws {
        try addEmbedding(
            matrix, metadata: metadata.map { [$0] }, metadataHeader: nil, labelImages: labelImages, tag: tag, step: step
        )
    }

    /// PyTorch's directory name for a tag: `%`, `/` and `\` percent-encoded.
    static func encodeTag(_ tag: String) -> String {
        tag.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2f")
            .replacingOccurrences(of: "\\", with: "%5c")
    }

    /// A protobuf text-format string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case 0x20..<0x7F: out.unicodeScalars.append(UnicodeScalar(byte))
            default: out += "\\" + String(byte, radix: 8).leftPadded(to: 3)
            }
        }
        return out + "\""
    }

    /// The images as one square RGB sprite: ⌈√N⌉ per row, no padding, black below the last row.
    static func sprite(_ images: Tensor) throws -> [UInt8] {
        let count = images.shape[0]
        let columns = Int(Double(count).squareRoot().rounded(.up))
        let grid = try SummaryImage.grid(images, layout: .chw, columns: columns, padding: 0, padValue: 0)
        let side = grid.width
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for row in 0..<min(grid.height, side) {
            for column in 0..<grid.width {
                for channel in 0..<3 {
                    let source = (row * grid.width + column) * grid.channels + (grid.channels == 1 ? 0 : channel)
                    pixels[(row * side + column) * 3 + channel] = grid.pixels[source]
                }
            }
        }
        do {
            return try PNGEncoder.encode(pixels: pixels, width: side, height: side, colorType: .rgb)
        } catch {
            throw ProjectorWriterError.io(path: "sprite.png", message: "\(error)")
        }
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ProjectorWriterError.io(path: path, message: "the file can't be created")
        }
    }

    private static func append(_ bytes: [UInt8], to path: String) throws {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: path), !fileManager.createFile(atPath: path, contents: nil) {
            throw ProjectorWriterError.io(path: path, message: "the file can't be created")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw ProjectorWriterError.io(path: path, message: "\(error)")
        }
    }

    // MARK: Meshes

    /// Adds a mesh (or a point cloud, without faces) for the mesh plugin, as PyTorch's `add_mesh`
    /// and TensorBoard's `mesh` summary write it: one summary value per part under the tags
    /// `<tag>_VERTEX`, `<tag>_FACE` and `<tag>_COLOR`, each a tensor with the plugin's metadata.
    ///
    /// - Parameters:
    ///   - vertices: B × N × 3 (or N × 3) positions.
    ///   - faces: B × F × 3 (or F × 3) vertex indices of triangles.
    ///   - colors: B × N × 3 (or N × 3) RGB colours, 0–255.
    ///   - config: The scene configuration (camera, lights, material), as JSON-serializable values.
    /// - Throws: ``ProjectorWriterError`` for a wrong shape or a config that isn't a JSON object.
    public func addMesh(
        _ tag: String, vertices: Tensor, faces: Tensor? = nil, colors: Tensor? = nil, config: [String: Any]? = nil,
        step: Int = 0, wallTime: Double? = nil
    ) throws {
        func batched(_ tensor: Tensor, _ argument: String) throws -> [Int] {
            let shape = tensor.rank == 2 ? [1] + tensor.shape : tensor.shape
            guard shape.count == 3, shape[2] == 3 else {
                throw ProjectorWriterError.invalidShape(
                    argument: argument, shape: tensor.shape, expected: "B×N×3 or N×3")
            }
            return shape
        }
        let vertexShape = try batched(vertices, "vertices")
        var parts: [(content: Int, tensor: TensorProto, shape: [Int])] = []
        parts.append((1, Self.tensorProto(vertices.scalars(as: Float.self), shape: vertexShape), vertexShape))
        if let faces {
            let shape = try batched(faces, "faces")
            guard shape[0] == vertexShape[0] else {
                throw ProjectorWriterError.invalidShape(
                    argument: "faces", shape: faces.shape, expected: "\(vertexShape[0])×F×3")
            }
            parts.append((2, Self.tensorProto(faces.scalars(as: Int32.self), shape: shape), shape))
        }
        if let colors {
            let shape = try batched(colors, "colors")
            guard shape[0] == vertexShape[0], shape[1] == vertexShape[1] else {
                throw ProjectorWriterError.invalidShape(
                    argument: "colors", shape: colors.shape, expected: "\(vertexShape[0])×\(vertexShape[1])×3")
            }
            let values = colors.doubles.map { UInt8(clamping: Int($0.rounded())) }
            parts.append((3, Self.tensorProto(values, shape: shape), shape))
        }
        var json = ""
        if let config {
            guard JSONSerialization.isValidJSONObject(config),
                let data = try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
            else {
                throw ProjectorWriterError.invalidConfig("not JSON-serializable")
            }
            json = String(decoding: data, as: UTF8.self)
        }
        let components = parts.reduce(0) { $0 | (1 << $1.content) }
        let names = [1: "VERTEX", 2: "FACE", 3: "COLOR"]
        let values = parts.map { part -> Summary.Value in
            var value = Summary.Value()
            value.tag = tag + "_" + (names[part.content] ?? "")
            value.metadata = SummaryMetadata.plugin(
                name: "mesh",
                content: Data(
                    MeshPluginContent.serialize(
                        name: tag, content: part.content, jsonConfig: json, shape: part.shape, components: components)))
            value.metadata.displayName = tag
            value.tensor = part.tensor
            return value
        }
        addSummary(Summary(values: values), step: step, wallTime: wallTime)
    }

    private static func tensorProto<T: FixedWidthInteger>(_ values: [T], shape: [Int]) -> TensorProto {
        var proto = TensorProto()
        proto.dtype = T.self == UInt8.self ? .dtUint8 : .dtInt32
        proto.tensorShape = shapeProto(shape)
        var bytes = Data(capacity: values.count * MemoryLayout<T>.size)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        proto.tensorContent = bytes
        return proto
    }

    private static func tensorProto(_ values: [Float], shape: [Int]) -> TensorProto {
        var proto = TensorProto()
        proto.dtype = .dtFloat
        proto.tensorShape = shapeProto(shape)
        var bytes = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        proto.tensorContent = bytes
        return proto
    }

    private static func shapeProto(_ shape: [Int]) -> TensorShapeProto {
        var proto = TensorShapeProto()
        proto.dim = shape.map { size in
            var dim = TensorShapeProto.Dim()
            dim.size = Int64(size)
            return dim
        }
        return proto
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
