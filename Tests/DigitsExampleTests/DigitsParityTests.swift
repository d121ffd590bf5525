import DigitsExample
import Foundation
import Lumen
import Testing

/// The example's MLP and PyTorch's, from the same initial weights on the same batches, give the same
/// losses for the first 20 SGD steps (1e-4 relative). PyTorch runs live when `.venv` has it; the
/// committed golden (written by the same script from the same seed) stands in otherwise.
@Suite struct DigitsParityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".venv/bin/python")
    static let steps = 20

    /// Our losses, after writing our initial weights and the batches where the script reads them.
    func runLumen(writingTo directory: URL) throws -> [Double] {
        let data = try DigitsData(url: Self.root.appendingPathComponent("fixtures/digits/digits.u8"))
        let trainer = DigitsTrainer(configuration: TrainingConfiguration(model: .mlp, seed: 0), data: data)
        try trainer.network.save(to: directory.appendingPathComponent("initial.safetensors"))
        var batches: [String: Tensor] = [:]
        var losses: [Double] = []
        let loader = DataLoader(data.train, batchSize: 64, shuffle: true, dropLast: true, seed: 7)
        for (i, batch) in loader.prefix(Self.steps).enumerated() {
            batches["inputs_\(i)"] = batch.inputs
            batches["targets_\(i)"] = batch.targets
            losses.append(try trainer.step(inputs: batch.inputs, targets: batch.targets))
        }
        try Safetensors.write(batches, metadata: [
            "learning_rate": String(trainer.configuration.learningRate), "momentum": String(trainer.configuration.momentum),
            "steps": String(Self.steps),
        ], to: directory.appendingPathComponent("batches.safetensors"))
        return losses
    }

    func expectClose(_ ours: [Double], _ theirs: [Double]) {
        #expect(ours.count == Self.steps && theirs.count == Self.steps)
        for (i, (a, b)) in zip(ours, theirs).enumerated() {
            #expect(abs(a - b) <= 1e-4 * abs(b), "step \(i): Lumen \(a), PyTorch \(b)")
        }
        // The steps are real: the loss falls.
        #expect((ours.last ?? 0) < (ours.first ?? 0) * 0.95)
    }

    func losses(fromJSON data: Data) throws -> [Double] {
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["losses"] as? [Double])
    }

    @Test func lossesMatchPyTorch() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer {
            if ProcessInfo.processInfo.environment["LUMEN_KEEP_PARITY"] == nil { try? FileManager.default.removeItem(at: directory) }
        }
        let ours = try runLumen(writingTo: directory)
        print("parity files: \(directory.path)")
        let theirs: [Double]
        if Self.torchAvailable && ProcessInfo.processInfo.environment["LUMEN_PARITY_USE_GOLDEN"] == nil {
            let process = Process()
            process.executableURL = Self.python
            process.arguments = [Self.root.appendingPathComponent("scripts/torch_digits_parity.py").path, directory.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            theirs = try losses(fromJSON: data)
        } else {
            let golden = Self.root.appendingPathComponent("Tests/DigitsExampleTests/Goldens/parity.json")
            theirs = try losses(fromJSON: Data(contentsOf: golden))
        }
        expectClose(ours, theirs)
    }

    static let torchAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: python.path) else { return false }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", "import torch, safetensors"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}
