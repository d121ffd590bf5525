import Foundation
import Testing
@testable import LumenBoard
import LumenTestSupport

@Suite struct LogdirSpecTests {
    typealias Entry = LogdirSpec.Entry

    @Test func plainPathsAreOneLogdir() throws {
        #expect(try LogdirSpec(parsing: "/tmp/logs").entries == [Entry(name: nil, path: "/tmp/logs")])
        #expect(try LogdirSpec(parsing: "logs").entries == [Entry(name: nil, path: "logs")])
        // No named entry: the whole value is one path, commas and all.
        #expect(try LogdirSpec(parsing: "/tmp/a,b").entries == [Entry(name: nil, path: "/tmp/a,b")])
        // TensorBoard's exceptions to name:path: a leading slash, a URI, a drive letter.
        #expect(try LogdirSpec(parsing: "/foo:bar/baz").entries == [Entry(name: nil, path: "/foo:bar/baz")])
        #expect(try LogdirSpec(parsing: "gs://bucket/logs").entries == [Entry(name: nil, path: "gs://bucket/logs")])
        #expect(try LogdirSpec(parsing: "C:\\logs").entries == [Entry(name: nil, path: "C:\\logs")])
    }

    @Test func namedEntries() throws {
        #expect(
            try LogdirSpec(parsing: "train:/tmp/a,eval:/tmp/b").entries == [
                Entry(name: "train", path: "/tmp/a"), Entry(name: "eval", path: "/tmp/b"),
            ])
        // Split at the first colon only; plain paths may sit beside named ones.
        #expect(
            try LogdirSpec(parsing: "xy:/a:b,/c").entries == [
                Entry(name: "xy", path: "/a:b"), Entry(name: nil, path: "/c"),
            ])
        // A single letter before the colon is a drive, not a name.
        #expect(
            try LogdirSpec(parsing: "ab:/x,c:/y").entries == [
                Entry(name: "ab", path: "/x"), Entry(name: nil, path: "c:/y"),
            ])
        #expect(try LogdirSpec(parsing: "one:rel/dir").entries == [Entry(name: "one", path: "rel/dir")])
    }

    @Test func malformedSpecsAreClearErrors() {
        func message(_ text: String) -> String? {
            do {
                _ = try LogdirSpec(parsing: text)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message("")?.contains("empty") == true)
        #expect(message("aa:/x,,bb:/y")?.contains("entry 2 is empty") == true)
        #expect(message("aa:/x,")?.contains("entry 2 is empty") == true)
        #expect(message(":/x,bb:/y")?.contains("empty name") == true)
        #expect(message("aa:")?.contains("no path") == true)
        #expect(message("aa:/x,aa:/y")?.contains("'aa' is given twice") == true)
    }

    @Test func runsUnderNamedLogdirsArePrefixed() throws {
        let one = try TemporaryDirectory()
        let two = try TemporaryDirectory()
        defer {
            one.remove()
            two.remove()
        }
        let bytes = EventBytes.framed([EventBytes.scalar("x", step: 0, value: 1)])
        try one.write("events.out.tfevents.1.host", bytes)
        try one.write("sub/events.out.tfevents.1.host", bytes)
        try two.write("r/events.out.tfevents.1.host", bytes)
        let spec = try LogdirSpec(parsing: "train:\(one.path),eval:\(two.path)")
        let runs = RunDiscovery.discover(spec: spec)
        #expect(runs.keys.sorted() == ["eval/r", "train", "train/sub"])
        #expect(runs["train/sub"] == [one.file("sub/events.out.tfevents.1.host")])

        let loader = LogdirLoader(spec: spec)
        loader.reload()
        #expect(loader.runNames == ["eval/r", "train", "train/sub"])
        #expect(loader.run("eval/r")?.scalars["x"]?.steps == [0])
    }
}

@Suite struct SamplesPerPluginTests {
    @Test func anySubsetOverridesTheDefaults() throws {
        #expect(try SampleLimits(parsing: "histograms=7") == SampleLimits(histograms: 7))
        #expect(try SampleLimits(parsing: "images=3,text=all") == SampleLimits(images: 3, text: 0))
        #expect(
            try SampleLimits(parsing: "text=1, images=0 ,histograms=2")
                == SampleLimits(histograms: 2, images: 0, text: 1))
    }

    @Test func badValuesAreClearErrors() {
        func message(_ text: String) -> String? {
            do {
                _ = try SampleLimits(parsing: text)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(message("meshes=3")?.contains("unknown plugin 'meshes'") == true)
        #expect((try? SampleLimits(parsing: "audio=3,pr_curves=all")) == SampleLimits(audio: 3, prCurves: 0))
        #expect(message("images=-1")?.contains("integer ≥ 0") == true)
        #expect(message("images=ten")?.contains("not 'ten'") == true)
        #expect(message("images")?.contains("is not plugin=N") == true)
        #expect(message("images=1,images=2")?.contains("given twice") == true)
        #expect(message("scalars=100") == nil)
        #expect(message("scalars=lots")?.contains("not 'lots'") == true)
        #expect(message("")?.contains("is not plugin=N") == true)
    }

    @Test func scalarsAreAcceptedWithANote() throws {
        #expect(try SampleLimits(parsing: "scalars=1000,images=5") == SampleLimits(images: 5))
        #expect(SampleLimits.notes(parsing: "scalars=1000,images=5").first?.contains("never sampled") == true)
        #expect(SampleLimits.notes(parsing: "images=5").isEmpty)
    }

    @Test func limitsReachTheReservoirs() throws {
        var run = RunData(limits: try SampleLimits(parsing: "histograms=3"))
        for step in 0..<50 { run.add(serializedEvent: EventBytes.histogram("w", step: Int64(step))) }
        #expect(run.histograms["w"]?.items.count == 3)
        #expect(run.histograms["w"]?.items.last?.step == 49)
    }
}
