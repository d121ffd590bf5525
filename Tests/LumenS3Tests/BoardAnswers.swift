import Foundation
import LumenBoard

/// Every answer the board's API gives for a snapshot: the lists, the status, and each run's
/// scalars, histograms, distributions, images (and each image), text and graph, by request.
enum BoardAnswers {
    static func all(_ snapshot: BoardSnapshot) -> [String: String] {
        var out: [String: String] = [:]
        func ask(_ endpoint: String, _ parameters: [String: String] = [:]) {
            let answer = BoardAPI.respond(endpoint: endpoint, parameters: parameters, snapshot: snapshot)
            let key =
                endpoint + "?"
                + parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            let body =
                answer.contentType.hasPrefix("image/")
                ? answer.body.map { String($0, radix: 16) }.joined(separator: " ") : answer.text
            out[key] = "\(answer.status) \(answer.contentType) \(body)"
        }
        ask("runs")
        ask("tags")
        ask("hparams")
        ask("status")
        for (run, data) in snapshot.runs {
            for tag in data.scalarTags { ask("scalars", ["run": run, "tag": tag]) }
            for tag in data.histograms.keys {
                ask("histograms", ["run": run, "tag": tag])
                ask("distributions", ["run": run, "tag": tag])
            }
            for (tag, images) in data.images {
                ask("images", ["run": run, "tag": tag])
                for index in 0..<images.items.reduce(0, { $0 + $1.images.count }) {
                    ask("image", ["run": run, "tag": tag, "index": String(index)])
                }
            }
            for tag in data.text.keys { ask("text", ["run": run, "tag": tag]) }
            if data.graph != nil || data.metaGraph != nil { ask("graph", ["run": run]) }
        }
        return out
    }

    /// The keys whose answers differ between `a` and `b` (both missing counts as differing).
    static func differences(_ a: [String: String], _ b: [String: String]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}
