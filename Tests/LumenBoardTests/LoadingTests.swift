import Foundation
import LumenEvents
import Testing
@testable import LumenBoard
import LumenTestSupport

@Suite struct DiscoveryTests {
    @Test func findsRunsByRelativePathAndFollowsChanges() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let one = EventBytes.framed([EventBytes.scalar("x", step: 0, value: 1)])
        try dir.write("events.out.tfevents.2.host", one)
        try dir.write("events.out.tfevents.1.host", one)
        try dir.write("a/b/events.out.tfevents.1.host", one)
        try dir.write("c/notes.txt", [1, 2, 3])
        let runs = RunDiscovery.discover(logdir: dir.path)
        #expect(runs.keys.sorted() == [".", "a/b"])
        #expect(runs["."] == [dir.file("events.out.tfevents.1.host"), dir.file("events.out.tfevents.2.host")])

        let loader = LogdirLoader(logdir: dir.path)
        loader.reload()
        #expect(loader.runNames == [".", "a/b"])
        #expect(loader.run(".")?.scalars["x"]?.count == 1)

        try dir.write("c/events.out.tfevents.3.host.gz", [])
        try dir.write("a/b/events.out.tfevents.2.host", EventBytes.framed([EventBytes.scalar("x", step: 1, value: 2)]))
        try FileManager.default.removeItem(atPath: dir.file("events.out.tfevents.1.host"))
        try FileManager.default.removeItem(atPath: dir.file("events.out.tfevents.2.host"))
        loader.reload()
        #expect(loader.runNames == ["a/b", "c"])
        #expect(loader.runs["a/b"]?.files.count == 2)
        #expect(loader.run("a/b")?.scalars["x"]?.steps == [0, 1])
    }

    @Test func symbolicLinksAreNotFollowed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a/events.out.tfevents.1.host", EventBytes.framed([EventBytes.scalar("x", step: 0, value: 1)]))
        try dir.write("b/notes.txt", [1])
        // A link back up (a cycle) and a linked event file: neither makes a run.
        try FileManager.default.createSymbolicLink(atPath: dir.file("a/up"), withDestinationPath: dir.path)
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("b/events.out.tfevents.2.host"),
            withDestinationPath: dir.file("a/events.out.tfevents.1.host"))
        #expect(RunDiscovery.discover(logdir: dir.path) == ["a": [dir.file("a/events.out.tfevents.1.host")]])
        #expect(RunDiscovery.discover(logdir: dir.path + "/") == ["a": [dir.file("a/events.out.tfevents.1.host")]])
    }

    @Test func missingLogdirIsEmpty() {
        #expect(RunDiscovery.discover(logdir: "/nonexistent/lumen-board-logdir").isEmpty)
        let loader = LogdirLoader(logdir: "/nonexistent/lumen-board-logdir")
        #expect(loader.reload() == 0 && loader.runNames.isEmpty)
    }
}

@Suite struct TailingTests {
    @Test func growingFileWithSplitAndCorruptRecords() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let name = "events.out.tfevents.1.host"
        let records = (0..<6).map { EventBytes.scalar("loss", step: Int64($0), value: Float($0)) }
        let first = EventBytes.framed(Array(records[0..<3]))
        let fourth = EventBytes.framed([records[3]])
        // Three records and half of the fourth.
        try dir.write(name, first + fourth[..<(fourth.count / 2)])
        let run = RunLoader(name: ".")
        #expect(run.load(files: [dir.file(name)]) == 3)
        #expect(run.data.scalars["loss"]?.steps == [0, 1, 2])
        #expect(run.data.corruptRecords == 0)

        // Nothing new: the incomplete record still waits.
        #expect(run.load(files: [dir.file(name)]) == 0)

        // The rest of the fourth, a record whose data checksum fails, then a good one.
        var corrupt = EventBytes.framed([records[4]])
        corrupt[TFRecordFrame.headerLength + 2] ^= 0xFF
        try dir.append(name, Array(fourth[(fourth.count / 2)...]) + corrupt + EventBytes.framed([records[5]]))
        #expect(run.load(files: [dir.file(name)]) == 2)
        #expect(run.data.scalars["loss"]?.steps == [0, 1, 2, 3, 5])
        #expect(run.data.corruptRecords == 1)
        #expect(run.data.events == 5)
        #expect(run.data.lastEventTime == 1005)
    }

    @Test func gzipFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bytes = EventBytes.framed((0..<4).map { EventBytes.scalar("x", step: Int64($0), value: 1) })
        try dir.write("events.out.tfevents.1.host", bytes)
        let gz = dir.file("events.out.tfevents.1.host.gz")
        let gzip = try runProcess("/bin/sh", ["-c", "gzip -c '\(dir.file("events.out.tfevents.1.host"))' > '\(gz)'"])
        try #require(gzip.status == 0, "\(gzip.standardError)")
        let run = RunLoader(name: ".")
        run.load(files: [gz])
        #expect(run.data.scalars["x"]?.steps == [0, 1, 2, 3])
    }
}

