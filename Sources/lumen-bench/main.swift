import Foundation
import Lumen

// lumen-bench: one line per figure, `NAME: ours=… ref=… ratio=…`, ratio = our speed ÷ the reference's.
// Build with `-c release`. Options:
//   --reference FILE   `NAME: seconds` lines of reference figures measured in the same session by
//                      bench/torch_reference.py (PyTorch eager), used where the reference is not
//                      in this process; bench/tf_reference.py (TensorFlow 1 graph mode) gives the
//                      `graph` group's `session-run` and `graph-mlp-step`
//                      bench/tbx_reference.py (tensorboardX) gives the `summary` group's
//                      `summary-add-scalar`
//   --only GROUP       core, training, graph or summary
var arguments = CommandLine.arguments.dropFirst()
var reference: [String: Double] = [:]
var groups: Set<String> = ["core", "training", "graph", "summary"]
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
        guard let group = arguments.popFirst(), ["core", "training", "graph", "summary"].contains(group) else {
            fail("--only takes core, training, graph or summary")
        }
        groups = [group]
    default:
        fail("unknown option \(argument)")
    }
}
print("lumen-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS threads \(Threading.currentBLASThreads)")
if groups.contains("core") { CoreBenchmarks.runAll(tinyOpReferenceNanoseconds: reference["tiny-op"].map { $0 * 1e9 }) }
if groups.contains("training") { TrainingBenchmarks.runAll(reference: reference) }
if groups.contains("graph") { GraphBenchmarks.runAll(reference: reference) }
if groups.contains("summary") { SummaryBenchmarks.runAll(reference: reference) }
