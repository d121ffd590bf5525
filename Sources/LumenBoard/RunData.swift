import Foundation
import LumenEvents
import SwiftProtobuf

/// One histogram: TensorBoard's `[left, right, count]` buckets and its statistics.
public struct HistogramValue: Stepped, Sendable, Equatable {
    public var step: Int64
    public var wallTime: Double
    public var min, max, num, sum, sumSquares: Double
    public var buckets: HistogramBuckets
}

/// One bucket of a histogram: the values in `left...right`, `count` of them.
public struct HistogramBucket: Sendable, Equatable {
    public var left, right, count: Double

    public init(left: Double, right: Double, count: Double) {
        self.left = left
        self.right = right
        self.count = count
    }
}

/// A histogram's buckets in order, kept as one flat array of `left, right, count` triples, of
/// `Float` while every number is one exactly (as in histograms written as `float32` tensors) and
/// of `Double` otherwise: an array per bucket took about 70 bytes of memory a bucket, six times
/// the bytes of a `float32` tensor's 12, so a board holding TensorBoard's 500 histograms per tag
/// needed six times the memory.
public struct HistogramBuckets: RandomAccessCollection, Sendable, Equatable {
    private enum Storage: Sendable, Equatable {
        case narrow([Float])
        case wide([Double])
    }

    private var storage: Storage

    /// The buckets of `triples`, `left, right, count` of each in turn (its count a multiple of 3).
    public init(triples: [Double] = []) {
        precondition(triples.count % 3 == 0, "histogram buckets come as left, right, count triples")
        let narrow = triples.map { Float($0) }
        storage = zip(narrow, triples).allSatisfy { Self.isExact($0, $1) } ? .narrow(narrow) : .wide(triples)
    }

    /// The buckets given as `[left, right, count]` rows.
    public init(rows: [[Double]]) {
        precondition(rows.allSatisfy { $0.count == 3 }, "a histogram bucket is [left, right, count]")
        self.init(triples: rows.flatMap { $0 })
    }

    /// Whether `narrow` is `wide` exactly, to the bit.
    @inline(__always)
    private static func isExact(_ narrow: Float, _ wide: Double) -> Bool {
        Double(narrow).bitPattern == wide.bitPattern
    }

    /// Bytes of memory the numbers take.
    public var numberBytes: Int {
        switch storage {
        case .narrow(let numbers): numbers.count * MemoryLayout<Float>.size
        case .wide(let numbers): numbers.count * MemoryLayout<Double>.size
        }
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .narrow(let numbers): numbers.count / 3
        case .wide(let numbers): numbers.count / 3
        }
    }

    public subscript(position: Int) -> HistogramBucket {
        let i = 3 * position
        switch storage {
        case .narrow(let numbers):
            return HistogramBucket(
                left: Double(numbers[i]), right: Double(numbers[i + 1]), count: Double(numbers[i + 2]))
        case .wide(let numbers):
            return HistogramBucket(left: numbers[i], right: numbers[i + 1], count: numbers[i + 2])
        }
    }
}

/// The images of one image summary (a legacy image is one; a TF2 image summary may hold several).
public struct ImageValue: Stepped, Sendable, Equatable {
    public var step: Int64
    public var wallTime: Double
    public var width, height: Int
    /// The encoded images (PNG, usually).
    public var images: [Data]
}

/// One text summary: the strings of its tensor, in row-major order.
public struct TextValue: Stepped, Sendable, Equatable {
    public var step: Int64
    public var wallTime: Double
    public var strings: [String]
}

/// How many values of each sampled kind are kept per tag.
public struct SampleLimits: Sendable, Equatable {
    public var histograms: Int
    public var images: Int
    public var text: Int
    public var audio: Int
    public var prCurves: Int

    /// TensorBoard's defaults: 500 histograms, 10 images, 100 texts, 10 audio summaries, 100 PR
    /// curves.
    public init(histograms: Int = 500, images: Int = 10, text: Int = 100, audio: Int = 10, prCurves: Int = 100) {
        self.histograms = histograms
        self.images = images
        self.text = text
        self.audio = audio
        self.prCurves = prCurves
    }
}

