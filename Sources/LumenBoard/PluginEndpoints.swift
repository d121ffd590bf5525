import Foundation
import LumenEvents

/// The endpoints of the PR curves, audio and custom-scalars dashboards, and the `ignored` list of
/// `/api/status`.
extension BoardAPI {
    static func pluginAnswer(endpoint: String, _ q: [String: String], _ snapshot: BoardSnapshot) throws
        -> BoardAPIResponse
    {
        switch endpoint {
        case "prcurves":
            let (_, reservoir) = try lookup(q, snapshot, kind: "PR curve") { $0.prCurves }
            return .json(.array(reservoir.items.map(\.json)))
        case "audio":
            let (_, reservoir) = try lookup(q, snapshot, kind: "audio") { $0.audio }
            var out: [BoardJSON] = []
            for item in reservoir.items {
                for clip in item.clips {
                    out.append(
                        .object([
                            ("wallTime", .number(item.wallTime)), ("step", .integer(item.step)),
                            ("index", .integer(Int64(out.count))),
                            ("sampleRate", clip.sampleRate.map(BoardJSON.number) ?? .null),
                            ("contentType", .string(clip.contentType)), ("label", .string(clip.label)),
                        ]))
                }
            }
            return .json(.array(out))
        case "audioclip":
            let clip = try indexed(q, snapshot, kind: "audio clip", { $0.audio }, items: \.clips)
            return BoardAPIResponse(status: 200, contentType: clip.contentType, body: [UInt8](clip.data))
        case "customscalars":
            let layouts = snapshot.runs.keys.sorted().compactMap { name -> Layout? in
                guard let bytes = snapshot.runs[name]?.customScalarsLayout else { return nil }
                return try? Layout(serializedBytes: bytes)
            }
            return .json(CustomScalarsLayout.json(CustomScalarsLayout.merged(layouts)))
        default:
            throw Failure(status: 404, message: "no such endpoint: /api/\(endpoint)")
        }
    }

    /// `[{"run", "plugin", "tags", "events"}]`: per run and plugin, the summaries not shown, by
    /// run then plugin name.
    static func ignored(_ snapshot: BoardSnapshot) -> BoardJSON {
        var out: [BoardJSON] = []
        for name in snapshot.runs.keys.sorted() {
            guard let run = snapshot.runs[name] else { continue }
            for plugin in run.ignored.keys.sorted() {
                guard let entry = run.ignored[plugin] else { continue }
                out.append(
                    .object([
                        ("run", .string(name)), ("plugin", .string(plugin)),
                        ("tags", .array(entry.tags.sorted().map(BoardJSON.string))),
                        ("events", .integer(Int64(entry.events))),
                    ]))
            }
        }
        return .array(out)
    }
}
