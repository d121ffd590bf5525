import Foundation
import Synchronization

/// What a run's `projector_config.pbtxt` offers: its embeddings with their files resolved, and the
/// problems found reading the config (reported in `/api/status`; the rest of the run still loads).
public struct ProjectorIndex: Sendable {
    /// One embedding the board can serve: a tensor file, and optional metadata and sprite files.
    public struct Embedding: Sendable {
        public var name: String
        /// Absolute paths.
        public var tensorPath: String
        public var metadataPath: String?
        public var spritePath: String?
        /// `tensor_shape` of the config (`[]` if absent).
        public var declaredShape: [Int]
        public var singleImageDim: [Int]
    }

    /// The config file's path.
    public var configPath: String
    public var embeddings: [Embedding] = []
    public var problems: [String] = []

    /// Whether the run has an embedding to show.
    public var hasEmbeddings: Bool { !embeddings.isEmpty }

    /// The embedding named `name`.
    public func embedding(named name: String) -> Embedding? { embeddings.first { $0.name == name } }

    /// Reads `directory/projector_config.pbtxt`; `nil` if the directory has none. Paths in the
    /// config are relative to the config's directory (or absolute), as TensorBoard resolves them.
    public static func load(directory: String) -> ProjectorIndex? {
        let path = (directory as NSString).appendingPathComponent(ProjectorConfig.fileName)
        guard let stamp = FileStamp(path: path) else { return nil }
        if let cached = cache.withLock({ $0[path] }), cached.stamp == stamp { return cached.index }
        let index = read(path: path, directory: directory)
        cache.withLock { $0[path] = (stamp, index) }
        return index
    }

    private static let cache = Mutex([String: (stamp: FileStamp, index: ProjectorIndex)]())

    private static func read(path: String, directory: String) -> ProjectorIndex {
        var index = ProjectorIndex(configPath: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            index.problems.append("\(ProjectorConfig.fileName) can't be read")
            return index
        }
        guard let text = String(data: data, encoding: .utf8) else {
            index.problems.append("\(ProjectorConfig.fileName) is not UTF-8 text")
            return index
        }
        let config: ProjectorConfig
        do {
            config = try ProjectorConfig(parsing: text)
        } catch {
            index.problems.append("\(ProjectorConfig.fileName) \(error)")
            return index
        }
        // As TensorBoard does, a path may not lead outside the config's directory.
        let base = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardized.path
        func resolve(_ relative: String, line: Int) -> String? {
            let candidate = relative.hasPrefix("/") ? relative : base + "/" + relative
            let resolved = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().standardized.path
            guard resolved.hasPrefix(base + "/") else {
                index.problems.append(
                    "\(ProjectorConfig.fileName) line \(line): the path '\(relative)' leads outside the config's directory"
                )
                return nil
            }
            return resolved
        }
        for var entry in config.embeddings {
            // TensorBoard drops a variable name's ":0" output suffix.
            if entry.tensorName.hasSuffix(":0") { entry.tensorName.removeLast(2) }
            guard !entry.tensorPath.isEmpty else {
                let variable = entry.tensorName.isEmpty ? "(unnamed)" : entry.tensorName
                let checkpoint =
                    config.modelCheckpointPath.isEmpty ? "" : " of checkpoint '\(config.modelCheckpointPath)'"
                index.problems.append(
                    "\(ProjectorConfig.fileName) line \(entry.line): embedding '\(variable)' is the TensorFlow checkpoint variable '\(variable)'\(checkpoint); the board reads embeddings from tensor files (tensor_path) only"
                )
                continue
            }
            if index.embeddings.contains(where: { $0.name == entry.name }) {
                index.problems.append(
                    "\(ProjectorConfig.fileName) line \(entry.line): a second embedding named '\(entry.name)' is ignored"
                )
                continue
            }
            guard let tensorPath = resolve(entry.tensorPath, line: entry.line) else { continue }
            var metadataPath: String?
            if !entry.metadataPath.isEmpty {
                guard let path = resolve(entry.metadataPath, line: entry.line) else { continue }
                metadataPath = path
            }
            var spritePath: String?
            if let image = entry.sprite?.imagePath, !image.isEmpty {
                guard let path = resolve(image, line: entry.line) else { continue }
                spritePath = path
            }
            index.embeddings.append(
                Embedding(
                    name: entry.name, tensorPath: tensorPath, metadataPath: metadataPath, spritePath: spritePath,
                    declaredShape: entry.tensorShape, singleImageDim: entry.sprite?.singleImageDim ?? []))
        }
        return index
    }
}