/// Everything kept about one run.
///
/// Restarts: TensorBoard's `EventAccumulator._MaybePurgeOrphanedData` purges, for files with a
/// `file_version` (every modern writer), on a `SessionLog` START event, every value of every tag
/// with step ≥ that event's step; for files without one, when a summary's step is below the
/// previous summary's step, it purges that summary's tags at steps ≥ its step. Its Rust loader
/// (`--load_fast`) preempts per time series when a step is ≤ the last one kept. We do both: a
/// point whose step is ≤ the last step of its own tag drops that tag's points at steps ≥ its step
/// (scalars, histograms, images and text alike), and a `SessionLog` START drops every tag's points
/// at steps ≥ its step.
public struct RunData: Sendable {
    public let limits: SampleLimits
    /// Tag → every point of that scalar tag.
    public var scalars: [String: ScalarSeries] {
        Dictionary(uniqueKeysWithValues: zip(scalarTags, scalarColumns))
    }
    /// The scalar tags, in the order they were first seen; `scalarColumns` holds their points.
    public private(set) var scalarTags: [String] = []
    /// The points of each tag of ``scalarTags``.
    public private(set) var scalarColumns: [ScalarSeries] = []
    /// Tag → its index in ``scalarTags``.
    private var scalarIndex: [String: Int] = [:]
    /// The wire-format fast path's tag cache and scratch space.
    private var fast = FastScalarPath()
    /// Whether records go through the fast path first (off only to compare it with SwiftProtobuf).
    var usesFastPath = true
    /// Events the fast path read by the shape of an earlier event (``FastScalarPath/EventShape``).
    var shapedEvents: Int { fast.shapedEvents }
    /// Events the fast path decoded.
    public private(set) var fastPathEvents = 0
    /// Events the fast path left to SwiftProtobuf (anything but scalars, or a layout it doesn't
    /// take), counted whether or not they decode.
    public private(set) var slowPathEvents = 0
    public private(set) var histograms: [String: Reservoir<HistogramValue>] = [:]
    public private(set) var images: [String: Reservoir<ImageValue>] = [:]
    public private(set) var text: [String: Reservoir<TextValue>] = [:]
    /// Tag → the sampled PR curves of the pr_curves plugin.
    public private(set) var prCurves: [String: Reservoir<PRCurveValue>] = [:]
    /// Tag → the sampled audio summaries of the audio plugin.
    public private(set) var audio: [String: Reservoir<AudioValue>] = [:]
    /// The serialized custom-scalars `Layout` of the run's last layout summary.
    public private(set) var customScalarsLayout: Data?
    /// Tag → the JSON of the Keras model of the last `graph_keras_model` summary (the conceptual graph).
    public private(set) var kerasModels: [String: Data] = [:]
    /// Plugin → the summaries not shown (an unknown plugin, or a value its plugin can't use).
    public private(set) var ignored: [String: IgnoredSummaries] = [:]
    /// The serialized `GraphDef` of the last graph event.
    public private(set) var graph: Data?
    /// The serialized `MetaGraphDef` of the last meta graph event.
    public private(set) var metaGraph: Data?
    /// Tag → serialized `RunMetadata`, the last one per tag.
    public private(set) var runMetadata: [String: Data] = [:]
    /// The mesh plugin's summaries.
    public private(set) var meshes = MeshSummaries()
    /// Tag → serialized `HParamsPluginData` (the hparams plugin's content), the last one per tag.
    public private(set) var hparams: [String: Data] = [:]
    /// Events decoded.
    public internal(set) var events = 0
    /// Records skipped: damaged frames, and intact frames that aren't an `Event`.
    public internal(set) var corruptRecords = 0
    /// The wall time of the newest event, by wall time.
    public private(set) var lastEventTime: Double?
    /// Tag → plugin name; the first metadata seen for a tag decides, as in TensorBoard.
    public private(set) var pluginByTag: [String: String] = [:]

    public init(limits: SampleLimits = SampleLimits()) {
        self.limits = limits
    }

    /// The scalar points kept, over every tag.
    public var scalarPoints: Int { scalarColumns.reduce(0) { $0 + $1.count } }

    /// The bytes the scalar points take in the store (``ScalarSeries/columnBytes``), over every tag.
    public var scalarStoreBytes: Int { scalarColumns.reduce(0) { $0 + $1.columnBytes } }

