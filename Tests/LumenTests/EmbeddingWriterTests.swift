import Foundation
import LumenEvents
import LumenTestSupport
import Testing

@testable import Lumen

/// `SummaryWriter.addEmbedding` and `addMesh`: PyTorch's file layout (compared with the fixture
/// PyTorch's own `add_embedding` wrote), and stock TensorBoard's projector and mesh plugins serving
/// exactly what was written (`scripts/tensorboard_projector_values.py`).
@Suite(.serialized) struct EmbeddingWriterTests {
    static func write(_ directory: String) throws -> (features: [Float], words: [Float], metadata: [[String]]) {
        let writer = try SummaryWriter(logdir: directory, compression: .none)
        let features: [Float] = (0..<60 * 8).map { (i: Int) -> Float in Float(sin(Double(i) * 0.37)) * 3 }
        let classes = (0..<60).map { ["alpha", "beta", "gamma"][$0 / 20] }
        let pixels: [Float] = (0..<60 * 3 * 8 * 8).map { (i: Int) -> Float in Float((i * 7919) % 256) / 255 }
        let images = Tensor(pixels, shape: [60, 3, 8, 8])
        try writer.addEmbedding(
            Tensor(features, shape: [60, 8]), metadata: classes, labelImages: images, tag: "features", step: 0)
        let words: [Float] = (0..<40 * 5).map { (i: Int) -> Float in Float(cos(Double(i) * 0.11)) }
        let metadata = (0..<40).map { ["word\($0)", "g\($0 % 4)", "\($0 * 7)"] }
        try writer.addEmbedding(
            Tensor(words, shape: [40, 5]), metadata: metadata, metadataHeader: ["word", "group", "count"], tag: "words",
            step: 3)
        let cube: [Float] = [-1, -1, -1, -1, -1, 1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, 1, 1, -1, 1, 1, 1]
        let faces: [Int32] = [
            0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1, 2, 3, 7, 2, 7, 6, 0, 2, 6, 0, 6, 4, 1, 5, 7, 1, 7, 3,
        ]
        let colors: [UInt8] = (0..<24).map { UInt8(($0 * 37) % 256) }
        for step in [0, 2] {
            try writer.addMesh(
                "cube", vertices: Tensor(cube.map { $0 * Float(step + 1) }, shape: [1, 8, 3]),
                faces: Tensor(faces, shape: [1, 12, 3]), colors: Tensor(colors, shape: [1, 8, 3]),
                config: ["camera": ["cls": "PerspectiveCamera", "fov": 75]], step: step)
        }
        try writer.addMesh("cloud", vertices: Tensor((0..<30).map { Float($0) / 7 }, shape: [10, 3]), step: 0)
        try writer.close()
        return (features, words, metadata)
    }

