import Foundation
import LumenBoard

/// The comparison endpoints (issue 18), through `BoardAPI.respond` / `BoardExport` as the server
/// calls them:
/// - `/api/scalars` with `start`/`end`/`smoothing` on a 1,000,000-point series (aim ≤ 5 ms), next
///   to the same series downsampled without a window or smoothing (the answer before the issue);
///   also the first such query on a fresh series, before its chunks remember a smoothing state;
/// - `/api/aggregate` over 20 runs × 50,000 points in 4 groups (aim ≤ 20 ms);
/// - `/api/export` of 20 runs × 500,000 points, long and wide CSV, written in 128 KiB pieces as
///   the server streams them (aim ≥ 50 M points/s);
/// - the numbers' text alone: the board's shortest printer against the standard library's.
enum BoardCompareBenchmarks {
    /// A series of `count` points on a random walk, steps `0, stride, 2·stride...`.
    static func series(count: Int, stride: Int64 = 1, seed: UInt64) -> RunData {
        var run = RunData()
        var state = seed
        var value: Float = 1
        for i in 0..<count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            value += Float(Int64(bitPattern: state >> 11) % 1000) / 100_000
            run.addScalar(
                tag: "loss", step: Int64(i) * stride, wallTime: 1.7e9 + Double(i) * 0.25, value: Double(value))
        }
        return run
    }

    static func runAll() {
        // The allocator as the board sets it (the last group run, so the others keep the default).
        BoardAllocator.tune()
        // /api/scalars on 1 M points
        let big = BoardSnapshot(runs: ["big": series(count: 1_000_000, seed: 1)])
        let queries: [(String, [String: String])] = [
            ("window-smoothed", ["start": "250000", "end": "750000", "points": "1000", "smoothing": "0.9"]),
            ("full-smoothed", ["points": "1000", "smoothing": "0.9"]),
            ("zoomed-smoothed", ["start": "900000", "end": "901000", "points": "1000", "smoothing": "0.9"]),
        ]
        var size = 0
        let before = Measure.secondsPerIteration(runs: 7, iterations: 5) {
            size =
                BoardAPI.respond(
                    endpoint: "scalars", parameters: ["run": "big", "tag": "loss", "points": "1000"], snapshot: big
                ).body.count
        }
        for (name, extra) in queries {
            let q = extra.merging(["run": "big", "tag": "loss"]) { a, _ in a }
            // The first query on a series no query has smoothed yet (its chunks remember nothing),
            // then the same query again (median): what zooming and panning one card costs.
            let fresh = BoardSnapshot(runs: ["big": series(count: 1_000_000, seed: 1)])
            let start = DispatchTime.now().uptimeNanoseconds
            _ = BoardAPI.respond(endpoint: "scalars", parameters: q, snapshot: fresh)
            let first = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let seconds = Measure.secondsPerIteration(runs: 7, iterations: 5) {
                size = BoardAPI.respond(endpoint: "scalars", parameters: q, snapshot: big).body.count
            }
            report(
                "board-scalars-1m-\(name)",
                ours: format(seconds * 1e3, " ms (\(size) bytes; first query ") + format(first * 1e3, " ms)"),
                reference: format(before * 1e3, " ms (points=1000, no window or smoothing)"), ratio: before / seconds,
                aim: "<=5 ms")
        }

        // /api/aggregate over 20 runs × 50,000 points
        var runs: [String: RunData] = [:]
        for r in 0..<20 { runs["cfg\(r / 5)/seed\(r % 5)"] = series(count: 50_000, seed: UInt64(r + 10)) }
        let twenty = BoardSnapshot(runs: runs)
        for (name, points) in [("points-1000", "1000"), ("every-step", nil)] as [(String, String?)] {
            var q = ["group": #"(.*)/seed\d+"#, "tag": "loss", "stat": "mean_std"]
            q["points"] = points
            let seconds = Measure.secondsPerIteration(runs: 7, iterations: 3) {
                size = BoardAPI.respond(endpoint: "aggregate", parameters: q, snapshot: twenty).body.count
            }
            report(
                "board-aggregate-20x50k-\(name)", ours: format(seconds * 1e3, " ms (\(size) bytes)"), reference: "-",
                ratio: .nan, aim: "<=20 ms")
        }

        // /api/export of 10 M points
        var exportRuns: [String: RunData] = [:]
        for r in 0..<20 { exportRuns["run\(r)"] = series(count: 500_000, seed: UInt64(r + 100)) }
        let ten = BoardSnapshot(runs: exportRuns)
        for form in ["long", "wide"] {
            guard let export = try? BoardExport(parameters: ["format": form, "smoothing": "0.6"], snapshot: ten) else {
                continue
            }
            var bytes = 0
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 18)
            let seconds = Measure.secondsPerIteration(runs: 3, iterations: 1) {
                var stream = export.makeStream()
                bytes = 0
                var more = true
                while more {
                    buffer.removeAll(keepingCapacity: true)
                    more = stream.write(into: &buffer, atLeast: 1 << 17)
                    bytes += buffer.count
                }
            }
            let rate = Double(export.pointCount) / seconds
            report(
                "board-export-10m-\(form)",
                ours: format(rate / 1e6, " M points/s (\(export.pointCount) points, \(bytes >> 20) MiB in ")
                    + format(seconds, " s)"),
                reference: "-", ratio: .nan, aim: ">=50 M points/s")
        }

        // The numbers' text, which bounds the export: the board's shortest printer against the
        // standard library's (handing its ASCII straight to a byte buffer), on what an export
        // writes: wall times, float32 values widened to Double, smoothed values.
        var numbers: [Double] = []
        var state: UInt64 = 7
        for i in 0..<1_000_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Double(state >> 40) / Double(1 << 24)
            numbers += [1.7e9 + Double(i) * 0.25 + noise * 1e-3, Double(Float(noise * 3)), noise * 2.718281828]
        }
        numbers.removeAll { $0 == $0.rounded() }  // integers are written without a fraction, not by a printer
        var ours: [UInt8] = []
        ours.reserveCapacity(64 << 20)
        var theirs = StandardLibraryText(bytes: [])
        theirs.bytes.reserveCapacity(64 << 20)
        let oursSeconds = Measure.secondsPerIteration(runs: 5, iterations: 1) {
            ours.removeAll(keepingCapacity: true)
            for x in numbers { BoardJSON.writeNumber(x, into: &ours) }
        }
        let theirsSeconds = Measure.secondsPerIteration(runs: 5, iterations: 1) {
            theirs.bytes.removeAll(keepingCapacity: true)
            for x in numbers { x.write(to: &theirs) }
        }
        let perNumber = 1e9 / Double(numbers.count)
        report(
            "board-number-text",
            ours: format(oursSeconds * perNumber, " ns a number (\(ours == theirs.bytes ? "the same" : "OTHER") text)"),
            reference: format(theirsSeconds * perNumber, " ns (the standard library's printer)"),
            ratio: theirsSeconds / oursSeconds, aim: "-")
    }
}

/// The standard library's shortest printer, its ASCII appended to a byte buffer without a
/// `String` per number (`Double.write(to:)` hands a `TextOutputStream` its text through
/// `_writeASCII`): how the board wrote numbers before ``BoardJSON`` had its own printer.
struct StandardLibraryText: TextOutputStream {
    var bytes: [UInt8]

    mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
}
