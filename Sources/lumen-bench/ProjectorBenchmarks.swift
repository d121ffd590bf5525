import Foundation
import LumenBoard

/// The projector's computations on an n × d float32 matrix read from a raw little-endian file
/// (bench/projector_bench.py writes it and runs the references on the same data): PCA to 3
/// components (median of `runs`), and t-SNE in 2-D with perplexity 30 — the affinities (nearest
/// neighbours and bandwidths) and `iterations` gradient iterations — timed once per run.
/// Prints `projector-pca-N: seconds` (and `projector-pca-exact-svd-N`, the exact SVD's, where it
/// is allowed), `projector-tsne-affinities-N: seconds` and
/// `projector-tsne-N: seconds` (affinities plus iterations).
enum ProjectorBenchmarks {
    static func runAll(path: String, rows: Int, columns: Int, iterations: Int, runs: Int, tsneRuns: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            print("projector: cannot read \(path)")
            return
        }
        let matrix: EmbeddingMatrix
        do { matrix = try EmbeddingFiles.parseBinary([UInt8](data), shape: [rows, columns], name: path) } catch {
            print("projector: \(error)")
            return
        }
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var pca: [Double] = []
        for _ in 0..<runs { pca.append(seconds { _ = try? PCA.compute(matrix, components: 3) }) }
        print("projector-pca-\(rows): \(median(pca))")
        if rows * columns <= PCA.exactLimit {
            // The exact SVD on the same matrix, for the choice of method (docs/projector.md).
            var exact: [Double] = []
            for _ in 0..<runs { exact.append(seconds { _ = try? PCA.compute(matrix, components: 3, method: .exact) }) }
            print("projector-pca-exact-svd-\(rows): \(median(exact))")
        }
        var affinities: [Double] = [], total: [Double] = []
        for _ in 0..<tsneRuns {
            var tsne: TSNE?
            let setup = seconds { tsne = try? TSNE(matrix, dims: 2, perplexity: 30, seed: 1) }
            guard let tsne else { print("projector: t-SNE failed to start"); return }
            let optimise = seconds { tsne.run(iterations) }
            affinities.append(setup)
            total.append(setup + optimise)
        }
        print("projector-tsne-affinities-\(rows): \(median(affinities))")
        print("projector-tsne-\(rows): \(median(total))")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
}
