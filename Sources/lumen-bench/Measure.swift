import Foundation

/// Timing helpers: every figure is the median of several runs, each run timing a batch of iterations
/// long enough to dwarf the clock's resolution.
enum Measure {
    /// Seconds per iteration, the median over `runs` runs of `iterations` calls each.
    static func secondsPerIteration(runs: Int = 7, iterations: Int, _ body: () -> Void) -> Double {
        body()  // warm-up: page in buffers, spin up thread pools
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { body() }
            let end = DispatchTime.now().uptimeNanoseconds
            samples.append(Double(end - start) / 1e9 / Double(iterations))
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Picks an iteration count so that one run lasts about `target` seconds.
    static func iterations(toFill target: Double = 0.2, _ body: () -> Void) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let once = max(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, 1e-9)
        return max(1, min(10_000_000, Int(target / once)))
    }

    /// Times `ours` and `reference` interleaved run by run, so drift on a shared machine hits both.
    static func compare(runs: Int = 7, ours: () -> Void, reference: () -> Void) -> (ours: Double, reference: Double) {
        let n1 = iterations(ours), n2 = iterations(reference)
        ours(); reference()
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<runs {
            a.append(secondsPerIteration(runs: 1, iterations: n1, ours))
            b.append(secondsPerIteration(runs: 1, iterations: n2, reference))
        }
        a.sort(); b.sort()
        return (a[runs / 2], b[runs / 2])
    }
}

/// Formats a figure the way the issue asks: `NAME: ours=… ref=… ratio=… aim=…` (ratio `-` when
/// there is no reference).
func report(_ name: String, ours: String, reference: String, ratio: Double, aim: String) {
    let ratioText = ratio.isFinite ? String(format: "%.2f", ratio) : "-"
    print("\(name): ours=\(ours) ref=\(reference) ratio=\(ratioText) aim=\(aim)")
    fflush(nil)
}

func format(_ value: Double, _ unit: String, digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value) + unit
}
