import Foundation
import LumenEvents
import Testing
@testable import Lumen
import LumenTestSupport

/// SummaryWriter and FileWriter: files written with `compression: .none` are read by TensorBoard's
/// own loader (scripts/read_events_with_tensorboard.py, run with the repository's .venv), and by ours.
@Suite struct SummaryWriterTests {
    /// Why TensorBoard can't be used here, or `nil` when it can (always `nil` on CI, where a missing
    /// TensorBoard is a failure).
    static let tensorBoardProblem: String? =
        Repository.shouldRun(needing: ["tensorboard", "PIL"])
        ? nil : "the repository Python cannot import tensorboard and PIL (run scripts/setup)"

    /// What TensorBoard's EventAccumulator finds in `runDirectory`.
    static func tensorBoardView(_ runDirectory: String) throws -> [String: Any] {
        let output = try Repository.runPythonScript("scripts/read_events_with_tensorboard.py", [runDirectory])
        guard let view = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw ReadError(description: "the TensorBoard reader printed no JSON object")
        }
        return view
    }

    /// A float the reader printed as a string (exact).
    static func double(_ value: Any?) -> Double? { (value as? String).flatMap(Double.init) }

    /// Floats the reader printed as strings.
    static func doubles(_ value: Any?) -> [Double]? {
        guard let strings = value as? [String] else { return nil }
        let numbers = strings.compactMap(Double.init)
        return numbers.count == strings.count ? numbers : nil
    }

    /// Scalars by tag: (step, value, wall time) rows.
    static func scalars(_ value: Any?) -> [String: [(step: Int, value: Double, wallTime: Double)]]? {
        guard let tags = value as? [String: [[Any]]] else { return nil }
        return tags.mapValues { rows in
            rows.map { row in
                ((row.first as? Int) ?? -1, double(row.dropFirst().first) ?? .nan, double(row.last) ?? .nan)
            }
        }
    }

    struct ReadError: Error, CustomStringConvertible { var description: String }

    static func withLogdir<Result>(_ body: (String) throws -> Result) throws -> Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-summary-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Every event of every event file in `directory`, read with our readers.
    static func ourEvents(_ directory: String) throws -> [Event] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("tfevents") }
            .sorted()
        return try files.flatMap { name -> [Event] in
            let path = directory + "/" + name
            let batch: TFRecordBatch
            if name.hasSuffix(".gz") {
                batch = try GzipTFRecordReader(path: path).readAvailable()
            } else {
                var reader = try TFRecordReader(path: path)
                batch = try reader.readAvailable()
            }
            return try batch.records.map { try Event(serializedBytes: $0.data) }
        }
    }

    /// 8-bit values the way PyTorch converts a float image: ×255, clipped, truncated.
    static func bytes(_ values: [Float]) -> [UInt8] { values.map { UInt8(min(max($0 * 255, 0), 255)) } }

    // MARK: TensorBoard reads what we write

    @Test(.disabled(if: tensorBoardProblem != nil, Comment(rawValue: tensorBoardProblem ?? "")))
    func tensorBoardReadsScalarsHistogramsImagesTextAndTheGraph() throws {
        try Self.withLogdir { logdir in
            let writer = try SummaryWriter(logdir: logdir, compression: .none)
            for step in 0..<50 {
                writer.addScalar("train/loss", 1 / Double(step + 1), step: step, wallTime: 1_700_000_000 + Double(step))
                writer.addScalar("损失/λ ✓", Double(step) * 0.1, step: step * 2)
            }
            let weights = Tensor((0..<1_000).map { Float(sin(Double($0)) * 3) }, shape: [10, 100])
            writer.addHistogram("layer1/weights", weights, step: 3)
            writer.addHistogram(
                "edges", Tensor([0, 0.5, 1, 1.5, 2, 3] as [Double], shape: [6]), step: 4, bins: .edges([0, 1, 2]))
            let chw = (0..<60).map { Float($0) / 59 }
            try writer.addImage("image/chw", Tensor(chw, shape: [3, 4, 5]), step: 1)
            let rgba = (0..<80).map { UInt8($0 * 3) }
            try writer.addImage("image/hwc", Tensor(rgba, shape: [4, 5, 4]), step: 2, layout: .hwc)
            let gray: [Float] = (0..<6).map { Float($0) / 5 }
            try writer.addImage("image/gray", Tensor(gray, shape: [2, 3]), step: 3)
            let batch: [Float] = (0..<36).map { Float($0 % 7) / 6 }
            try writer.addImages("image/grid", Tensor(batch, shape: [3, 3, 2, 2]), step: 5, columns: 2, padding: 1)
            writer.addText("notes", "**Unicode** ✓ — λ 損失", step: 7)
            var graph = GraphDef()
            for (name, op, inputs) in [
                ("x", "Placeholder", []), ("layer1/w", "Const", []), ("layer1/MatMul", "MatMul", ["x", "layer1/w"]),
            ] {
                var node = NodeDef()
                node.name = name
                node.op = op
                node.input = inputs
                graph.node.append(node)
            }
            try writer.addGraph(graph)
            try writer.close()
            #expect(
                writer.eventFilePath.hasPrefix(logdir + "/events.out.tfevents.")
                    && !writer.eventFilePath.hasSuffix(".gz"))

            let view = try Self.tensorBoardView(logdir)
            #expect(view["file_versions"] as? [String] == ["brain.Event:2"])
            let scalars = try #require(Self.scalars(view["scalars"]))
            #expect(Set(scalars.keys) == ["train/loss", "损失/λ ✓"])
            #expect(scalars["train/loss"]?.map(\.step) == Array(0..<50))
            #expect(scalars["train/loss"]?.map(\.value) == (0..<50).map { Double(Float(1 / Double($0 + 1))) })
            #expect(scalars["train/loss"]?.map(\.wallTime) == (0..<50).map { 1_700_000_000 + Double($0) })
            #expect(scalars["损失/λ ✓"]?.map(\.step) == (0..<50).map { $0 * 2 })
            #expect(scalars["损失/λ ✓"]?.map(\.value) == (0..<50).map { Double(Float(Double($0) * 0.1)) })

            let histograms = try #require(view["histograms"] as? [String: [[String: Any]]])
            let expected = weights.withUnsafeBufferPointer(as: Float.self) { HistogramProto(values: $0) }
            let read = try #require(histograms["layer1/weights"]?.first)
            #expect(read["step"] as? Int == 3)
            #expect(Self.doubles(read["bucket_limit"]) == expected.bucketLimit)
            #expect(Self.doubles(read["bucket"]) == expected.bucket)
            #expect(Self.double(read["num"]) == 1_000 && Self.doubles(read["bucket"])?.reduce(0, +) == 1_000)
            let values = weights.scalars(as: Float.self).map(Double.init)
            #expect(Self.double(read["min"]) == values.min() && Self.double(read["max"]) == values.max())
            #expect(Self.double(read["sum"]) == expected.sum && Self.double(read["sum_squares"]) == expected.sumSquares)
            let edges = try #require(histograms["edges"]?.first)
            // np.histogram(values, [0, 1, 2])
            #expect(Self.doubles(edges["bucket_limit"]) == [1, 2] && Self.doubles(edges["bucket"]) == [2, 3])

            let images = try #require(view["images"] as? [String: [[String: Any]]])
            let chwImage = try #require(images["image/chw"]?.first)
            #expect(chwImage["format"] as? String == "PNG" && chwImage["mode"] as? String == "RGB")
            #expect(chwImage["width"] as? Int == 5 && chwImage["height"] as? Int == 4 && chwImage["step"] as? Int == 1)
            let hwcFromCHW = (0..<20).flatMap { pixel in (0..<3).map { chw[$0 * 20 + pixel] } }
            #expect(chwImage["pixels"] as? [UInt8] == Self.bytes(hwcFromCHW))
            let rgbaImage = try #require(images["image/hwc"]?.first)
            #expect(rgbaImage["mode"] as? String == "RGBA" && rgbaImage["pixels"] as? [UInt8] == rgba)
            let grayImage = try #require(images["image/gray"]?.first)
            #expect(grayImage["mode"] as? String == "L" && grayImage["size"] as? [Int] == [3, 2])
            #expect(grayImage["pixels"] as? [UInt8] == Self.bytes(gray))
            let grid = try #require(images["image/grid"]?.first)
            // 3 images of 2×2, 2 columns, padding 1: (2·3 + 1) wide, (2·3 + 1) high.
            #expect(grid["size"] as? [Int] == [7, 7] && grid["mode"] as? String == "RGB")
            let gridPixels = try #require(grid["pixels"] as? [UInt8])
            // Image 1 (second column, first row) top-left pixel at (x 4, y 1), channel 0 = element 12.
            #expect(gridPixels[(1 * 7 + 4) * 3] == Self.bytes([Float(12 % 7) / 6])[0])
            #expect(gridPixels[0] == 0)

            let tensors = try #require(view["tensors"] as? [String: [[String: Any]]])
            let text = try #require(tensors["notes/text_summary"]?.first)
            #expect(text["strings"] as? [String] == ["**Unicode** ✓ — λ 損失"])
            #expect(text["plugin"] as? String == "text" && text["step"] as? Int == 7)

            let nodes = try #require(view["graph"] as? [[String: Any]])
            #expect(nodes.map { $0["name"] as? String } == ["x", "layer1/w", "layer1/MatMul"])
            #expect(nodes.map { $0["op"] as? String } == ["Placeholder", "Const", "MatMul"])
            #expect(nodes.last?["input"] as? [String] == ["x", "layer1/w"])
        }
    }

    @Test(.disabled(if: tensorBoardProblem != nil, Comment(rawValue: tensorBoardProblem ?? "")))
    func tensorBoardReadsAddScalarsSubRunsAndHParams() throws {
        try Self.withLogdir { logdir in
            let writer = try SummaryWriter(logdir: logdir, compression: .none)
            for step in 0..<10 {
                writer.addScalars("lr/group", ["sgd": 0.1 / Double(step + 1), "adam": 0.001], step: step)
            }
            try writer.addHParams(
                ["lr": 0.1, "batch_size": 32, "optimizer": "sgd", "dropout": true],
                metrics: ["hparam/accuracy": 0.91, "hparam/loss": 0.27], runName: "trial-1")
            try writer.close()

            let sgd = try Self.tensorBoardView(logdir + "/lr_group_sgd")
            let sgdScalars = try #require(Self.scalars(sgd["scalars"]))
            #expect(Array(sgdScalars.keys) == ["lr/group"])
            #expect(sgdScalars["lr/group"]?.map(\.value) == (0..<10).map { Double(Float(0.1 / Double($0 + 1))) })
            let adam = try Self.tensorBoardView(logdir + "/lr_group_adam")
            #expect(Self.scalars(adam["scalars"])?["lr/group"]?.count == 10)

            let trial = try Self.tensorBoardView(logdir + "/trial-1")
            let hparams = try #require(trial["hparams"] as? [String: [String: Any]])
            let experiment = try #require(hparams["_hparams_/experiment"]?["experiment"] as? [String: Any])
            let infos = try #require(experiment["hparam_infos"] as? [[String: Any]])
            #expect(infos.map { $0["name"] as? String } == ["batch_size", "dropout", "lr", "optimizer"])
            #expect(
                infos.map { $0["type"] as? String } == [
                    "DATA_TYPE_FLOAT64", "DATA_TYPE_BOOL", "DATA_TYPE_FLOAT64", "DATA_TYPE_STRING",
                ])
            let metricTags = (experiment["metric_infos"] as? [[String: Any]])?.compactMap {
                ($0["name"] as? [String: Any])?["tag"] as? String
            }
            #expect(metricTags == ["hparam/accuracy", "hparam/loss"])
            let start = try #require(
                (hparams["_hparams_/session_start_info"]?["session_start_info"] as? [String: Any])?["hparams"]
                    as? [String: Any])
            #expect(Self.double(start["lr"]) == 0.1 && Self.double(start["batch_size"]) == 32)
            #expect(start["optimizer"] as? String == "sgd" && start["dropout"] as? Bool == true)
            #expect(
                (hparams["_hparams_/session_end_info"]?["session_end_info"] as? [String: Any])?["status"] as? String
                    == "STATUS_SUCCESS")
            let metrics = try #require(Self.scalars(trial["scalars"]))
            #expect(metrics["hparam/accuracy"]?.first?.value == Double(Float(0.91)))
            #expect(metrics["hparam/loss"]?.first?.value == Double(Float(0.27)))
        }
    }

    @Test(.disabled(if: tensorBoardProblem != nil, Comment(rawValue: tensorBoardProblem ?? "")))
    func tensorBoardReadsATensorFlow1FileWriter() throws {
        try Self.withLogdir { logdir in
            var graph = GraphDef()
            var node = NodeDef()
            node.name = "input/x"
            node.op = "Placeholder"
            graph.node = [node]
            let writer = try FileWriter(logdir: logdir, graphDef: graph, compression: .none)
            for step in 0..<5 {
                let summary = Summary(values: [.scalar(tag: "loss_1", value: Float(step))])
                let bytes: [UInt8] = try summary.serializedBytes()
                try writer.addSummary(bytes, globalStep: step)
            }
            var log = SessionLog()
            log.status = .start
            writer.addSessionLog(log, globalStep: 5)
            #expect(throws: EventFileWriterError.self) { try writer.addSummary([0xFF, 0xFF, 0xFF], globalStep: 6) }
            try writer.close()

            let view = try Self.tensorBoardView(logdir)
            #expect((view["graph"] as? [[String: Any]])?.map { $0["name"] as? String } == ["input/x"])
            #expect(Self.scalars(view["scalars"])?["loss_1"]?.map(\.value) == [0, 1, 2, 3, 4])
            let events = try Self.ourEvents(logdir)
            #expect(events.count == 1 + 1 + 5 + 1)
            #expect(events[1].graphDef == (try graph.serializedData()))
            #expect(events.last?.sessionLog.status == .start && events.last?.step == 5)
        }
    }

    /// The TensorFlow 1 path end to end: summary ops in a Lumen graph, run by a Session, written by
    /// `FileWriter(logdir:graph:)`, read by TensorBoard's loader.
    @Test(.disabled(if: tensorBoardProblem != nil, Comment(rawValue: tensorBoardProblem ?? "")))
    func tensorBoardReadsSummariesAGraphSessionProduced() throws {
        try Self.withLogdir { logdir in
            let graph = Graph()
            let (x, merged) = try graph.asDefault {
                let x = try placeholder(.float32, shape: [-1], name: "x")
                // TensorFlow's names are unique regardless of case: "mean" beside the Mean op would be
                // "stats/mean_1", as TensorFlow 1 names it, so this uses "average".
                _ = try withNameScope("stats") { try summary.scalar("average", x.mean()) }
                _ = try summary.histogram("values", x)
                return (x, try #require(try summary.mergeAll()))
            }
            let session = Session(graph: graph)
            let writer = try FileWriter(logdir: logdir, graph: graph, compression: .none)
            let batches: [[Float]] = [[1, 2, 3], [-1, 0, 4, 5]]
            for (step, values) in batches.enumerated() {
                let bytes = try session.run(merged, feeds: [x: Tensor(values, shape: [values.count])])
                try writer.addSummary(bytes.scalars(as: UInt8.self), globalStep: step)
            }
            try writer.close()
            let view = try Self.tensorBoardView(logdir)
            let names = (view["graph"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(names.contains("x") && names.contains("stats/average") && names.contains("Merge/MergeSummary"))
            #expect(Self.scalars(view["scalars"])?["stats/average"]?.map(\.value) == [2, 2])
        }
    }

    /// `addGraph(module, input:)` traces the forward pass: the input, each parameter by its dotted
    /// name and each op, wired as the module computes, with output shapes; TensorBoard parses it.
    @Test(.disabled(if: tensorBoardProblem != nil, Comment(rawValue: tensorBoardProblem ?? "")))
    func tracedModuleGraphIsWiredAsTheModuleComputes() throws {
        var generator = RandomGenerator(seed: 3)
        let model = Sequential(
            Linear(inFeatures: 4, outFeatures: 8, generator: &generator), ReLU(),
            Linear(inFeatures: 8, outFeatures: 3, generator: &generator))
        let graph = ModuleTracer.graphDef(of: model, input: Tensor.zeros([2, 4]))
        let nodes = Dictionary(uniqueKeysWithValues: graph.node.map { ($0.name, $0) })
        #expect(nodes["input"]?.op == "Placeholder")
        #expect(nodes["0.weight"]?.op == "VariableV2" && nodes["2.bias"]?.op == "VariableV2")
        #expect(nodes["MatMul"]?.input == ["input", "0.weight"] && nodes["MatMul"]?.attr["transpose_b"]?.b == true)
        #expect(nodes["Add"]?.input == ["MatMul", "0.bias"])
        #expect(nodes["Relu"]?.input == ["Add"])
        #expect(nodes["MatMul_1"]?.input == ["Relu", "2.weight"])
        #expect(nodes["Add_1"]?.input == ["MatMul_1", "2.bias"])
        #expect(nodes["Add_1"]?.attr["_output_shapes"]?.list.shape.first?.dim.map(\.size) == [2, 3])
        #expect(graph.node.count == 10)
        try Self.withLogdir { logdir in
            let writer = try SummaryWriter(logdir: logdir, compression: .none)
            try writer.addGraph(model, input: Tensor.zeros([2, 4]))
            try writer.close()
            let view = try Self.tensorBoardView(logdir)
            let names = (view["graph"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(Set(names) == Set(nodes.keys))
        }
    }

    // MARK: Our readers

    @Test func compressedByDefaultAndReadByOurGzipReader() throws {
        try Self.withLogdir { logdir in
            let writer = try SummaryWriter(logdir: logdir)
            writer.addScalar("a", 1.5, step: 1)
            writer.addText("ノート", "テキスト ✓", step: 2)
            try writer.flush()
            writer.addHistogram("h", Tensor([1, 2, 3] as [Float], shape: [3]), step: 3)
            try writer.close()
            #expect(writer.eventFilePath.hasSuffix(".gz"))
            let events = try Self.ourEvents(logdir)
            #expect(events.map(\.step) == [0, 1, 2, 3])
            #expect(events[0].fileVersion == "brain.Event:2")
            #expect(events[1].summary.value.first?.simpleValue == 1.5)
            #expect(events[2].summary.value.first?.tag == "ノート/text_summary")
            #expect(events[2].summary.value.first?.tensor.stringVal == [Data("テキスト ✓".utf8)])
            #expect(events[3].summary.value.first?.histo.num == 3)
        }
    }

    @Test func badImagesAndUnwritableLogdirsAreClearErrors() throws {
        try Self.withLogdir { logdir in
            let writer = try SummaryWriter(logdir: logdir)
            #expect(throws: SummaryWriterError.self) { try writer.addImage("x", Tensor.zeros([2, 3, 4]), step: 0) }
            #expect(throws: SummaryWriterError.self) { try writer.addImages("x", Tensor.zeros([3, 4, 4]), step: 0) }
            try writer.close()
            let file = logdir + "/file"
            try Data().write(to: URL(fileURLWithPath: file))
            #expect {
                _ = try SummaryWriter(logdir: file + "/run")
            } throws: { error in
                "\(error)".contains("cannot create the log directory \(file)/run")
            }
        }
    }
}
