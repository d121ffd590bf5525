import Foundation
import Lumen

/// Summary writing: `addScalar` events per second sustained to disk (10M events, until `close()`
/// returns), bytes per scalar on disk, and histograms of 1M values per second. The reference is
/// tensorboardX's `add_scalar`, measured by bench/tbx_reference.py (`summary-add-scalar: seconds`).
enum SummaryBenchmarks {
    static func runAll(reference: [String: Double], events: Int = 10_000_000) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-bench-summary-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tbx = reference["summary-add-scalar"].map { 1 / $0 }
        for (name, compression) in [("gzip", SummaryWriter.Compression.gzip), ("plain", .none)] {
            let logdir = root + "/" + name
            do {
                let start = DispatchTime.now().uptimeNanoseconds
                let writer = try SummaryWriter(logdir: logdir, compression: compression)
                for step in 0..<events {
                    writer.addScalar("train/loss", 1 / Double(step + 1), step: step)
                }
                try writer.close()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let size = (try FileManager.default.attributesOfItem(atPath: writer.eventFilePath)[.size] as? NSNumber)?.doubleValue ?? .nan
                let rate = Double(events) / seconds
                let ratio = tbx.map { String(format: " ref=%.0f events/s ratio=%.1f", $0, rate / $0) } ?? ""
                print(String(format: "summary-add-scalar-%@: ours=%.0f events/s (%d events in %.2f s)%@", name, rate, events, seconds, ratio))
                print(String(format: "summary-bytes-per-scalar-%@: %.2f", name, size / Double(events)))
            } catch {
                print("summary-add-scalar-\(name): failed: \(error)")
            }
        }
        do {
            let values = Tensor((0..<1_000_000).map { Float(sin(Double($0) * 0.001) * 10) }, shape: [1_000, 1_000])
            let writer = try SummaryWriter(logdir: root + "/histograms")
            var step = 0
            let seconds = Measure.secondsPerIteration(runs: 5, iterations: 4) {
                writer.addHistogram("weights", values, step: step)
                step += 1
            }
            try writer.close()
            print(String(format: "summary-histogram-1M: ours=%.1f histograms/s (%.0f M values/s)", 1 / seconds, 1 / seconds))
        } catch {
            print("summary-histogram-1M: failed: \(error)")
        }
    }
}
