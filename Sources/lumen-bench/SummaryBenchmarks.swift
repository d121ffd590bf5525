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
                let size =
                    (try FileManager.default.attributesOfItem(atPath: writer.eventFilePath)[.size] as? NSNumber)?
                    .doubleValue ?? .nan
                let rate = Double(events) / seconds
                report(
                    "summary-add-scalar-\(name)", ours: format(rate, " events/s", digits: 0),
                    reference: tbx.map { format($0, " events/s (tensorboardX)", digits: 0) } ?? "-",
                    ratio: tbx.map { rate / $0 } ?? .nan, aim: name == "gzip" ? ">=50" : "-")
                let bytes = size / Double(events)
                let tbxBytes = reference["tbx-bytes-per-scalar"]
                report(
                    "summary-bytes-per-scalar-\(name)", ours: format(bytes, " bytes"),
                    reference: tbxBytes.map { format($0, " bytes (tensorboardX, plain)") } ?? "-",
                    ratio: tbxBytes.map { $0 / bytes } ?? .nan, aim: name == "gzip" ? "<=10 bytes" : "-")
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
            report(
                "summary-histogram-1M",
                ours: format(1 / seconds, " histograms/s (\(Int((1 / seconds).rounded())) M values/s)", digits: 1),
                reference: "-", ratio: .nan, aim: "-")
        } catch {
            print("summary-histogram-1M: failed: \(error)")
        }
    }
}
