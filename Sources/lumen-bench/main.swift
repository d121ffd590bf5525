import Foundation
import Lumen

// lumen-bench: one line per figure, `NAME: ours=… ref=… ratio=…`, ratio = our speed ÷ the reference's.
// Build with `-c release`. Options:
//   --reference FILE   `NAME: seconds` lines of reference figures measured in the same session by
//                      bench/torch_reference.py (PyTorch eager), used where the reference is not
//                      in this process; bench/tf_reference.py (TensorFlow 1 graph mode) gives the
//                      `graph` group's `session-run` and `graph-mlp-step`, bench/tbx_reference.py
//                      (tensorboardX) the `summary` group's `summary-add-scalar`
//   --only GROUP       core, training, graph, summary or board-graph
//   --projector FILE ROWS COLUMNS [ITERATIONS [RUNS [TSNE-RUNS]]]
//                      the projector's PCA and t-SNE on a raw float32 matrix (bench/projector)
//   --only GROUP       core, training, graph, summary, board-graph or board-compare
//   --profile NAME [STEPS]
//                      runs STEPS (default 100) untimed training steps of NAME (mlp-step,
//                      cnn-step) and nothing else, for profilers such as callgrind
var arguments = CommandLine.arguments.dropFirst()
var reference: [String: Double] = [:]
let allGroups: Set<String> = ["core", "training", "graph", "summary", "board-graph", "board-compare"]
var groups = allGroups
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--reference":
        guard let path = arguments.popFirst() else { fail("--reference needs a file") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let value = Double(parts[1]) { reference[parts[0]] = value }
        }
    case "--only":
        guard let group = arguments.popFirst(), allGroups.contains(group) else {
            fail("--only takes core, training, graph, summary, board-graph or board-compare")
        }
        groups = [group]
    case "--projector":
        let values = Array(arguments)
        guard values.count >= 3, let rows = Int(values[1]), let columns = Int(values[2]) else {
            fail("--projector needs FILE ROWS COLUMNS [ITERATIONS [RUNS [TSNE-RUNS]]]")
        }
        let numbers = values.dropFirst(3).compactMap { Int($0) }
        ProjectorBenchmarks.runAll(
            path: values[0], rows: rows, columns: columns, iterations: numbers.first ?? 500,
            runs: numbers.dropFirst().first ?? 3, tsneRuns: numbers.dropFirst(2).first ?? 1)
        exit(0)
    case "--profile":
        guard let name = arguments.popFirst() else { fail("--profile needs a training figure name") }
        let steps = arguments.first.flatMap { Int($0) }
        if steps != nil { arguments.removeFirst() }
        TrainingBenchmarks.profile(name, steps: steps ?? 100)
        exit(0)
    default:
        fail("unknown option \(argument)")
    }
}
print(
    "lumen-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS threads \(Threading.currentBLASThreads)"
)
if groups.contains("core") { CoreBenchmarks.runAll(tinyOpReferenceNanoseconds: reference["tiny-op"].map { $0 * 1e9 }) }
if groups.contains("training") { TrainingBenchmarks.runAll(reference: reference) }
if groups.contains("graph") { GraphBenchmarks.runAll(reference: reference) }
if groups.contains("summary") { SummaryBenchmarks.runAll(reference: reference) }
if groups.contains("board-graph") { BoardGraphBenchmarks.runAll() }
if groups.contains("board-compare") { BoardCompareBenchmarks.runAll() }
