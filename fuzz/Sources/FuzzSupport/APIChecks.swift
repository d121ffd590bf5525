import Foundation
import LumenBoard

/// Checks one answer of the JSON API: a 200, 400 or 404; JSON bodies parse, and an error's body
/// is an object whose `error` is a string; CSV rows have three fields.
public func checkResponse(_ response: BoardAPIResponse, endpoint: String, parameters: [String: String]) {
    let context = "/api/\(endpoint.debugDescription) \(parameters)"
    check([200, 400, 404].contains(response.status), "\(context) answered \(response.status)")
    if response.contentType.hasPrefix("application/json") {
        let parsed = try? JSONSerialization.jsonObject(with: Data(response.body), options: .fragmentsAllowed)
        check(parsed != nil, "\(context) answered invalid JSON: \(response.text.prefix(300))")
        if response.status != 200 {
            check((parsed as? [String: Any])?["error"] is String, "\(context): an error without an 'error' string")
        }
    } else if response.contentType.hasPrefix("text/csv") {
        check(response.status == 200, "\(context): CSV with status \(response.status)")
        let lines = response.text.split(separator: "\n", omittingEmptySubsequences: false)
        check(
            lines.first == "wall_time,step,value" && lines.last == "",
            "\(context): CSV without its header or last newline")
        for line in lines.dropFirst().dropLast() {
            check(
                line.split(separator: ",", omittingEmptySubsequences: false).count == 3, "\(context): CSV row '\(line)'"
            )
        }
    } else {
        let binary = ["image/png", "audio/wav", "application/octet-stream"]
        check(
            binary.contains(response.contentType) && response.status == 200,
            "\(context): content type \(response.contentType)")
    }
}

/// Asks every endpoint of the JSON API about every tag of `run` (as the only run, named `run`),
/// and checks each answer with ``checkResponse(_:endpoint:parameters:)``.
public func exerciseRun(_ run: RunData) {
    let snapshot = BoardSnapshot(runs: ["run": run])
    func ask(_ endpoint: String, _ parameters: [String: String] = [:]) {
        let response = BoardAPI.respond(endpoint: endpoint, parameters: parameters, snapshot: snapshot)
        checkResponse(response, endpoint: endpoint, parameters: parameters)
    }
    for endpoint in ["runs", "tags", "status", "hparams", "customscalars"] { ask(endpoint) }
    for tag in run.scalars.keys {
        ask("scalars", ["run": "run", "tag": tag])
        ask("scalars", ["run": "run", "tag": tag, "format": "csv", "points": "3"])
        ask("scalars", ["run": "run", "tag": tag, "points": "1"])
    }
    for tag in run.histograms.keys {
        ask("histograms", ["run": "run", "tag": tag])
        ask("distributions", ["run": "run", "tag": tag])
    }
    for tag in run.images.keys {
        ask("images", ["run": "run", "tag": tag])
        ask("image", ["run": "run", "tag": tag, "index": "0"])
    }
    for tag in run.text.keys { ask("text", ["run": "run", "tag": tag]) }
    for tag in run.prCurves.keys { ask("prcurves", ["run": "run", "tag": tag]) }
    for tag in run.audio.keys {
        ask("audio", ["run": "run", "tag": tag])
        ask("audioclip", ["run": "run", "tag": tag, "index": "0"])
    }
    for name in run.meshes.names { ask("meshes", ["run": "run", "tag": name]) }
    for tag in run.kerasModels.keys { ask("graph", ["run": "run", "conceptual": "true", "tag": tag]) }
    for tag in run.runMetadata.keys { ask("graph", ["run": "run", "stats": tag]) }
}
