import Foundation
import Synchronization

/// The projector's and the mesh view's JSON API: `/api/projector`, `/api/projector/tensor`,
/// `/api/projector/metadata`, `/api/projector/sprite`, `/api/projector/pca`,
/// `/api/projector/neighbors`, the set-up of `/api/projector/tsne` (streamed by the server), and
/// `/api/meshes`. Errors are JSON `{"error": ...}` answers: 400 for a bad parameter, 404 for an
/// unknown run, embedding or mesh, 422 for a file that can't be read.
public enum ProjectorAPI {
    /// The sub-endpoints of `/api/projector/`.
    public static let subEndpoints = ["tensor", "metadata", "sprite", "pca", "tsne", "neighbors"]

    struct Failure: Error {
        var status: Int
        var message: String
    }

    /// Answers `GET /api/projector` (`what` empty) or `GET /api/projector/<what>` (all but `tsne`).
    public static func respond(_ what: String, parameters q: [String: String], snapshot: BoardSnapshot)
        -> BoardAPIResponse
    {
        do {
            switch what {
            case "": return .json(try list(q, snapshot))
            case "tensor":
                let matrix = try matrix(q, snapshot)
                return BoardAPIResponse(
                    status: 200, contentType: "application/octet-stream", body: matrix.littleEndianBytes)
            case "metadata":
                let (_, embedding) = try lookup(q, snapshot)
                guard let path = embedding.metadataPath else {
                    throw Failure(status: 404, message: "embedding '\(embedding.name)' has no metadata file")
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw Failure(
                        status: 422, message: "metadata file '\((path as NSString).lastPathComponent)' can't be read")
                }
                return BoardAPIResponse(
                    status: 200, contentType: "text/tab-separated-values; charset=utf-8", body: [UInt8](data))
            case "sprite":
                let (_, embedding) = try lookup(q, snapshot)
                guard let path = embedding.spritePath else {
                    throw Failure(status: 404, message: "embedding '\(embedding.name)' has no sprite")
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw Failure(
                        status: 422, message: "sprite file '\((path as NSString).lastPathComponent)' can't be read")
                }
                return BoardAPIResponse(status: 200, contentType: "image/png", body: [UInt8](data))
            case "pca": return try pca(q, snapshot)
            case "neighbors": return try neighbors(q, snapshot)
            case "tsne": throw Failure(status: 400, message: "/api/projector/tsne is a server-sent event stream")
            default: throw Failure(status: 404, message: "no such endpoint: /api/projector/\(what)")
            }
        } catch let failure as Failure {
            return .error(failure.status, failure.message)
        } catch {
            return .error(400, "\(error)")
        }
    }

    /// Answers `GET /api/meshes?run=&tag=`.
    public static func meshes(_ q: [String: String], snapshot: BoardSnapshot) -> BoardAPIResponse {
        guard let runName = q["run"], !runName.isEmpty else { return .error(400, "missing parameter 'run'") }
        guard let tag = q["tag"], !tag.isEmpty else { return .error(400, "missing parameter 'tag'") }
        guard let run = snapshot.runs[runName] else { return .error(404, "no run named '\(runName)'") }
        guard let json = run.meshes.json(name: tag) else { return .error(404, "run '\(runName)' has no mesh '\(tag)'") }
        return .json(json)
    }

    // MARK: - Endpoints

    static func list(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> BoardJSON {
        let runName = try required(q, "run")
        guard snapshot.runs[runName] != nil else { throw Failure(status: 404, message: "no run named '\(runName)'") }
        let index = snapshot.projectors[runName]
        return .object([
            (
                "embeddings",
                .array(
                    (index?.embeddings ?? []).map { embedding in
                        var fields: [(String, BoardJSON)] = [("name", .string(embedding.name))]
                        var shape = embedding.declaredShape
                        var problem: String?
                        if shape.count != 2 {
                            do {
                                let m = try EmbeddingCache.shared.matrix(for: embedding); shape = [m.rows, m.columns]
                            } catch { problem = "\(error)" }
                        }
                        fields.append(("shape", shape.count == 2 ? .array(shape.map { .integer(Int64($0)) }) : .null))
                        fields.append(("metadataColumns", .array(metadataColumns(embedding).map(BoardJSON.string))))
                        fields.append(("sprite", sprite(embedding)))
                        if let problem { fields.append(("error", .string(problem))) }
                        return .object(fields)
                    })
            )
        ])
    }

    /// The metadata's column names: the header of a file whose first line has a tab, else `label`.
    static func metadataColumns(_ embedding: ProjectorIndex.Embedding) -> [String] {
        guard let path = embedding.metadataPath, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 16)) ?? Data()
        let firstLine =
            head.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? Data()
        let line = String(decoding: firstLine, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        return line.contains("\t") ? line.components(separatedBy: "\t") : ["label"]
    }

