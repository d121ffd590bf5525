import Foundation
import LumenBoard
import LumenEvents
import LumenTestSupport

/// The board's `/api/graph` answer for a graph of 5,000 ops (issue 6: "a graph of 5,000 ops
/// answers within a second"), through `BoardAPI.respond` as the server calls it: parsing the
/// GraphDef (cold: a run name not seen before, so the parsed-graph cache misses), grouping,
/// layout and JSON. Three shapes of the same size: a scoped model graph with every scope
/// collapsed, the same with every scope expanded, and a flat graph of 5,000 ops in one layout.
enum BoardGraphBenchmarks {
    static func runAll(operations: Int = 5_000) {
        let scoped = SyntheticGraphs.graphDef(operations: operations)
        let flat = SyntheticGraphs.graphDef(operations: operations, scoped: false)
        guard let scopedBytes = try? scoped.serializedData(), let flatBytes = try? flat.serializedData(),
            let parsed = try? OpGraph(serializedGraphDef: scopedBytes)
        else {
            print("board-graph: failed to build the synthetic graphs")
            return
        }
        let everything = parsed.scopeNames.joined(separator: ",")
        let cases: [(String, Data, String)] = [
            ("collapsed", scopedBytes, ""), ("expanded", scopedBytes, everything), ("flat", flatBytes, ""),
        ]
        for (name, bytes, expand) in cases {
            var event = Event()
            event.graphDef = bytes
            var run = RunData()
            run.add(event)
            var counter = 0
            var size = 0
            // Cold: every call sees a new run name, so the GraphDef is parsed again.
            let cold = Measure.secondsPerIteration(runs: 5, iterations: 3) {
                counter += 1
                let runName = "run\(counter)"
                let answer = BoardAPI.respond(
                    endpoint: "graph", parameters: ["run": runName, "expand": expand],
                    snapshot: BoardSnapshot(runs: [runName: run]))
                size = answer.body.count
            }
            // Warm: the same run again (the UI expanding and collapsing), parse cached.
            let snapshot = BoardSnapshot(runs: ["warm": run])
            let warm = Measure.secondsPerIteration(runs: 5, iterations: 3) {
                size =
                    BoardAPI.respond(
                        endpoint: "graph", parameters: ["run": "warm", "expand": expand], snapshot: snapshot
                    ).body.count
            }
            report(
                "board-graph-\(operations)-\(name)",
                ours: format(cold * 1e3, " ms cold, ")
                    + format(warm * 1e3, " ms warm (\(size) bytes of JSON)", digits: 1),
                reference: "-", ratio: .nan, aim: "<=1000 ms")
        }
    }
}