    /// The scalar series of `tag`, if it has one.
    public func scalarSeries(_ tag: String) -> ScalarSeries? {
        scalarIndex[tag].map { scalarColumns[$0] }
    }

    /// Decodes and adds one serialized `Event`; counts it as corrupt if it doesn't decode.
    public mutating func add(serializedEvent bytes: [UInt8]) {
        bytes.withUnsafeBytes { add(serializedEvent: $0) }
    }

    /// Decodes and adds one serialized `Event`; counts it as corrupt if it doesn't decode.
    ///
    /// Events that only carry scalars (`simple_value`, or a one-number float or double tensor of
    /// the scalars plugin) are read straight from the wire format by ``ScalarEventDecoder``; every
    /// other event is decoded by SwiftProtobuf. Both give the same values (tested).
    public mutating func add(serializedEvent bytes: UnsafeRawBufferPointer) {
        if usesFastPath {
            if let slot = fast.shapedSlot(of: bytes) {
                if addDecoded(fast.decoder.item(0), slot: slot) { return }
            } else if fast.decoder.decode(bytes), addDecodedScalars(bytes) {
                return
            }
        }
        slowPathEvents += 1
        guard let event = try? Event(serializedBytes: [UInt8](bytes)) else {
            corruptRecords += 1
            return
        }
        add(event)
    }

    /// Applies what ``FastScalarPath/decoder`` just decoded from `bytes`, as ``add(_:)`` would;
    /// `false`, with nothing applied, if SwiftProtobuf must decide instead: a tag that isn't valid
    /// UTF-8, or a tensor under a tag another plugin owns.
    private mutating func addDecodedScalars(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = fast.decoder.itemCount
        if count == 1 {
            // Nearly every event: one value, resolved and applied without the `resolved` list.
            let item = fast.decoder.item(0)
            guard let slot = fast.slot(for: UnsafeRawBufferPointer(rebasing: bytes[item.tag])),
                addDecoded(item, slot: slot)
            else { return false }
            fast.keepShape(of: bytes, slot: slot, item: item)
            return true
        }
        if fast.resolved.count < count {
            fast.resolved.append(contentsOf: repeatElement(0, count: count - fast.resolved.count))
        }
        for i in 0..<count {
            let item = fast.decoder.item(i)
            guard let slot = fast.slot(for: UnsafeRawBufferPointer(rebasing: bytes[item.tag])) else { return false }
            if item.kind == .tensor, plugin(ofSlot: slot) == .other { return false }
            fast.resolved[i] = slot
        }
        countDecodedEvent()
        for i in 0..<count { apply(fast.decoder.item(i), slot: fast.resolved[i]) }
        return true
    }

    /// Applies `item`, the one value of the event ``FastScalarPath/decoder`` just decoded, whose
    /// tag is in `slot`; `false`, with nothing applied, for a tensor under a tag another plugin owns.
    @inline(__always)
    private mutating func addDecoded(_ item: ScalarEventDecoder.Item, slot: Int) -> Bool {
        if item.kind == .tensor, plugin(ofSlot: slot) == .other { return false }
        countDecodedEvent()
        apply(item, slot: slot)
        return true
    }

    /// Counts the event ``FastScalarPath/decoder`` just decoded, as ``add(_:)`` counts one.
    @inline(__always)
    private mutating func countDecodedEvent() {
        events += 1
        fastPathEvents += 1
        let wallTime = fast.decoder.wallTime
        if wallTime.isFinite { lastEventTime = Swift.max(lastEventTime ?? wallTime, wallTime) }
    }

    /// Applies one value of the event ``FastScalarPath/decoder`` just decoded, whose tag is in `slot`.
    @inline(__always)
    private mutating func apply(_ item: ScalarEventDecoder.Item, slot: Int) {
        if item.hasScalarsMetadata || item.kind == .tensor {
            var plugin = plugin(ofSlot: slot)
            if item.hasScalarsMetadata, plugin == .unknown {
                pluginByTag[fast.tags[slot]] = "scalars"
                fast.plugins[slot] = .scalars
                plugin = .scalars
            }
            if item.kind == .tensor, plugin != .scalars { return }
        }
        if item.kind == .none { return }
        var column = fast.columns[slot]
        if column < 0 {
            column = scalarColumn(fast.tags[slot])
            fast.columns[slot] = column
        }
        scalarColumns[column].append(step: fast.decoder.step, wallTime: fast.decoder.wallTime, value: item.value)
    }

