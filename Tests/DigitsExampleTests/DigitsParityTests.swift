import DigitsExample
import Foundation
import Lumen
import LumenTestSupport
import Testing

/// The example's MLP and PyTorch's, from the same initial weights on the same batches, give the same
/// losses for the first 20 SGD steps (1e-4 relative). PyTorch runs live (`scripts/torch_digits_parity.py`
/// in the repository's `.venv`, which `scripts/setup` installs); on CI a missing PyTorch is a failure.
@Suite struct DigitsParityTests {
    static let steps = 20

    /// Our losses, after writing our initial weights and the batches where the script reads them.
    func runLumen(writingTo directory: URL) throws -> [Double] {
        let data = try DigitsData(url: Repository.root.appendingPathComponent("fixtures/digits/digits.u8"))
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
        try Safetensors.write(
            batches,
            metadata: [
                "learning_rate": String(trainer.configuration.learningRate),
                "momentum": String(trainer.configuration.momentum),
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

    @Test(
        .enabled(if: Repository.shouldRun(needing: ["torch", "safetensors"]), "needs PyTorch in .venv (scripts/setup)"))
    func lossesMatchPyTorch() throws {
        let directory = try TemporaryDirectory(prefix: "lumen-parity")
        defer { if ProcessInfo.processInfo.environment["LUMEN_KEEP_PARITY"] == nil { directory.remove() } }
        let ours = try runLumen(writingTo: URL(fileURLWithPath: directory.path))
        print("parity files: \(directory.path)")
        let output = try Repository.runPythonScript("scripts/torch_digits_parity.py", [directory.path])
        expectClose(ours, try losses(fromJSON: output))
    }
}
