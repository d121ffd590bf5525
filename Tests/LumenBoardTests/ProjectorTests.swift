import Foundation
import LumenEvents
import LumenTestSupport
import Testing

@testable import LumenBoard

/// The projector's and the mesh view's answers against TensorBoard 2.21's own projector and mesh
/// plugins and NumPy (`scripts/tensorboard_projector_values.py`), on the fixture PyTorch's
/// `add_embedding`/`add_mesh` wrote (`fixtures/projector/`, see `fixtures/README.md`).
@Suite(.serialized) struct ProjectorTests {
    static let fixture = Repository.path("fixtures/projector")

    static func snapshot(_ logdir: String) async -> BoardSnapshot {
        let loader = BoardLoader(logdir: logdir)
        return await loader.reload()
    }

    static func reference(_ logdir: String, components: Int = 3) throws -> [String: Any] {
        let data = try Repository.runPythonScript(
            "scripts/tensorboard_projector_values.py", [logdir, String(components)])
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func json(_ response: BoardAPIResponse) throws -> Any {
        #expect(response.status == 200, "\(response.text.prefix(300))")
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }

    static func floats(_ bytes: [UInt8]) -> [Float] {
        stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(
                bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(
                    bytes[i + 3]) << 24)
        }
    }

    static func number(_ any: Any?) -> Double? {
        if let text = any as? String { return Double(text) }
        return (any as? NSNumber)?.doubleValue
    }