    /// The plugin of the tag in `slot` as far as the fast path cares, from ``pluginByTag`` and
    /// cached once known (the first metadata of a tag decides, so it never changes).
    private mutating func plugin(ofSlot slot: Int) -> FastScalarPath.Plugin {
        let cached = fast.plugins[slot]
        if cached != .unknown { return cached }
        guard let name = pluginByTag[fast.tags[slot]] else { return .unknown }
        let plugin: FastScalarPath.Plugin = name == "scalars" ? .scalars : .other
        fast.plugins[slot] = plugin
        return plugin
    }

    /// Adds one point to the scalar series of `tag` (as an event's `simple_value` does).
    public mutating func addScalar(tag: String, step: Int64, wallTime: Double, value: Double) {
        scalarColumns[scalarColumn(tag)].append(step: step, wallTime: wallTime, value: value)
    }

    /// The index of `tag`'s scalar column, created if new.
    private mutating func scalarColumn(_ tag: String) -> Int {
        if let index = scalarIndex[tag] { return index }
        scalarIndex[tag] = scalarTags.count
        scalarTags.append(tag)
        scalarColumns.append(ScalarSeries())
        return scalarTags.count - 1
    }

    /// Adds one event.
    public mutating func add(_ event: Event) {
        events += 1
        if event.wallTime.isFinite { lastEventTime = Swift.max(lastEventTime ?? event.wallTime, event.wallTime) }
        let step = event.step
        let wallTime = event.wallTime
        switch event.what {
        case .graphDef(let bytes):
            graph = bytes
        case .metaGraphDef(let bytes):
            metaGraph = bytes
        case .taggedRunMetadata(let tagged):
            runMetadata[tagged.tag] = tagged.runMetadata
        case .sessionLog(let log) where log.status == .start:
            purgeAll(fromStep: step)
        case .summary(let summary):
            var ignoredPlugins: Set<String> = []
            for value in summary.value {
                if let plugin = add(value, step: step, wallTime: wallTime) {
                    ignored[plugin, default: IgnoredSummaries()].tags.insert(value.tag)
                    ignoredPlugins.insert(plugin)
                }
            }
            for plugin in ignoredPlugins { ignored[plugin]?.events += 1 }
        default:
            break
        }
    }

    /// Adds one summary value; returns the plugin to count it under if it isn't shown.
    private mutating func add(_ value: Summary.Value, step: Int64, wallTime: Double) -> String? {
        let tag = value.tag
        if value.hasMetadata, pluginByTag[tag] == nil, !value.metadata.pluginData.pluginName.isEmpty {
            pluginByTag[tag] = value.metadata.pluginData.pluginName
        }
        if value.hasMetadata, value.metadata.pluginData.pluginName == "hparams" {
            hparams[tag] = value.metadata.pluginData.content
            if value.value == nil { return nil }
        }
        if value.hasMetadata, value.metadata.pluginData.pluginName == "mesh" {
            meshes.noteMetadata(tag: tag, content: value.metadata.pluginData.content)
        }
        switch value.value {
        case .simpleValue(let x):
            addScalar(tag: tag, step: step, wallTime: wallTime, value: Double(x))
        case .histo(let h):
            addHistogram(Self.histogram(h, step: step, wallTime: wallTime), tag: tag)
        case .image(let image):
            addImage(
                ImageValue(
                    step: step, wallTime: wallTime, width: Int(image.width), height: Int(image.height),
                    images: [image.encodedImageString]), tag: tag)
        case .audio(let clip):
            addAudio(AudioValue(legacy: clip, step: step, wallTime: wallTime), tag: tag)
        case .tensor(let tensor):
            let content = value.hasMetadata ? value.metadata.pluginData.content : nil
            if !addTensor(tensor, tag: tag, content: content, step: step, wallTime: wallTime) {
                return pluginByTag[tag] ?? IgnoredSummaries.noPlugin
            }
        case .obsoleteOldStyleHistogram:
            return "(old-style histogram)"
        case nil:
            return pluginByTag[tag] ?? IgnoredSummaries.noPlugin
        }
        return nil
    }

