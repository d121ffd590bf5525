import Foundation
import LumenEvents
import Synchronization

// board-bench-logdir: writes the logdir the board benchmark (bench/board) loads.
//
//   board-bench-logdir DIR [--runs 20] [--tags 10] [--steps 50000] [--histogram-every 500]
//                          [--compression none|gzip]
//
// Writes DIR/run00 ... one event file per run (through LumenEvents' EventFileWriter, plain or
// gzip), each with --tags scalar tags `scalar/0`... (float32 `simple_value`) at every step
// 0..<--steps and one histogram tag `weights` (TensorFlow's exponential buckets over 1,000
// normal samples) every --histogram-every steps. Values and wall times are deterministic (seeded
// per run), so every generation gives the same bytes up to the file names. Runs are written in
// parallel. Prints the number of files, events and bytes written.

struct Options {
    var directory = ""
    var runs = 20
    var tags = 10
    var steps = 50_000
    var histogramEvery = 500
    var compression = EventFileWriter.Compression.none
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("board-bench-logdir: \(message)\n".utf8))
    exit(2)
}

func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var index = 0
    func count(_ flag: String) -> Int {
        index += 1
        guard index < arguments.count, let value = Int(arguments[index]), value >= 0 else {
            fail("\(flag) needs a whole number ≥ 0")
        }
        return value
    }
    while index < arguments.count {
        switch arguments[index] {
        case "--runs": options.runs = count("--runs")
        case "--tags": options.tags = count("--tags")
        case "--steps": options.steps = count("--steps")
        case "--histogram-every": options.histogramEvery = count("--histogram-every")
        case "--compression":
            index += 1
            switch index < arguments.count ? arguments[index] : "" {
            case "none": options.compression = .none
            case "gzip": options.compression = .gzip
            default: fail("--compression must be 'none' or 'gzip'")
            }
        case let argument where argument.hasPrefix("-"):
            fail("unknown option \(argument)")
        case let argument:
            guard options.directory.isEmpty else { fail("one directory only, not also \(argument)") }
            options.directory = argument
        }
        index += 1
    }
    guard !options.directory.isEmpty else {
        fail(
            "usage: board-bench-logdir DIR [--runs N] [--tags N] [--steps N] [--histogram-every N] [--compression none|gzip]"
        )
    }
    return options
}

/// Knuth's MMIX linear congruential generator: seeded, so the logdir is the same every time.
struct Generator {
    var state: UInt64
    /// Uniform in [0, 1), from the high bits.
    mutating func uniform() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) * 0x1p-53
    }
    /// About standard normal: the Irwin–Hall sum of 12 uniforms, less 6.
    mutating func normal() -> Double { (0..<12).reduce(-6) { sum, _ in sum + uniform() } }
}

let options = parse(Array(CommandLine.arguments.dropFirst()))
let tags = (0..<options.tags).map { "scalar/\($0)" }
let failures = Mutex<[String]>([])
let totals = Mutex<(files: Int, events: Int, bytes: Int64)>((0, 0, 0))

DispatchQueue.concurrentPerform(iterations: options.runs) { run in
    let logdir = (options.directory as NSString).appendingPathComponent(String(format: "run%02d", run))
    do {
        let writer = try EventFileWriter(
            logdir: logdir, compression: options.compression, flushInterval: 3600, maxQueue: 1 << 20)
        var random = Generator(state: UInt64(run) &* 0x1234_5678_9ABC_DEF1 &+ 1)
        let start = 1_700_000_000.0 + Double(run) * 3600
        var events = 1  // the file_version event
        var samples = [Double](repeating: 0, count: 1000)
        for step in 0..<options.steps {
            // About 20 ms a step, with a little jitter, like a real training loop's clock.
            let wallTime = start + Double(step) * 0.02 + random.uniform() * 0.001
            for (t, tag) in tags.enumerated() {
                let decay = exp(-Double(step) / Double(5_000 * (t + 1)))
                let value = Float(decay + 0.05 * random.normal() + Double(t))
                writer.writeScalar(tag: tag, value: value, step: Int64(step), wallTime: wallTime)
            }
            events += tags.count
            if options.histogramEvery > 0, step % options.histogramEvery == 0 {
                let spread = 1 + Double(step) / Double(max(options.steps, 1))
                for i in samples.indices { samples[i] = random.normal() * spread }
                let histogram = HistogramProto(values: samples)
                writer.write(
                    Summary(values: [.histogram(tag: "weights", histogram: histogram)]),
                    step: Int64(step), wallTime: wallTime)
                events += 1
            }
        }
        try writer.close()
        let size =
            (try? FileManager.default.attributesOfItem(atPath: writer.path)[.size] as? NSNumber)??.int64Value ?? 0
        totals.withLock { $0 = ($0.files + 1, $0.events + events, $0.bytes + size) }
    } catch {
        failures.withLock { $0.append("\(logdir): \(error)") }
    }
}

for failure in failures.withLock({ $0 }) {
    FileHandle.standardError.write(Data("board-bench-logdir: \(failure)\n".utf8))
}
let result = totals.withLock { $0 }
print("wrote \(result.files) files, \(result.events) events, \(result.bytes) bytes to \(options.directory)")
exit(failures.withLock { $0.isEmpty } ? 0 : 1)