    @Test func layoutIsPyTorchs() throws {
        try withTemporaryPath { directory in
            _ = try Self.write(directory)
            let fixture = Repository.path("fixtures/projector/torch")
            for file in [
                "00000/features/tensors.tsv", "00000/features/metadata.tsv", "00000/features/sprite.png",
                "00003/words/tensors.tsv", "00003/words/metadata.tsv", "projector_config.pbtxt",
            ] {
                #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file)")
                #expect(FileManager.default.fileExists(atPath: fixture + "/" + file), "\(file) in PyTorch's fixture")
            }
            // The config names the same paths and sprite cells as PyTorch's (ours adds tensor_shape).
            let ours = try String(contentsOfFile: directory + "/projector_config.pbtxt", encoding: .utf8)
            let theirs = try String(contentsOfFile: fixture + "/projector_config.pbtxt", encoding: .utf8)
            #expect(
                ours.split(separator: "\n").filter { !$0.contains("tensor_shape") } == theirs.split(separator: "\n"))
            // The metadata files have PyTorch's form: one label per line, or a header row first.
            #expect(
                try String(contentsOfFile: directory + "/00003/words/metadata.tsv", encoding: .utf8)
                    == (try String(contentsOfFile: fixture + "/00003/words/metadata.tsv", encoding: .utf8)))
            // The sprite is square, ⌈√60⌉ = 8 cells of 8×8 per side, like PyTorch's.
            let sprite = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/00000/features/sprite.png")))
            let pytorch = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture + "/00000/features/sprite.png")))
            #expect(Array(sprite[16..<24]) == Array(pytorch[16..<24]))
        }
    }

    @Test func writingTheSameStepAndTagTwiceFailsWithoutLosingData() throws {
        try withTemporaryPath { directory in
            let writer = try SummaryWriter(logdir: directory, compression: .none)
            try writer.addEmbedding(Tensor([Float](repeating: 1, count: 6), shape: [3, 2]), tag: "a/b%c")
            #expect(FileManager.default.fileExists(atPath: directory + "/00000/a%2fb%25c/tensors.tsv"))
            #expect(throws: ProjectorWriterError.embeddingExists(path: "00000/a%2fb%25c")) {
                try writer.addEmbedding(Tensor([Float](repeating: 2, count: 6), shape: [3, 2]), tag: "a/b%c")
            }
            #expect(
                try String(contentsOfFile: directory + "/00000/a%2fb%25c/tensors.tsv", encoding: .utf8)
                    == "1.0\t1.0\n1.0\t1.0\n1.0\t1.0\n")
            #expect(throws: ProjectorWriterError.self) {
                try writer.addEmbedding(Tensor([Float](repeating: 1, count: 6), shape: [6]))
            }
            #expect(throws: ProjectorWriterError.self) {
                try writer.addEmbedding(
                    Tensor([Float](repeating: 1, count: 6), shape: [3, 2]), metadata: ["x"], step: 1)
            }
            #expect(throws: ProjectorWriterError.self) {
                try writer.addMesh("m", vertices: Tensor([Float](repeating: 1, count: 4), shape: [2, 2]))
            }
            try writer.close()
        }
    }

    @Test(.enabled(if: Repository.pythonImports(["tensorboard", "numpy", "werkzeug"])))
    func stockTensorBoardServesWhatWasWritten() throws {
        try withTemporaryPath { directory in
            let written = try Self.write(directory)
            let data = try Repository.runPythonScript("scripts/tensorboard_projector_values.py", [directory])
            let values = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let run = try #require((values["projector"] as? [String: Any])?["."] as? [String: Any])
            let tensors = try #require(run["tensors"] as? [String: [String]])
            #expect(tensors["features:00000"]?.compactMap { Float($0) } == written.features)
            #expect(tensors["words:00003"]?.compactMap { Float($0) } == written.words)
            let metadata = try #require(run["metadata"] as? [String: String])
            #expect(
                metadata["words:00003"] == "word\tgroup\tcount\n"
                    + written.metadata.map { $0.joined(separator: "\t") + "\n" }.joined())
            #expect(metadata["features:00000"]?.split(separator: "\n").count == 60)
            let info = try #require((run["info"] as? [String: Any])?["embeddings"] as? [[String: Any]])
            #expect((info.first?["sprite"] as? [String: Any])?["singleImageDim"] as? [Int] == [8, 8])
            let meshes = try #require((values["meshes"] as? [String: Any])?["."] as? [String: Any])
            #expect(Set(meshes.keys) == ["cube", "cloud"])
            let cube = try #require((meshes["cube"] as? [String: Any])?["data"] as? [String: [String: [String]]])
            let unitCube: [Float] = [
                -1, -1, -1, -1, -1, 1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, 1, 1, -1, 1, 1, 1,
            ]
            let vertices: [Float] = cube["2"]?["VERTEX"]?.compactMap { Float($0) } ?? []
            #expect(vertices == unitCube.map { $0 * 3 })
            let faces: [Int] = cube["0"]?["FACE"]?.compactMap { Double($0) }.map { Int($0) } ?? []
            #expect(
                faces == [
                    0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1, 2, 3, 7, 2, 7, 6, 0, 2, 6, 0, 6, 4, 1, 5, 7,
                    1, 7, 3,
                ])
            let colors: [Int] = cube["0"]?["COLOR"]?.compactMap { Double($0) }.map { Int($0) } ?? []
            #expect(colors == (0..<24).map { ($0 * 37) % 256 })
            let cubeMeta = try #require((meshes["cube"] as? [String: Any])?["meshes"] as? [[String: Any]])
            #expect(cubeMeta.count == 6)
            #expect(cubeMeta.allSatisfy { ($0["components"] as? Int) == 14 })
            let config = (cubeMeta.first?["config"] as? String).flatMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect((config?["camera"] as? [String: Any])?["fov"] as? Int == 75)
            let cloud = try #require((meshes["cloud"] as? [String: Any])?["data"] as? [String: [String: [String]]])
            #expect(cloud["0"]?["VERTEX"]?.count == 30 && cloud["0"]?["FACE"] == nil)
        }
    }
}
