import Foundation
import LumenEvents

/// The Keras conceptual graph: the model JSON a `graph_keras_model` summary holds (Keras's
/// `model.to_json()`), as a GraphDef of one node per layer, so that ``GraphView`` lays it out like
/// an op graph.
///
/// Each layer is a node named by its model path (`model/layer`, nested models adding a level, as
/// TensorBoard's conceptual graph names them), with the layer's class as its op and in the attr
/// `keras_class`. Inputs come from the layer's `inbound_nodes` (Keras 3's `keras_history` entries
/// or Keras 2's `[name, node, tensor]` lists); a layer of a model without them (Sequential) takes
/// the layer before it. A nested model stands for its output layers where other layers take it as
/// input, and its input layers take what the nested model takes.
enum KerasGraph {
    /// The GraphDef of the model JSON `json`.
    ///
    /// - Throws: ``GraphDecodingError`` if it isn't a JSON object with a `config`.
    static func graphDef(json: Data) throws -> GraphDef {
        guard let model = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any],
            model["config"] is [String: Any]
        else { throw GraphDecodingError(description: "the Keras model is not a JSON object with a 'config'") }
        var builder = Builder()
        builder.walk(model, scope: "")
        var graph = GraphDef()
        graph.node = builder.nodes
        return graph
    }

    private struct Builder {
        var nodes: [NodeDef] = []
        /// Model node name → its output layers' node names.
        var modelOutputs: [String: [String]] = [:]
        /// Node name → inputs it gets from outside its model (a nested model's input layers).
        var extraInputs: [String: [String]] = [:]
        /// The last node added at the current level, for layers without `inbound_nodes`.
        var previous: String?

        static func scoped(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "/" + name }

        static func name(_ layer: [String: Any]) -> String {
            (layer["config"] as? [String: Any])?["name"] as? String ?? layer["name"] as? String ?? ""
        }

        /// `[name, node index, tensor index]` of every tensor a layer's `inbound_nodes` name.
        static func inbound(_ layer: [String: Any]) -> [(name: String, index: Int)]? {
            guard let nodes = layer["inbound_nodes"] as? [Any] else { return nil }
            var out: [(String, Int)] = []
            func visit(_ any: Any) {
                switch any {
                case let dict as [String: Any]:
                    if let history = (dict["config"] as? [String: Any])?["keras_history"] as? [Any], history.count >= 3,
                        let name = history[0] as? String
                    {
                        out.append((name, (history[2] as? Int) ?? 0))
                    } else {
                        for key in ["args", "kwargs"] { if let value = dict[key] { visit(value) } }
                    }
                case let list as [Any]:
                    // Keras 2: [name, node index, tensor index, kwargs].
                    if list.count >= 3, let name = list[0] as? String, list[1] is Int {
                        out.append((name, (list[2] as? Int) ?? 0))
                    } else {
                        list.forEach(visit)
                    }
                default:
                    break
                }
            }
            nodes.forEach(visit)
            return out
        }

        /// The layer names of `input_layers`/`output_layers`: `[name, n, t]` or a list of them.
        static func layerNames(_ any: Any?) -> [String] {
            guard let list = any as? [Any], !list.isEmpty else { return [] }
            if let name = list.first as? String { return [name] }
            return list.compactMap { ($0 as? [Any])?.first as? String }
        }

        func resolve(_ name: String, index: Int) -> String {
            guard let outputs = modelOutputs[name], !outputs.isEmpty else { return name }
            return index < outputs.count ? outputs[index] : outputs[outputs.count - 1]
        }

        mutating func walk(_ layer: [String: Any], scope: String) {
            let config = layer["config"] as? [String: Any] ?? [:]
            let name = Self.scoped(scope, Self.name(layer))
            let inputs = (Self.inbound(layer) ?? []).map { resolve(Self.scoped(scope, $0.name), index: $0.index) }
            if let layers = config["layers"] as? [[String: Any]] {
                // A model: its layers in a scope of its own.
                let inputLayers = Self.layerNames(config["input_layers"]).map { Self.scoped(name, $0) }
                let firstLayer = layers.first.map { Self.scoped(name, Self.name($0)) }
                let outer = inputs.isEmpty ? previous.map { [$0] } ?? [] : inputs
                for (i, input) in (inputLayers.isEmpty ? firstLayer.map { [$0] } ?? [] : inputLayers).enumerated() {
                    let taken = inputs.isEmpty ? outer : i < outer.count ? [outer[i]] : []
                    if !scope.isEmpty || !taken.isEmpty { extraInputs[input, default: []] += taken }
                }
                previous = nil
                for sublayer in layers { walk(sublayer, scope: name) }
                let outputs = Self.layerNames(config["output_layers"]).map { Self.scoped(name, $0) }
                modelOutputs[name] =
                    outputs.isEmpty ? layers.last.map { [Self.scoped(name, Self.name($0))] } ?? [] : outputs
                previous = modelOutputs[name]?.last
                return
            }
            var node = NodeDef()
            node.name = name
            node.op = layer["class_name"] as? String ?? ""
            var keras = AttrValue()
            keras.s = Data(node.op.utf8)
            node.attr["keras_class"] = keras
            if Self.inbound(layer) != nil {
                node.input = inputs
            } else if let previous {
                node.input = [previous]
            }
            node.input += extraInputs[name] ?? []
            nodes.append(node)
            previous = name
        }
    }
}

