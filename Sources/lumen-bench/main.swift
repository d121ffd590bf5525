import Foundation
import Lumen

// lumen-bench: one line per figure, `NAME: ours=… ref=… ratio=…`, ratio = our speed ÷ the reference's.
// Build with `-c release`. Options:
//   --only NAME[,NAME…]      run only these groups (core)
//   --torch-tiny-op-ns N     PyTorch's tiny-op time, measured by bench/run in the same session
var arguments = CommandLine.arguments.dropFirst()
var torchTinyOp: Double?
while let argument = arguments.popFirst() {
    switch argument {
    case "--torch-tiny-op-ns":
        guard let value = arguments.popFirst().flatMap(Double.init) else {
            FileHandle.standardError.write(Data("--torch-tiny-op-ns needs a number of nanoseconds\n".utf8))
            exit(2)
        }
        torchTinyOp = value
    default:
        FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
        exit(2)
    }
}
print("lumen-bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS threads \(Threading.currentBLASThreads)")
CoreBenchmarks.runAll(tinyOpReferenceNanoseconds: torchTinyOp)
