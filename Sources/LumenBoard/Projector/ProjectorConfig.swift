import Foundation

/// A run's `projector_config.pbtxt` (TensorBoard's `ProjectorConfig` message), read from protobuf
/// text format. Field names are the proto's; an unknown field or a value of the wrong kind is an
/// error naming its line, as in `text_format.Parse`.
public struct ProjectorConfig: Sendable, Equatable {
    /// The name of the file the projector reads in a run's directory.
    public static let fileName = "projector_config.pbtxt"

    /// One `embeddings` entry (`EmbeddingInfo`).
    public struct Embedding: Sendable, Equatable {
        public var tensorName = ""
        public var metadataPath = ""
        public var bookmarksPath = ""
        public var tensorShape: [Int] = []
        public var tensorPath = ""
        public var sprite: Sprite?
        /// The line of the file the entry starts on.
        public var line = 0

        /// The name the board and TensorBoard give it: `tensor_name`, else the file name of `tensor_path`.
        public var name: String {
            if !tensorName.isEmpty { return tensorName }
            return (tensorPath as NSString).lastPathComponent
        }
    }

    /// `SpriteMetadata`: the sprite image and the size of one cell.
    public struct Sprite: Sendable, Equatable {
        public var imagePath = ""
        public var singleImageDim: [Int] = []
    }

    public var modelCheckpointPath = ""
    public var modelCheckpointDir = ""
    public var embeddings: [Embedding] = []

    public init() {}

    /// Parses the text of a `projector_config.pbtxt`.
    public init(parsing text: String) throws(TextProtoError) {
        let message = try TextProtoParser.parse(text)
        for field in message.fields {
            switch field.name {
            case "model_checkpoint_path": modelCheckpointPath = try Self.string(field)
            case "model_checkpoint_dir": modelCheckpointDir = try Self.string(field)
            case "embeddings": embeddings.append(try Self.embedding(field))
            default: throw Self.unknown(field, in: "ProjectorConfig")
            }
        }
    }

    private static func embedding(_ field: TextProtoMessage.Field) throws(TextProtoError) -> Embedding {
        var out = Embedding(line: field.line)
        for inner in try message(field).fields {
            switch inner.name {
            case "tensor_name": out.tensorName = try string(inner)
            case "metadata_path": out.metadataPath = try string(inner)
            case "bookmarks_path": out.bookmarksPath = try string(inner)
            case "tensor_path": out.tensorPath = try string(inner)
            case "tensor_shape": out.tensorShape.append(try unsigned(inner))
            case "sprite":
                var sprite = Sprite()
                for s in try message(inner).fields {
                    switch s.name {
                    case "image_path": sprite.imagePath = try string(s)
                    case "single_image_dim": sprite.singleImageDim.append(try unsigned(s))
                    default: throw unknown(s, in: "SpriteMetadata")
                    }
                }
                out.sprite = sprite
            default: throw unknown(inner, in: "EmbeddingInfo")
            }
        }
        return out
    }

    private static func unknown(_ field: TextProtoMessage.Field, in type: String) -> TextProtoError {
        TextProtoError(line: field.line, message: "\(type) has no field named '\(field.name)'")
    }

    private static func message(_ field: TextProtoMessage.Field) throws(TextProtoError) -> TextProtoMessage {
        guard case .message(let m) = field.value else {
            throw TextProtoError(line: field.line, message: "'\(field.name)' is a message: expected '{' after it")
        }
        return m
    }

    private static func string(_ field: TextProtoMessage.Field) throws(TextProtoError) -> String {
        guard case .string(let s) = field.value else {
            throw TextProtoError(line: field.line, message: "'\(field.name)' must be a quoted string")
        }
        return s
    }

    private static func unsigned(_ field: TextProtoMessage.Field) throws(TextProtoError) -> Int {
        guard case .token(let t) = field.value,
            let value = UInt32(t) ?? (t.hasPrefix("0x") ? UInt32(t.dropFirst(2), radix: 16) : nil)
        else {
            throw TextProtoError(line: field.line, message: "'\(field.name)' must be an unsigned 32-bit integer")
        }
        return Int(value)
    }
}