    /// Adds a tensor summary of the plugin that owns `tag`; `false` if it isn't shown (no such
    /// plugin, or a tensor the plugin can't use). `content` is the value's plugin content, if it
    /// has metadata.
    private mutating func addTensor(_ tensor: TensorProto, tag: String, content: Data?, step: Int64, wallTime: Double)
        -> Bool
    {
        switch pluginByTag[tag] {
        case "scalars":
            guard let values = TensorValues.numbers(tensor), values.count == 1 else { return false }
            scalarColumns[scalarColumn(tag)].append(step: step, wallTime: wallTime, value: values[0])
        case "histograms":
            guard let values = TensorValues.numbers(tensor), values.count % 3 == 0 else { return false }
            addHistogram(
                Self.histogram(buckets: HistogramBuckets(triples: values), step: step, wallTime: wallTime), tag: tag)
        case "images":
            let strings = tensor.stringVal
            guard strings.count >= 2, let width = Int(String(decoding: strings[0], as: UTF8.self)),
                let height = Int(String(decoding: strings[1], as: UTF8.self))
            else { return false }
            addImage(
                ImageValue(
                    step: step, wallTime: wallTime, width: width, height: height,
                    images: Array(strings.dropFirst(2))), tag: tag)
        case "text":
            guard tensor.dtype == .dtString else { return false }
            let strings = tensor.stringVal.map { String(decoding: $0, as: UTF8.self) }
            if text[tag] == nil { text[tag] = Reservoir(capacity: limits.text, seed: Self.seed(tag)) }
            text[tag]!.add(TextValue(step: step, wallTime: wallTime, strings: strings))
        case PRCurveValue.pluginName:
            guard let curve = PRCurveValue(tensor: tensor, step: step, wallTime: wallTime) else { return false }
            if prCurves[tag] == nil { prCurves[tag] = Reservoir(capacity: limits.prCurves, seed: Self.seed(tag)) }
            prCurves[tag]!.add(curve)
        case AudioValue.pluginName:
            guard let value = AudioValue(tensor: tensor, content: content, step: step, wallTime: wallTime) else {
                return false
            }
            addAudio(value, tag: tag)
        case CustomScalarsLayout.pluginName:
            guard tag == CustomScalarsLayout.tag, tensor.dtype == .dtString, tensor.stringVal.count == 1,
                (try? Layout(serializedBytes: tensor.stringVal[0])) != nil
            else { return false }
            customScalarsLayout = tensor.stringVal[0]
        case KerasModel.pluginName:
            guard tensor.dtype == .dtString, tensor.stringVal.count == 1 else { return false }
            kerasModels[tag] = tensor.stringVal[0]
        case HParamsSummaries.pluginName:
            break  // the plugin content is the summary (kept in `hparams`); a tensor beside it adds nothing
        case RunMetadataStatistics.pluginName:
            guard tensor.dtype == .dtString, tensor.stringVal.count == 1 else { return false }
            runMetadata[tag] = tensor.stringVal[0]
        case "mesh":
            meshes.add(tensor, tag: tag, step: step, wallTime: wallTime, seed: Self.seed(tag))
        default:
            return false
        }
        return true
    }

    private mutating func addAudio(_ value: AudioValue, tag: String) {
        if audio[tag] == nil { audio[tag] = Reservoir(capacity: limits.audio, seed: Self.seed(tag)) }
        audio[tag]!.add(value)
    }

    private mutating func addHistogram(_ histogram: HistogramValue, tag: String) {
        if histograms[tag] == nil { histograms[tag] = Reservoir(capacity: limits.histograms, seed: Self.seed(tag)) }
        histograms[tag]!.add(histogram)
    }

    private mutating func addImage(_ image: ImageValue, tag: String) {
        if images[tag] == nil { images[tag] = Reservoir(capacity: limits.images, seed: Self.seed(tag)) }
        images[tag]!.add(image)
    }