/// What a traced step recorded per node (TensorFlow's `RunMetadata.step_stats`), joined as
/// TensorBoard's graph dashboard joins it: per node, the span from its earliest start to its latest
/// end (`all_start_micros` … `all_start_micros + all_end_rel_micros`, over every device that ran
/// it) and the sum of its allocators' `total_bytes`; a collapsed scope gets the span of its ops and
/// the sum of their bytes.
public struct StepStatistics: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var startMicros: Int64?
        public var endMicros: Int64?
        public var bytes: Int64 = 0
        public var device = ""

        /// The compute time: end − start, or `nil` if no end was recorded.
        public var computeMicros: Int64? {
            guard let startMicros, let endMicros else { return nil }
            return endMicros - startMicros
        }

        mutating func combine(_ other: Node) {
            bytes += other.bytes
            if let start = other.startMicros { startMicros = Swift.min(startMicros ?? start, start) }
            if let end = other.endMicros { endMicros = Swift.max(endMicros ?? end, end) }
        }
    }

    /// Node name → its statistics.
    public var nodes: [String: Node] = [:]

    /// The statistics of the serialized `RunMetadata` `bytes`.
    ///
    /// - Throws: ``GraphDecodingError`` if it doesn't decode.
    public init(serializedRunMetadata bytes: Data) throws {
        let metadata: RunMetadata
        do {
            metadata = try RunMetadata(serializedBytes: bytes)
        } catch {
            throw GraphDecodingError(description: "the run metadata doesn't decode: \(error)")
        }
        for device in metadata.stepStats.devStats {
            for stats in device.nodeStats {
                var node = Node()
                node.device = device.device
                node.bytes = stats.memory.reduce(0) { $0 + Swift.max(0, $1.totalBytes) }
                if stats.allEndRelMicros > 0 {
                    node.startMicros = stats.allStartMicros
                    node.endMicros = stats.allStartMicros &+ stats.allEndRelMicros
                }
                var merged = nodes[stats.nodeName] ?? Node(device: device.device)
                merged.combine(node)
                merged.device = device.device
                nodes[stats.nodeName] = merged
            }
        }
    }

    /// `view` (an ``GraphView`` answer of `graph`) with `computeMicros` and `memoryBytes` on every
    /// node that has statistics (a collapsed scope: of the ops inside it), and `stats` naming the tag.
    func annotate(_ view: BoardJSON, graph: OpGraph, tag: String) -> BoardJSON {
        var perScope: [String: Node] = [:]
        for op in graph.ops {
            guard let stats = nodes[op.name] else { continue }
            var scope = op.scope
            while scope > 0 {
                perScope[graph.scopes[scope].name, default: Node()].combine(stats)
                scope = graph.scopes[scope].parent
            }
        }
        guard case .object(var fields) = view else { return view }
        for (i, field) in fields.enumerated() where field.0 == "nodes" {
            guard case .array(let items) = field.1 else { continue }
            fields[i].1 = .array(
                items.map { item in
                    guard case .object(var node) = item,
                        let name = node.first(where: { $0.0 == "name" }).flatMap({
                            if case .string(let s) = $0.1 { s } else { nil }
                        }),
                        let isScope = node.first(where: { $0.0 == "op" }).map({ $0.1 == .string("scope") })
                    else { return item }
                    guard let stats = isScope ? perScope[name] : nodes[name] else { return item }
                    node.append(("computeMicros", stats.computeMicros.map(BoardJSON.integer) ?? .null))
                    node.append(("memoryBytes", .integer(stats.bytes)))
                    return .object(node)
                })
        }
        fields.append(("stats", .string(tag)))
        return .object(fields)
    }
}
