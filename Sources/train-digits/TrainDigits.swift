import ArgumentParser
import DigitsExample
import Foundation
import Lumen
import LumenEvents

/// `train-digits`: trains an MLP or a CNN on the UCI digits and reports the test accuracy.
@main
struct TrainDigits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-digits",
        abstract: "Train a digits classifier with Lumen and report its test accuracy.")

    @Option(help: "The model: mlp or cnn.")
    var model: DigitsModel = .mlp

    @Option(help: "Passes over the training set.")
    var epochs: Int = 20

    @Option(help: "Seed for the initial weights and the batch order.")
    var seed: UInt64 = 0

    @Option(name: .customLong("batch-size"), help: "Examples per batch.")
    var batchSize: Int = 64

    @Option(name: .customLong("lr"), help: "SGD learning rate.")
    var learningRate: Double = 0.05

    @Option(
        help:
            "Where to write the run's outputs: <logdir>/<model>/model.safetensors and metrics.csv (eager), <logdir>/<model>-graph/graph.pb, graph.pbtxt and metrics.csv (graph)."
    )
    var logdir: String?

    @Option(
        help:
            "eager (PyTorch style: modules, autograd, SGD) or graph (TensorFlow 1 style: placeholders, a Session, MomentumOptimizer)."
    )
    var mode: TrainingMode = .eager

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive, got \(learningRate)") }
        guard mode == .eager || model == .mlp else {
            throw ValidationError("--mode graph trains the mlp model, not \(model.rawValue)")
        }
    }

    func run() throws {
        switch mode {
        case .eager: try runEager()
        case .graph: try runGraph()
        }
    }

    /// Graph mode: the TensorFlow 1 way, with a Session; writes the GraphDef to the logdir.
    func runGraph() throws {
        let data = try DigitsData(url: try DigitsData.locate())
        let settings = TrainingConfiguration(
            model: model, epochs: epochs, seed: seed, batchSize: batchSize,
            learningRate: learningRate)
        let trainer = try DigitsGraphTrainer(configuration: settings, data: data)
        let progress = ProgressDisplay(epochs: epochs, interactive: isatty(STDOUT_FILENO) == 1)
        print(
            "train-digits: \(model.rawValue) in graph mode, \(data.train.count) training and \(data.test.count) test images, "
                + "\(trainer.parameterCount) parameters, \(trainer.graph.operationCount) graph ops")
        var metrics = "epoch,mean_loss,test_accuracy,seconds\n"
        try trainer.train { event in
            progress.show(event)
            if case let .epoch(epoch, loss, accuracy, seconds) = event {
                metrics += "\(epoch),\(loss),\(accuracy),\(seconds)\n"
            }
        }
        let accuracy = try trainer.accuracy(on: data.test)
        if let logdir {
            let directory = URL(fileURLWithPath: logdir).appendingPathComponent(model.rawValue + "-graph")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // TensorFlow 1's way: the FileWriter writes the graph first, then the per-epoch metrics.
            let writer = try FileWriter(logdir: directory.path, graph: trainer.graph)
            for line in metrics.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",").compactMap { Double($0) }
                guard fields.count == 4 else { continue }
                let summary = Summary(values: [
                    .scalar(tag: "loss/train", value: Float(fields[1])),
                    .scalar(tag: "accuracy/test", value: Float(fields[2])),
                ])
                try writer.addSummary(try summary.serializedBytes() as [UInt8], globalStep: Int(fields[0]))
            }
            try writer.close()
            try trainer.graph.serializedGraphDef().write(to: directory.appendingPathComponent("graph.pb"))
            try Data(metrics.utf8).write(to: directory.appendingPathComponent("metrics.csv"))
            print("wrote \(directory.path): event file with the graph, graph.pb and metrics.csv")
        }
        print(String(format: "test accuracy: %.4f", accuracy))
    }

    func runEager() throws {
        let data = try DigitsData(url: try DigitsData.locate())
        let settings = TrainingConfiguration(
            model: model, epochs: epochs, seed: seed, batchSize: batchSize,
            learningRate: learningRate)
        let trainer = DigitsTrainer(configuration: settings, data: data)
        let progress = ProgressDisplay(epochs: epochs, interactive: isatty(STDOUT_FILENO) == 1)
        print(
            "train-digits: \(model.rawValue), \(data.train.count) training and \(data.test.count) test images, "
                + "\(trainer.network.parameters().reduce(0) { $0 + $1.count }) parameters")
        let directory = logdir.map { URL(fileURLWithPath: $0).appendingPathComponent(model.rawValue) }
        let writer = try directory.map { try SummaryWriter(logdir: $0.path) }
        writer?.addText("model", "```\n\(trainer.network.description)\n```")
        try writer?.addGraph(trainer.network, input: model.prepare(data.test.inputs[.range(0..<1)]))
        var metrics = "epoch,mean_loss,test_accuracy,seconds\n"
        var lastLoss = Double.nan
        try trainer.train { event in
            progress.show(event)
            guard case let .epoch(epoch, loss, accuracy, seconds) = event else { return }
            metrics += "\(epoch),\(loss),\(accuracy),\(seconds)\n"
            lastLoss = loss
            guard let writer else { return }
            writer.addScalar("loss/train", loss, step: epoch)
            writer.addScalar("accuracy/test", accuracy, step: epoch)
            writer.addScalar("learning_rate", trainer.optimizer.learningRate, step: epoch)
            for (name, parameter) in trainer.network.namedParameters() {
                writer.addHistogram("weights/\(name)", parameter, step: epoch)
                if let gradient = parameter.grad { writer.addHistogram("gradients/\(name)", gradient, step: epoch) }
            }
        }
        let accuracy = trainer.accuracy(on: data.test)
        if let directory, let writer {
            try trainer.network.save(to: directory.appendingPathComponent("model.safetensors"))
            try Data(metrics.utf8).write(to: directory.appendingPathComponent("metrics.csv"))
            try writeSamples(trainer: trainer, data: data, to: writer)
            try writer.addHParams(
                hyperparameters, metrics: ["hparam/accuracy": accuracy, "hparam/loss": lastLoss],
                runName: "hparams")
            try writer.close()
            print("wrote \(directory.path): event file, model.safetensors and metrics.csv")
        }
        print(String(format: "test accuracy: %.4f", accuracy))
    }

    /// A grid of the first 16 test digits and a table of their labels and the trained model's predictions.
    func writeSamples(trainer: DigitsTrainer, data: DigitsData, to writer: SummaryWriter) throws {
        let count = 16
        let inputs = data.test.inputs[.range(0..<count)]
        let labels = data.test.targets[.range(0..<count)].scalars(as: Int64.self)
        trainer.network.eval()
        let predictions = noGrad { trainer.network(model.prepare(inputs)).argmax(axis: 1).scalars(as: Int64.self) }
        trainer.network.train()
        try writer.addImages("samples/test_digits", inputs.reshaped([count, 1, 8, 8]), step: epochs, columns: 8)
        var table = "| image | label | prediction |\n| --- | --- | --- |\n"
        for i in 0..<count {
            table += "| \(i) | \(labels[i]) | \(predictions[i])\(labels[i] == predictions[i] ? "" : " ✗") |\n"
        }
        writer.addText("samples/predictions", table, step: epochs)
    }

    /// The run's settings, as the hparams dashboard shows them.
    var hyperparameters: [String: HParamValue] {
        [
            "model": .string(model.rawValue), "mode": .string(mode.rawValue), "epochs": .number(Double(epochs)),
            "batch_size": .number(Double(batchSize)), "lr": .number(learningRate), "seed": .number(Double(seed)),
        ]
    }
}

extension DigitsModel: ExpressibleByArgument {}

/// How train-digits builds and runs the model.
enum TrainingMode: String, ExpressibleByArgument, CaseIterable {
    case eager, graph
}

/// A progress bar on a terminal; one plain line per epoch otherwise.
struct ProgressDisplay {
    let epochs: Int
    let interactive: Bool

    func show(_ event: TrainingEvent) {
        switch event {
        case let .step(epoch, batch, batches, loss, rate):
            guard interactive else { return }
            let width = 24, filled = width * batch / max(batches, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            print(
                String(
                    format: "\repoch %d/%d %@ batch %d/%d loss %.4f %6.0f ex/s", epoch, epochs, bar, batch, batches,
                    loss, rate), terminator: "")
            fflush(nil)
        case let .epoch(epoch, loss, accuracy, seconds):
            if interactive { print("\r\u{1B}[K", terminator: "") }
            print(
                String(
                    format: "epoch %d/%d loss %.4f test accuracy %.4f (%.2f s)", epoch, epochs, loss, accuracy, seconds)
            )
        }
    }
}