    /// Drops every value of every tag at `step` or later.
    public mutating func purgeAll(fromStep step: Int64) {
        for index in scalarColumns.indices { scalarColumns[index].purge(fromStep: step) }
        for tag in histograms.keys { histograms[tag]!.purge(fromStep: step) }
        for tag in images.keys { images[tag]!.purge(fromStep: step) }
        for tag in text.keys { text[tag]!.purge(fromStep: step) }
        for tag in prCurves.keys { prCurves[tag]!.purge(fromStep: step) }
        for tag in audio.keys { audio[tag]!.purge(fromStep: step) }
        meshes.purge(fromStep: step)
    }

    /// A legacy `HistogramProto` as TensorBoard's `data_compat` migrates it: the empty buckets at
    /// both ends are dropped, then bucket `i` spans `[bucket_limit[i-1], bucket_limit[i]]`, the first
    /// kept one starting at `min` and the last ending at `max` (so no ±DBL_MAX edge survives); no
    /// bucket at all when every bucket is empty. (TensorBoard rounds the edges to float32; we keep
    /// the doubles.)
    static func histogram(_ h: HistogramProto, step: Int64, wallTime: Double) -> HistogramValue {
        let k = Swift.min(h.bucket.count, h.bucketLimit.count)
        var triples: [Double] = []
        if let first = (0..<k).first(where: { h.bucket[$0] > 0 }),
            let last = (0..<k).last(where: { h.bucket[$0] > 0 })
        {
            triples.reserveCapacity(3 * (last - first + 1))
            for i in first...last {
                let left = i == first ? h.min : h.bucketLimit[i - 1]
                let right = i == last ? h.max : h.bucketLimit[i]
                triples.append(left)
                triples.append(right)
                triples.append(h.bucket[i])
            }
        }
        return HistogramValue(
            step: step, wallTime: wallTime, min: h.min, max: h.max, num: h.num, sum: h.sum,
            sumSquares: h.sumSquares, buckets: HistogramBuckets(triples: triples))
    }

    /// A TF2 histogram tensor. It has no statistics: `min`/`max` are the outer edges, `num` the
    /// total count, and `sum`/`sumSquares` are estimated from bucket centres.
    static func histogram(buckets: HistogramBuckets, step: Int64, wallTime: Double) -> HistogramValue {
        var num = 0.0, sum = 0.0, sumSquares = 0.0
        for b in buckets {
            let centre = (b.left + b.right) / 2
            num += b.count
            sum += centre * b.count
            sumSquares += centre * centre * b.count
        }
        return HistogramValue(
            step: step, wallTime: wallTime, min: buckets.first?.left ?? 0, max: buckets.last?.right ?? 0, num: num,
            sum: sum, sumSquares: sumSquares, buckets: buckets)
    }

    /// A per-tag seed (FNV-1a of the tag), so sampling is reproducible.
    static func seed(_ tag: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in tag.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }
}

/// Reading the numbers of a tensor.
enum TensorValues {
    /// The values of a DT_FLOAT, DT_DOUBLE, DT_HALF, DT_INT32 or DT_INT64 tensor, from
    /// `tensor_content` (little-endian) or the typed value field; `nil` for other types.
    static func numbers(_ tensor: TensorProto) -> [Double]? {
        let content = [UInt8](tensor.tensorContent)
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            let width = MemoryLayout<T>.size
            return stride(from: 0, to: content.count - width + 1, by: width).map { i in
                content[i..<i + width].reversed().reduce(T.zero) { $0 << 8 | T($1) }
            }
        }
        switch tensor.dtype {
        case .dtFloat:
            if content.isEmpty { return tensor.floatVal.map(Double.init) }
            return load(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case .dtDouble:
            if content.isEmpty { return tensor.doubleVal }
            return load(UInt64.self).map { Double(bitPattern: $0) }
        case .dtHalf:
            #if arch(arm64) || arch(x86_64)
                if content.isEmpty {
                    return tensor.halfVal.map { Double(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }
                }
                return load(UInt16.self).map { Double(Float16(bitPattern: $0)) }
            #else
                return nil
            #endif
        case .dtInt32:
            if content.isEmpty { return tensor.intVal.map(Double.init) }
            return load(UInt32.self).map { Double(Int32(bitPattern: $0)) }
        case .dtInt64:
            if content.isEmpty { return tensor.int64Val.map(Double.init) }
            return load(UInt64.self).map { Double(Int64(bitPattern: $0)) }
        default:
            return nil
        }
    }
}