@Suite struct FixtureStoreTests {
    static let logdir = Repository.path("fixtures/interop")

    @Test func interopFixtures() throws {
        let loader = LogdirLoader(logdir: Self.logdir)
        loader.reload()
        #expect(
            loader.runNames == [
                "tensorboardX", "tensorboardX/hparams", "tensorboardX/lr/adam", "tensorboardX/lr/sgd",
                "tf1_filewriter_mlp", "tf2_summary",
            ])
        for run in loader.runs.values { #expect(run.data.corruptRecords == 0, "\(run.name)") }

        let x = try #require(loader.run("tensorboardX"))
        #expect(x.scalars.keys.sorted() == ["train/accuracy", "train/loss"])
        #expect(x.scalars.values.allSatisfy { $0.steps == Array(0...19) && $0.storesFloats })
        #expect(x.histograms["layer1/weights"]?.items.map(\.step) == [0, 5, 10, 15])
        for h in x.histograms["layer1/weights"]!.items {
            #expect(h.buckets.reduce(0) { $0 + $1.count } == h.num)
            #expect(h.buckets.first?.left == h.min && h.buckets.last?.right == h.max)
        }
        let image = try #require(x.images["samples/input"]?.items.first)
        #expect(image.width == 8 && image.height == 8 && image.images.count == 1)
        #expect(image.images[0].starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(x.text["notes/text_summary"]?.items.map(\.step) == [0])
        #expect(x.graph == nil && x.hparams.isEmpty)

        for name in ["adam", "sgd"] {
            #expect(loader.run("tensorboardX/lr/\(name)")?.scalars["lr"]?.steps == Array(0...19))
        }

        let hp = try #require(loader.run("tensorboardX/hparams"))
        #expect(
            hp.hparams.keys.sorted() == [
                "_hparams_/experiment", "_hparams_/session_end_info", "_hparams_/session_start_info",
            ])
        let experiment = try HParamsHParamsPluginData(serializedBytes: hp.hparams["_hparams_/experiment"]!)
        #expect(experiment.experiment.hparamInfos.map(\.name).sorted() == ["batch_size", "dropout", "lr", "optimizer"])
        #expect(hp.scalars.keys.sorted() == ["hparam/accuracy", "hparam/loss"])

        let tf1 = try #require(loader.run("tf1_filewriter_mlp"))
        let graph = try GraphDef(serializedBytes: try #require(tf1.graph))
        #expect(graph.node.contains { $0.name.hasPrefix("layer1/") })
        #expect(tf1.metaGraph != nil)
        #expect(tf1.scalars.keys.sorted() == ["accuracy_1", "loss_1"])
        #expect(tf1.scalars.values.allSatisfy { $0.steps == Array(0...9) })
        #expect(tf1.histograms.keys.sorted() == ["layer1/activations", "layer1/weights_1", "layer2/weights_1"])
        #expect(tf1.histograms.values.allSatisfy { $0.items.map(\.step) == Array(0...9) })

        let tf2 = try #require(loader.run("tf2_summary"))
        #expect(tf2.scalars.keys.sorted() == ["learning_rate", "loss"])
        #expect(tf2.scalars.values.allSatisfy { $0.steps == Array(0...19) })
        let weights = try #require(tf2.histograms["weights"]?.items)
        #expect(weights.map(\.step) == [0, 5, 10, 15])
        #expect(weights.allSatisfy { $0.buckets.count == 30 && $0.num > 0 })
        let images = try #require(tf2.images["samples"]?.items)
        #expect(images.count == 1 && images[0].width == 8 && images[0].height == 8 && images[0].images.count == 2)
        #expect(tf2.text["notes"]?.items.map(\.step) == [0])
        #expect(tf2.graph == nil)
    }
}