    @Test(.enabled(if: Repository.pythonImports(["tensorboard", "numpy", "werkzeug"])))
    func embeddingsEqualTensorBoardAndNumPy() async throws {
        let snapshot = await Self.snapshot(Self.fixture)
        let reference = try Self.reference(Self.fixture)
        let projector = try #require(reference["projector"] as? [String: Any])
        #expect(Set(projector.keys) == ["torch", "bytes"])
        for (run, value) in projector {
            let expected = try #require(value as? [String: Any])
            let info = try #require((expected["info"] as? [String: Any])?["embeddings"] as? [[String: Any]])
            let ours = try #require(
                try Self.json(BoardAPI.respond(endpoint: "projector", parameters: ["run": run], snapshot: snapshot))
                    as? [String: Any])
            let embeddings = try #require(ours["embeddings"] as? [[String: Any]])
            #expect(embeddings.map { $0["name"] as? String } == info.map { $0["tensorName"] as? String }, "\(run)")
            for (embedding, tb) in zip(embeddings, info) {
                let name = try #require(embedding["name"] as? String)
                #expect(
                    (embedding["shape"] as? [Int])
                        == (tb["tensorShape"] as? [Any])?.compactMap { Self.number($0).map(Int.init) })
                let query = ["run": run, "name": name]
                // Tensor: the same float32 values, bit for bit.
                let tensor = ProjectorAPI.respond("tensor", parameters: query, snapshot: snapshot)
                #expect(tensor.status == 200)
                let tbValues: [Float] = try #require((expected["tensors"] as? [String: Any])?[name] as? [String])
                    .compactMap { Float($0) }
                #expect(Self.floats(tensor.body) == tbValues, "tensor \(run)/\(name)")
                // Metadata: the same text; columns from its header.
                if let tbMetadata = (expected["metadata"] as? [String: Any])?[name] as? String {
                    let metadata = ProjectorAPI.respond("metadata", parameters: query, snapshot: snapshot)
                    #expect(metadata.text == tbMetadata)
                    let firstLine = tbMetadata.split(separator: "\n").first.map(String.init) ?? ""
                    let columns = firstLine.contains("\t") ? firstLine.components(separatedBy: "\t") : ["label"]
                    #expect(embedding["metadataColumns"] as? [String] == columns)
                }
                // PCA: NumPy's SVD of the centred matrix, on both of our paths (exact SVD, covariance).
                let tbPCA = try #require((expected["pca"] as? [String: Any])?[name] as? [String: Any])
                let tbComponents = try #require(tbPCA["components"] as? [[String]]).map { $0.compactMap { Double($0) } }
                let tbVariance = try #require(tbPCA["explainedVariance"] as? [String]).compactMap { Double($0) }
                let k = tbVariance.count
                let answer = try #require(
                    try Self.json(
                        ProjectorAPI.respond(
                            "pca", parameters: query.merging(["components": "\(k)"]) { a, _ in a }, snapshot: snapshot))
                        as? [String: Any])
                let components = try #require(answer["components"] as? [[Double]])
                let variance = try #require(answer["explainedVariance"] as? [Double])
                Self.expectSamePCA(components, variance, tbComponents, tbVariance, "\(run)/\(name) via API")
                let matrix = try EmbeddingCache.shared.matrix(
                    for: try #require(snapshot.projectors[run]?.embedding(named: name)))
                for method in [PCA.Method.exact, .covariance] {
                    let result = try PCA.compute(matrix, components: k, method: method)
                    let rows = (0..<result.rows).map { i in Array(result.projected[i * k..<(i + 1) * k]) }
                    Self.expectSamePCA(
                        rows, result.explainedVariance, tbComponents, tbVariance, "\(run)/\(name) via \(method)")
                }
                // Neighbours of row 0: NumPy's, by both distances.
                let tbNeighbors = try #require((expected["neighbors"] as? [String: Any])?[name] as? [String: Any])
                let neighbors = try #require(
                    try Self.json(
                        ProjectorAPI.respond(
                            "neighbors", parameters: query.merging(["index": "0", "k": "5"]) { a, _ in a },
                            snapshot: snapshot)) as? [String: Any])
                for metric in ["euclidean", "cosine"] {
                    let theirs = try #require(tbNeighbors[metric] as? [[Any]])
                    let ours = try #require(neighbors[metric] as? [[String: Any]])
                    #expect(
                        ours.map { $0["index"] as? Int } == theirs.map { Self.number($0[0]).map(Int.init) },
                        "\(metric) \(run)/\(name)")
                    for (a, b) in zip(ours, theirs) {
                        let x = try #require(Self.number(a["distance"])), y = try #require(Self.number(b[1]))
                        #expect(abs(x - y) <= 1e-9 * max(1, abs(y)))
                    }
                }
            }
        }
        // Sprite: the PNG as written, its size from the header, the cell size from the config.
        let listed = try #require(
            try Self.json(BoardAPI.respond(endpoint: "projector", parameters: ["run": "torch"], snapshot: snapshot))
                as? [String: Any])
        let sprite = try #require(((listed["embeddings"] as? [[String: Any]])?.first)?["sprite"] as? [String: Any])
        #expect(sprite["width"] as? Int == 64 && sprite["height"] as? Int == 64)
        #expect(sprite["singleImageWidth"] as? Int == 8 && sprite["singleImageHeight"] as? Int == 8)
        let png = ProjectorAPI.respond(
            "sprite", parameters: ["run": "torch", "name": "features:00000"], snapshot: snapshot)
        #expect(png.contentType == "image/png")
        #expect(
            png.body
                == [UInt8](
                    try Data(contentsOf: URL(fileURLWithPath: Self.fixture + "/torch/00000/features/sprite.png"))))
    }

    static func expectSamePCA(
        _ ours: [[Double]], _ variance: [Double], _ theirs: [[Double]], _ theirVariance: [Double], _ label: String
    ) {
        #expect(ours.count == theirs.count, "\(label)")
        guard let k = theirs.first?.count else { return }
        for c in 0..<k {
            let scale = theirs.map { abs($0[c]) }.max() ?? 1
            // Equal up to the component's sign.
            let sign = zip(ours, theirs).map { $0[c] * $1[c] }.reduce(0, +) < 0 ? -1.0 : 1.0
            let worst = zip(ours, theirs).map { abs(sign * $0[c] - $1[c]) }.max() ?? 0
            #expect(worst <= 1e-6 * scale, "\(label) component \(c): off by \(worst)")
            #expect(abs(variance[c] - theirVariance[c]) <= 1e-9 * theirVariance[c], "\(label) variance \(c)")
        }
    }

    @Test(.enabled(if: Repository.pythonImports(["tensorboard", "numpy", "werkzeug"])))
    func meshesEqualTensorBoard() async throws {
        let snapshot = await Self.snapshot(Self.fixture)
        let reference = try #require(try Self.reference(Self.fixture)["meshes"] as? [String: Any])
        let tags = try #require(
            try Self.json(BoardAPI.respond(endpoint: "tags", parameters: [:], snapshot: snapshot)) as? [String: Any])
        for (run, value) in reference {
            let meshes = try #require(value as? [String: Any])
            #expect(((tags[run] as? [String: Any])?["meshes"] as? [String]) == meshes.keys.sorted())
            for (name, entry) in meshes {
                let tb = try #require(entry as? [String: Any])
                let tbMeta = try #require(tb["meshes"] as? [[String: Any]])
                let tbData = try #require(tb["data"] as? [String: [String: [String]]])
                let ours = try #require(
                    try Self.json(ProjectorAPI.meshes(["run": run, "tag": name], snapshot: snapshot))
                        as? [[String: Any]])
                #expect(ours.map { $0["step"] as? Int } == tbData.keys.compactMap(Int.init).sorted(), "\(run)/\(name)")
                for mesh in ours {
                    let step = try #require(mesh["step"] as? Int)
                    let vertexMeta = try #require(
                        tbMeta.first {
                            Self.number($0["step"]).map(Int.init) == step && Self.number($0["content_type"]) == 1
                        })
                    #expect(Self.number(mesh["wallTime"]) == Self.number(vertexMeta["wall_time"]))
                    let config = (vertexMeta["config"] as? String).flatMap {
                        try? JSONSerialization.jsonObject(with: Data($0.utf8))
                    }
                    if let config {
                        #expect(
                            NSDictionary(dictionary: mesh["config"] as? [String: Any] ?? [:]).isEqual(
                                to: config as? [String: Any] ?? [:]))
                    }
                    let data = try #require(tbData[String(step)])
                    func flat(_ key: String) -> [Double]? {
                        (mesh[key] as? [[Any]])?.flatMap { $0.compactMap(Self.number) }
                    }
                    // Vertices are float32: compared as such (JSON text round-trips them exactly).
                    let vertices: [Float]? = flat("vertices")?.map { Float($0) }
                    #expect(vertices == data["VERTEX"]?.compactMap { Float($0) }, "vertices \(name)@\(step)")
                    #expect(
                        flat("faces") ?? [] == (data["FACE"] ?? []).compactMap { Double($0) }, "faces \(name)@\(step)")
                    if let colors = data["COLOR"] {
                        #expect(flat("colors") == colors.compactMap { Double($0) })
                    } else {
                        #expect(mesh["colors"] is NSNull)
                    }
                }
            }
        }
        let runTags = try #require(tags["torch"] as? [String: Any])
        #expect(runTags["projector"] as? Bool == true)
        #expect((tags["bytes"] as? [String: Any])?["projector"] as? Bool == true)
    }

    @Test func malformedAndCheckpointConfigsAreStatusProblems() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "bad/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("loss", step: 1, value: 0.5)]))
        try directory.write(
            "bad/projector_config.pbtxt", Array("embeddings {\n  tensor_path: \"t.tsv\"\n  tensor_shape: x\n}\n".utf8))
        try directory.write(
            "ckpt/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("loss", step: 1, value: 0.5)]))
        try directory.write(
            "ckpt/projector_config.pbtxt",
            Array(
                "model_checkpoint_path: \"model.ckpt-100\"\n# a comment\nembeddings {\n  tensor_name: \"word_embedding/weights\"\n  metadata_path: 'labels.tsv'\n}\n"
                    .utf8))
        try directory.write(
            "outside/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("loss", step: 1, value: 0.5)]))
        try directory.write(
            "outside/projector_config.pbtxt", Array("embeddings { tensor_path: \"../bad/t.tsv\" }".utf8))
        let snapshot = await Self.snapshot(directory.path)
        let problems = snapshot.status.problems.map { "\($0.run): \($0.message)" }
        #expect(
            problems.contains { $0.hasPrefix("bad:") && $0.contains("line 3") && $0.contains("tensor_shape") },
            "\(problems)")
        #expect(
            problems.contains {
                $0.hasPrefix("ckpt:") && $0.contains("line 3") && $0.contains("'word_embedding/weights'")
                    && $0.contains("model.ckpt-100")
            }, "\(problems)")
        #expect(
            problems.contains { $0.hasPrefix("outside:") && $0.contains("outside the config's directory") },
            "\(problems)")
        // The rest of each run still loads.
        #expect(snapshot.runs["bad"]?.scalarSeries("loss")?.count == 1)
        #expect(snapshot.runs["ckpt"]?.scalarSeries("loss")?.count == 1)
        let status = try #require(
            try Self.json(BoardAPI.respond(endpoint: "status", parameters: [:], snapshot: snapshot)) as? [String: Any])
        #expect((status["problems"] as? [Any])?.count == 3)
        let tags = try #require(
            try Self.json(BoardAPI.respond(endpoint: "tags", parameters: [:], snapshot: snapshot)) as? [String: Any])
        #expect((tags["bad"] as? [String: Any])?["projector"] as? Bool == false)
        // Unknown names are 404s; a bad tensor file is a 422 naming the line.
        try directory.write(
            "tsv/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("loss", step: 1, value: 0.5)]))
        try directory.write("tsv/projector_config.pbtxt", Array("embeddings { tensor_path: \"t.tsv\" }".utf8))
        try directory.write("tsv/t.tsv", Array("1\t2\n3\tx\n".utf8))
        let again = await Self.snapshot(directory.path)
        let bad = ProjectorAPI.respond("tensor", parameters: ["run": "tsv", "name": "t.tsv"], snapshot: again)
        #expect(bad.status == 422 && bad.text.contains("line 2") && bad.text.contains("'x'"), "\(bad.text)")
        #expect(
            ProjectorAPI.respond("tensor", parameters: ["run": "tsv", "name": "nope"], snapshot: again).status == 404)
        #expect(
            ProjectorAPI.respond(
                "pca", parameters: ["run": "tsv", "name": "t.tsv", "components": "0"], snapshot: again
            ).status == 400)
        #expect(ProjectorAPI.meshes(["run": "tsv", "tag": "none"], snapshot: again).status == 404)
    }

    @Test func textFormatParsing() throws {
        let config = try ProjectorConfig(
            parsing: """
                # header comment
                model_checkpoint_dir: "ckpt"
                embeddings <
                  tensor_name: 'a' "b\\tc"
                  tensor_shape: [3, 4]
                  sprite: { image_path: "s\\x41.png" single_image_dim: 2; single_image_dim: 0x3 }
                  tensor_path: "t\\101.bytes",
                >
                embeddings { tensor_path: "u.tsv" }
                """)
        #expect(config.modelCheckpointDir == "ckpt")
        #expect(config.embeddings.count == 2)
        #expect(config.embeddings[0].tensorName == "ab\tc")
        #expect(config.embeddings[0].tensorShape == [3, 4])
        #expect(config.embeddings[0].sprite == ProjectorConfig.Sprite(imagePath: "sA.png", singleImageDim: [2, 3]))
        #expect(config.embeddings[0].tensorPath == "tA.bytes")
        #expect(config.embeddings[1].name == "u.tsv")
        for (text, line, words) in [
            ("embeddings {\n tensor_path: \"a\"\n", 3, "missing '}'"),
            ("embeddings {\n  tensor_nme: \"a\"\n}", 2, "no field named 'tensor_nme'"),
            ("\n\nembeddings: \"x\"", 3, "is a message"),
            ("model_checkpoint_path: \"open\n\"", 1, "not closed"),
            ("embeddings { tensor_shape: -1 }", 1, "unsigned"),
        ] {
            #expect(throws: TextProtoError.self) { try ProjectorConfig(parsing: text) }
            do { _ = try ProjectorConfig(parsing: text) } catch {
                #expect(error.line == line && error.message.contains(words), "\(error)")
            }
        }
    }

    /// 1,000 points in three Gaussian clusters in 50 dimensions: after Barnes-Hut t-SNE, a point's
    /// 10 nearest neighbours in the 2-D (and 3-D) embedding share its cluster for ≥ 95% of points.
    @Test(arguments: [2, 3]) func tsneKeepsClustersApart(dims: Int) throws {
        let (matrix, labels) = Self.clusters(perCluster: [340, 330, 330], dims: 50, seed: 7)
        let tsne = try TSNE(matrix, dims: dims, perplexity: 30, seed: 3)
        tsne.run(500)
        #expect(tsne.iteration == 500)
        let embedded = EmbeddingMatrix(rows: matrix.rows, columns: dims, values: tsne.positions.map { Float($0) })
        let knn = NearestNeighbors.exact(embedded, k: 10)
        var agreeing = 0
        for i in 0..<matrix.rows where knn.indices[i * 10..<(i + 1) * 10].allSatisfy({ labels[Int($0)] == labels[i] }) {
            agreeing += 1
        }
        #expect(Double(agreeing) / Double(matrix.rows) >= 0.95, "\(agreeing) of \(matrix.rows)")
    }

    /// Clusters whose centres are 4σ apart along random directions.
    static func clusters(perCluster: [Int], dims: Int, seed: UInt64) -> (EmbeddingMatrix, [Int]) {
        var random = SplitMix(seed: seed)
        func gaussian() -> Double {
            let u1 = max(Double(random.next() >> 11) / Double(1 << 53), 1e-300),
                u2 = Double(random.next() >> 11) / Double(1 << 53)
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        var values: [Float] = [], labels: [Int] = []
        for (cluster, count) in perCluster.enumerated() {
            let centre = (0..<dims).map { _ in gaussian() * 4 / Double(dims).squareRoot() * 1.5 }
            for _ in 0..<count {
                values += centre.map { Float($0 + gaussian() * 0.5) }
                labels.append(cluster)
            }
        }
        return (EmbeddingMatrix(rows: labels.count, columns: dims, values: values), labels)
    }

    @Test func approximateNeighboursAreMostlyExact() {
        let (matrix, _) = Self.clusters(perCluster: [400, 400, 400], dims: 16, seed: 11)
        let exact = NearestNeighbors.exact(matrix, k: 15)
        let approximate = NearestNeighbors.forest(matrix, k: 15, seed: 5)
        var found = 0
        for i in 0..<matrix.rows {
            found +=
                Set(exact.indices[i * 15..<(i + 1) * 15]).intersection(approximate.indices[i * 15..<(i + 1) * 15]).count
        }
        #expect(Double(found) / Double(matrix.rows * 15) >= 0.9)
    }
}
