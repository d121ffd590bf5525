import Foundation
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard

/// What TensorFlow writes beside the op graph (`fixtures/graph_extras`, written by
/// `scripts/make_graph_extras_fixture.py`): the Keras conceptual graph served by
/// `/api/graph?conceptual=true` against TensorBoard's graphs plugin's conceptual GraphDef, and the
/// step statistics of `/api/graph?stats=TAG` against its RunMetadata joined as its dashboard joins
/// it (`scripts/tensorboard_graph_extras.py`).
@Suite(.serialized) struct GraphExtrasTests {
    static let logdir = Repository.path("fixtures/graph_extras")

    static func reference() throws -> [String: [String: [String: Any]]] {
        let data = try Repository.runPythonScript("scripts/tensorboard_graph_extras.py", [logdir])
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: Any]]])
    }

    static func graph(_ q: [String: String], _ snapshot: BoardSnapshot) throws -> [[String: Any]] {
        let answer = BoardAPI.respond(endpoint: "graph", parameters: q, snapshot: snapshot)
        #expect(answer.status == 200, "\(q): \(answer.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        return json["nodes"] as? [[String: Any]] ?? []
    }

    /// Every scope of `names` (each prefix before a `/`), for `expand`.
    static func scopes(_ names: [String]) -> String {
        var out = Set<String>()
        for name in names {
            let parts = name.split(separator: "/")
            for i in 1..<max(parts.count, 1) { out.insert(parts[..<i].joined(separator: "/")) }
        }
        return out.sorted().joined(separator: ",")
    }

    @Test(.enabled(if: Repository.pythonImports(["tensorboard"]), "needs .venv with tensorboard (scripts/setup)"))
    func kerasConceptualGraphs() async throws {
        let reference = try Self.reference()
        let snapshot = await BoardLoader(logdir: Self.logdir).reload()
        var checked = 0
        for (run, entry) in reference {
            let conceptual = entry["conceptual"] as? [String: [[String: Any]]] ?? [:]
            let tags = BoardAPI.respond(endpoint: "tags", parameters: [:], snapshot: snapshot).text
            if !conceptual.isEmpty {
                #expect(
                    tags.contains(
                        #""conceptualGraphs":[\#(conceptual.keys.sorted().map { "\"\($0)\"" }.joined(separator: ","))]"#
                    ))
            }
            for (tag, wanted) in conceptual {
                let names = wanted.compactMap { $0["name"] as? String }
                let nodes = try Self.graph(
                    ["run": run, "conceptual": "true", "tag": tag, "expand": Self.scopes(names)], snapshot)
                #expect(
                    Set(nodes.compactMap { $0["name"] as? String }) == Set(names) && nodes.count == names.count,
                    "\(run) \(tag) layers")
                let byName = Dictionary(
                    nodes.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
                for want in wanted {
                    let node = try #require(byName[want["name"] as? String ?? ""], "\(want)")
                    #expect(node["op"] as? String == want["class"] as? String, "\(want)")
                    var seen = Set<String>()
                    let inputs = (want["inputs"] as? [String] ?? []).filter { seen.insert($0).inserted }
                    #expect(node["inputs"] as? [String] == inputs, "\(run) \(tag) \(want["name"] ?? "") inputs")
                    checked += 1
                }
            }
        }
        #expect(checked >= 10)
    }

    @Test(.enabled(if: Repository.pythonImports(["tensorboard"]), "needs .venv with tensorboard (scripts/setup)"))
    func stepStatistics() async throws {
        let reference = try Self.reference()
        let snapshot = await BoardLoader(logdir: Self.logdir).reload()
        var checked = 0
        for (run, entry) in reference {
            for (tag, stats) in entry["stats"] as? [String: [String: [String: Any]]] ?? [:] {
                // Every op expanded: each op's own figures.
                let all = try Self.graph(["run": run], snapshot)
                let expandAll = try Self.graph(
                    [
                        "run": run,
                        "expand": Self.scopes(stats.keys.sorted() + all.compactMap { $0["name"] as? String }),
                    ], snapshot)
                let names = expandAll.compactMap { $0["name"] as? String }
                let ops = try Self.graph(["run": run, "stats": tag, "expand": Self.scopes(names)], snapshot)
                for node in ops {
                    let name = try #require(node["name"] as? String)
                    guard let want = stats[name] else {
                        #expect(node["computeMicros"] == nil && node["memoryBytes"] == nil, "\(name) has no statistics")
                        continue
                    }
                    #expect(node["computeMicros"] as? Int == want["computeMicros"] as? Int, "\(name) compute time")
                    #expect(node["memoryBytes"] as? Int == want["memoryBytes"] as? Int, "\(name) memory")
                    checked += 1
                }
                // Collapsed scopes: the span of their ops and the sum of their bytes.
                for node in try Self.graph(["run": run, "stats": tag], snapshot) where node["op"] as? String == "scope"
                {
                    let scope = try #require(node["name"] as? String)
                    let inside = stats.filter { $0.key.hasPrefix(scope + "/") && names.contains($0.key) }.map(\.value)
                    let starts = inside.compactMap { $0["start"] as? Int },
                        ends = inside.compactMap { $0["end"] as? Int }
                    let bytes = inside.compactMap { $0["memoryBytes"] as? Int }.reduce(0, +)
                    guard !inside.isEmpty else {
                        #expect(node["memoryBytes"] == nil, "\(scope) has no statistics")
                        continue
                    }
                    #expect(node["memoryBytes"] as? Int == bytes, "\(scope) memory")
                    #expect(
                        node["computeMicros"] as? Int == ends.max().flatMap { end in starts.min().map { end - $0 } },
                        "\(scope) compute time")
                    checked += 1
                }
            }
        }
        #expect(checked >= 8)
        let bad = BoardAPI.respond(
            endpoint: "graph", parameters: ["run": "tf1_trace", "stats": "nope"], snapshot: snapshot)
        #expect(bad.status == 404 && bad.text.contains("no run metadata tag 'nope'"))
        let noKeras = BoardAPI.respond(
            endpoint: "graph", parameters: ["run": "tf1_trace", "conceptual": "true"], snapshot: snapshot)
        #expect(noKeras.status == 404 && noKeras.text.contains("no Keras model"))
    }
}