    /// The sprite's size (from the PNG header) and one image's size; `null` without a sprite.
    static func sprite(_ embedding: ProjectorIndex.Embedding) -> BoardJSON {
        guard let path = embedding.spritePath, let handle = FileHandle(forReadingAtPath: path) else { return .null }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 24)) ?? Data())
        guard header.count == 24, header[0] == 0x89, header[1] == 0x50,
            header[12...15].elementsEqual(Array("IHDR".utf8))
        else { return .null }
        func be32(_ at: Int) -> Int64 { header[at..<at + 4].reduce(Int64(0)) { $0 << 8 | Int64($1) } }
        let single = embedding.singleImageDim
        return .object([
            ("width", .integer(be32(16))), ("height", .integer(be32(20))),
            ("singleImageWidth", single.count >= 1 ? .integer(Int64(single[0])) : .null),
            (
                "singleImageHeight",
                single.count >= 2
                    ? .integer(Int64(single[1])) : (single.count == 1 ? .integer(Int64(single[0])) : .null)
            ),
        ])
    }

    private static let pcaCache = Mutex([(key: String, result: PCA.Result)]())

    static func pca(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> BoardAPIResponse {
        let k = try integer(q, "components", minimum: 1) ?? 2
        let (_, embedding) = try lookup(q, snapshot)
        let matrix = try matrix(q, snapshot)
        let stamp = FileStamp(path: embedding.tensorPath)
        let key =
            "\(embedding.tensorPath)|\(stamp?.modifiedSeconds ?? 0).\(stamp?.modifiedNanoseconds ?? 0)|\(stamp?.size ?? 0)|\(k)"
        let result: PCA.Result
        if let kept = pcaCache.withLock({ $0.first { $0.key == key }?.result }) {
            result = kept
        } else {
            do { result = try PCA.compute(matrix, components: k) } catch {
                throw Failure(status: 400, message: "\(error)")
            }
            pcaCache.withLock { cache in
                cache.append((key, result))
                if cache.count > 4 { cache.removeFirst() }
            }
        }
        var out = Array(#"{"components":["#.utf8)
        out.reserveCapacity(32 + result.rows * result.components * 22)
        for i in 0..<result.rows {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for c in 0..<result.components {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                BoardJSON.writeNumber(result.projected[i * result.components + c], into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"explainedVariance":"#.utf8)
        BoardJSON.array(result.explainedVariance.map(BoardJSON.number)).write(into: &out)
        out.append(contentsOf: #","explainedVarianceRatio":"#.utf8)
        BoardJSON.array(result.explainedVarianceRatio.map(BoardJSON.number)).write(into: &out)
        out.append(UInt8(ascii: "}"))
        return BoardAPIResponse(status: 200, contentType: "application/json; charset=utf-8", body: out)
    }

    static func neighbors(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> BoardAPIResponse {
        let matrix = try matrix(q, snapshot)
        guard let index = try integer(q, "index", minimum: 0) else {
            throw Failure(status: 400, message: "missing parameter 'index'")
        }
        guard index < matrix.rows else {
            throw Failure(status: 404, message: "no point \(index) (the embedding has \(matrix.rows))")
        }
        let k = min(try integer(q, "k", minimum: 1) ?? 10, matrix.rows - 1)
        let found = NearestNeighbors.of(index, in: matrix, k: k)
        func list(_ neighbors: [NearestNeighbors.Neighbor]) -> BoardJSON {
            .array(
                neighbors.map { .object([("index", .integer(Int64($0.index))), ("distance", .number($0.distance))]) })
        }
        return .json(
            .object([
                ("index", .integer(Int64(index))), ("cosine", list(found.cosine)), ("euclidean", list(found.euclidean)),
            ]))
    }

    // MARK: - t-SNE

    /// A t-SNE run as `/api/projector/tsne` asks for it.
    public struct TSNERequest: Sendable {
        public var key: String
        public var dims: Int
        public var perplexity: Double
        public var learningRate: Double?
        public var seed: UInt64
        public var iterations: Int
        /// Positions are sent after every this many iterations.
        public var every: Int
        /// Continue the paused run that reached this iteration, if it is kept.
        public var resume: Int?
        public var matrix: EmbeddingMatrix
    }

    /// Reads and checks the parameters of `/api/projector/tsne`; a 4xx answer if they are wrong.
    public static func tsneRequest(_ q: [String: String], snapshot: BoardSnapshot) -> Result<
        TSNERequest, ProjectorAPIError
    > {
        do {
            let dims = try integer(q, "dims", minimum: 2) ?? 2
            guard dims == 2 || dims == 3 else {
                throw Failure(status: 400, message: "parameter 'dims' must be 2 or 3, not \(dims)")
            }
            let perplexity = try number(q, "perplexity") ?? 30
            let learningRate = try number(q, "learningRate")
            let seed = UInt64(try integer(q, "seed", minimum: 0) ?? 0)
            let iterations = try integer(q, "iterations", minimum: 1) ?? 1000
            let every = try integer(q, "every", minimum: 1) ?? 10
            let resume = try integer(q, "resume", minimum: 0)
            let (run, embedding) = try lookup(q, snapshot)
            let matrix = try matrix(q, snapshot)
            guard perplexity > 0, 3 * perplexity < Double(matrix.rows) else {
                throw Failure(
                    status: 400,
                    message:
                        "parameter 'perplexity' must be positive and below n/3 = \(Double(matrix.rows) / 3), not \(perplexity)"
                )
            }
            if let learningRate, learningRate <= 0 {
                throw Failure(status: 400, message: "parameter 'learningRate' must be positive")
            }
            let key = "\(run)|\(embedding.name)|\(dims)|\(perplexity)|\(learningRate ?? -1)|\(seed)"
            return .success(
                TSNERequest(
                    key: key, dims: dims, perplexity: perplexity, learningRate: learningRate, seed: seed,
                    iterations: iterations, every: every, resume: resume, matrix: matrix))
        } catch let failure as Failure {
            return .failure(ProjectorAPIError(response: .error(failure.status, failure.message)))
        } catch {
            return .failure(ProjectorAPIError(response: .error(400, "\(error)")))
        }
    }

    // MARK: - Parameters

    private static func lookup(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> (
        String, ProjectorIndex.Embedding
    ) {
        let runName = try required(q, "run")
        let name = try required(q, "name")
        guard snapshot.runs[runName] != nil else { throw Failure(status: 404, message: "no run named '\(runName)'") }
        guard let index = snapshot.projectors[runName] else {
            throw Failure(status: 404, message: "run '\(runName)' has no \(ProjectorConfig.fileName)")
        }
        guard let embedding = index.embedding(named: name) else {
            throw Failure(status: 404, message: "run '\(runName)' has no embedding named '\(name)'")
        }
        return (runName, embedding)
    }

    private static func matrix(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> EmbeddingMatrix {
        let (_, embedding) = try lookup(q, snapshot)
        do { return try EmbeddingCache.shared.matrix(for: embedding) } catch {
            throw Failure(status: 422, message: error.description)
        }
    }

    private static func required(_ q: [String: String], _ name: String) throws -> String {
        guard let value = q[name], !value.isEmpty else {
            throw Failure(status: 400, message: "missing parameter '\(name)'")
        }
        return value
    }

    private static func integer(_ q: [String: String], _ name: String, minimum: Int) throws -> Int? {
        guard let text = q[name] else { return nil }
        guard let value = Int(text), value >= minimum else {
            throw Failure(status: 400, message: "parameter '\(name)' must be an integer ≥ \(minimum), not '\(text)'")
        }
        return value
    }

    private static func number(_ q: [String: String], _ name: String) throws -> Double? {
        guard let text = q[name] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw Failure(status: 400, message: "parameter '\(name)' must be a number, not '\(text)'")
        }
        return value
    }
}

/// A refused `/api/projector/tsne` request: the answer to send instead of the stream.
public struct ProjectorAPIError: Error, Sendable {
    public var response: BoardAPIResponse
}

/// Paused t-SNE runs, kept so that a client can resume one (the most recent few).
public final class TSNESessions: Sendable {
    public static let shared = TSNESessions()
    private let kept = Mutex([(key: String, tsne: TSNE)]())

    /// The run to continue for `request`: the kept one at iteration `request.resume`, if any, else a new one.
    public func start(_ request: ProjectorAPI.TSNERequest) throws -> TSNE {
        if let resume = request.resume {
            let found = kept.withLock { list -> TSNE? in
                guard let index = list.firstIndex(where: { $0.key == request.key && $0.tsne.iteration == resume })
                else { return nil }
                return list.remove(at: index).tsne
            }
            if let found { return found }
        }
        return try TSNE(
            request.matrix, dims: request.dims, perplexity: request.perplexity,
            learningRate: request.learningRate, seed: request.seed)
    }

    /// Keeps a stopped run so it can be resumed.
    public func keep(_ tsne: TSNE, key: String) {
        kept.withLock { list in
            list.removeAll { $0.key == key }
            list.append((key, tsne))
            if list.count > 2 { list.removeFirst() }
        }
    }
}
