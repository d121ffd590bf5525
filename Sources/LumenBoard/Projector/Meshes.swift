import Foundation
import LumenEvents

/// One part of a mesh summary (the mesh plugin writes vertices, faces and colours as three
/// tensors, under the tags `<name>_VERTEX`, `<name>_FACE` and `<name>_COLOR`).
public struct MeshPart: Stepped, Sendable, Equatable {
    public enum Content: Int, Sendable { case vertex = 1, face = 2, color = 3 }
    public var step: Int64
    public var wallTime: Double
    public var content: Content
    /// `[B, N, 3]`: B samples of N triples.
    public var shape: [Int]
    /// The tensor's values, row-major.
    public var values: [Double]
}

/// The mesh summaries of one run: per instance tag its plugin data and sampled parts.
public struct MeshSummaries: Sendable {
    /// How many parts are kept per instance tag.
    public static let capacity = 100
    public private(set) var metadata: [String: MeshPluginContent] = [:]
    public private(set) var parts: [String: Reservoir<MeshPart>] = [:]

    public init() {}

    /// The mesh names (`MeshPluginContent.name`), sorted.
    public var names: [String] { Set(metadata.values.map(\.name)).sorted() }

    /// Notes a summary's mesh metadata (the first one per tag decides).
    mutating func noteMetadata(tag: String, content: Data) {
        guard metadata[tag] == nil, let data = MeshPluginContent(serialized: content) else { return }
        metadata[tag] = data
    }

    /// Adds one mesh tensor of instance tag `tag`.
    mutating func add(_ tensor: TensorProto, tag: String, step: Int64, wallTime: Double, seed: UInt64) {
        guard let data = metadata[tag], let content = MeshPart.Content(rawValue: data.content) else { return }
        let values: [Double]?
        if tensor.dtype == .dtUint8 {
            values =
                tensor.tensorContent.isEmpty ? tensor.intVal.map(Double.init) : tensor.tensorContent.map(Double.init)
        } else {
            values = TensorValues.numbers(tensor)
        }
        guard let values else { return }
        let shape = tensor.tensorShape.dim.map { Int($0.size) }
        // [samples, points, 3], every size as the values count it (sizes come from the file).
        guard shape.count == 3, shape[2] == 3, shape.allSatisfy({ $0 >= 0 }) else { return }
        let (points, overflow) = shape[0].multipliedReportingOverflow(by: shape[1])
        let (count, overflow3) = points.multipliedReportingOverflow(by: 3)
        guard !overflow, !overflow3, count == values.count else { return }
        if parts[tag] == nil { parts[tag] = Reservoir(capacity: Self.capacity, seed: seed) }
        parts[tag]?.add(MeshPart(step: step, wallTime: wallTime, content: content, shape: shape, values: values))
    }

    mutating func purge(fromStep step: Int64) {
        for tag in parts.keys { parts[tag]?.purge(fromStep: step) }
    }

    /// The `/api/meshes` answer for mesh `name`: one entry per step and sample with a vertex
    /// tensor, with that step's faces and colours.
    public func json(name: String) -> BoardJSON? {
        let tags = metadata.filter { $0.value.name == name }
        guard !tags.isEmpty else { return nil }
        var byContent: [MeshPart.Content: [Int64: MeshPart]] = [:]
        var config: String = ""
        for (tag, data) in tags.sorted(by: { $0.key < $1.key }) {
            if config.isEmpty { config = data.jsonConfig }
            guard let content = MeshPart.Content(rawValue: data.content) else { continue }
            for part in parts[tag]?.items ?? [] { byContent[content, default: [:]][part.step] = part }
        }
        let configJSON = Self.json(fromText: config) ?? .object([])
        var out: [BoardJSON] = []
        for (step, vertices) in (byContent[.vertex] ?? [:]).sorted(by: { $0.key < $1.key }) {
            for sample in 0..<vertices.shape[0] {
                func triples(_ part: MeshPart?, integer: Bool) -> BoardJSON? {
                    guard let part, sample < part.shape[0] else { return nil }
                    let n = part.shape[1]
                    let base = sample * n * 3
                    return .array(
                        (0..<n).map { i in
                            .array(
                                (0..<3).map { c in
                                    let v = part.values[base + i * 3 + c]
                                    if integer, let index = Int64(exactly: v) { return .integer(index) }
                                    return .number(integer ? v : Double(Float(v)))
                                })
                        })
                }
                out.append(
                    .object([
                        ("wallTime", .number(vertices.wallTime)), ("step", .integer(step)),
                        ("sample", .integer(Int64(sample))),
                        ("vertices", triples(vertices, integer: false) ?? .array([])),
                        ("faces", triples(byContent[.face]?[step], integer: true) ?? .array([])),
                        ("colors", triples(byContent[.color]?[step], integer: true) ?? .null),
                        ("config", configJSON),
                    ]))
            }
        }
        return .array(out)
    }

    /// A JSON text (the mesh's `json_config`) as a ``BoardJSON`` value; `nil` if it isn't JSON.
    static func json(fromText text: String) -> BoardJSON? {
        guard !text.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return nil }
        func convert(_ value: Any) -> BoardJSON {
            switch value {
            case let dictionary as [String: Any]:
                return .object(dictionary.keys.sorted().map { ($0, convert(dictionary[$0] as Any)) })
            case let array as [Any]: return .array(array.map(convert))
            case let string as String: return .string(string)
            case let number as NSNumber:
                // JSONSerialization gives booleans as NSNumbers of type `char`.
                if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
                return .number(number.doubleValue)
            case let flag as Bool: return .bool(flag)
            default: return .null
            }
        }
        return convert(object)
    }
}
