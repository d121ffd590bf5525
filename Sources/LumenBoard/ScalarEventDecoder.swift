import Foundation

/// Reads the common scalar-only `Event` straight from the protobuf wire format, without building
/// the SwiftProtobuf message.
///
/// Accepted: an `Event` with only `wall_time` (1), `step` (2) and at most one `summary` (5), whose
/// `Summary.Value`s (1) hold only a `tag` (1) and either a `simple_value` (2), or a `tensor` (8)
/// of dtype DT_FLOAT or DT_DOUBLE holding exactly one number (in `float_val`, `double_val` or
/// `tensor_content`, any shape whose dimensions carry only sizes), optionally with `metadata` (9)
/// that names the `scalars` plugin (`plugin_data` with `plugin_name` and `content`) or no plugin,
/// and may carry `display_name`, `summary_description` and `data_class`, which the board doesn't
/// read. Anything else (another field, another plugin, an integer tensor, a field
/// repeated where SwiftProtobuf would merge, a malformed varint) makes ``decode(_:)`` return
/// `false`, and the caller decodes the record with SwiftProtobuf instead, so the fast path never
/// has to agree with it on anything unusual.
struct ScalarEventDecoder: Sendable {
    /// What one `Summary.Value` holds.
    enum Kind: Sendable { case none, simpleValue, tensor }

    struct Item: Sendable {
        /// Where the tag's bytes are in the record.
        var tag: Range<Int>
        var kind: Kind
        var value: Double
        /// Whether the value's metadata names the scalars plugin.
        var hasScalarsMetadata: Bool
        /// Where the number's raw bytes are in the record: 4 of a `Float` or 8 of a `Double`;
        /// empty when the value has no number.
        var number: Range<Int> = 0..<0
    }

    private(set) var wallTime = 0.0
    private(set) var step: Int64 = 0
    /// The values of the last event decoded: ``itemCount`` of them, read with ``item(_:)``.
    private(set) var itemCount = 0
    /// The first value, held inline: nearly every event has just one, and writing it to an array
    /// would check the array's uniqueness each time.
    private var firstItem = Item(tag: 0..<0, kind: .none, value: 0, hasScalarsMetadata: false)
    /// The values after the first (the first ``itemCount`` - 1 of them).
    private var moreItems: [Item] = []

    /// The last `SummaryMetadata` read and what ``scalarsMetadata(_:_:)`` made of it: writers
    /// repeat the same bytes on every event of a tag, so equal bytes are compared, not parsed.
    /// Before any is read, the empty metadata, which names no plugin.
    private var lastMetadata: [UInt8] = []
    private var lastMetadataResult: Bool? = false
    /// The last `TensorProto` read whose number was its last 4 (`Float`) or 8 (`Double`) bytes:
    /// those bytes' width (0 when there is none) and the bytes before them. A tensor of the same
    /// length with the same bytes before its number parses the same way (the bytes before decide
    /// every field, and the number's are raw), so its number is read straight from its end.
    private var lastTensorPrefix: [UInt8] = []
    private var lastTensorNumberWidth = 0
    /// Whether the last event ``decodeGeneral(_:_:)`` decoded wasn't in the common layout.
    private var lastMissedCommonLayout = false

    /// Value `i` (below ``itemCount``) of the last event decoded.
    @inline(__always)
    func item(_ i: Int) -> Item { i == 0 ? firstItem : moreItems[i &- 1] }

    /// Takes an event of one value read without decoding it (``FastScalarPath/shapedSlot(of:)``).
    @inline(__always)
    mutating func take(wallTime: Double, step: Int64, item: Item) {
        self.wallTime = wallTime
        self.step = step
        firstItem = item
        itemCount = 1
    }

    @inline(__always)
    private mutating func keep(_ item: Item) {
        if itemCount == 0 {
            firstItem = item
        } else if itemCount &- 1 < moreItems.count {
            moreItems[itemCount &- 1] = item
        } else {
            moreItems.append(item)
        }
        itemCount &+= 1
    }

    /// Decodes `bytes` as a scalar-only event; `false` if it isn't one (or isn't well-formed).
    mutating func decode(_ bytes: UnsafeRawBufferPointer) -> Bool {
        itemCount = 0
        wallTime = 0
        step = 0
        guard let base = bytes.baseAddress else { return true }  // the empty event
        if !lastMissedCommonLayout, decodeCommonLayout(base, bytes.count) { return true }
        guard decodeGeneral(bytes, base) else { return false }
        // A file's events share a layout: after one the common layout doesn't take, the next
        // tries the general decoder first (which reads every layout; only the time differs).
        lastMissedCommonLayout =
            itemCount != 1 || firstItem.kind != .simpleValue || firstItem.hasScalarsMetadata
        return true
    }

    /// Decodes any scalar-only event field by field.
    private mutating func decodeGeneral(_ bytes: UnsafeRawBufferPointer, _ base: UnsafeRawPointer) -> Bool {
        var reader = WireReader(base: base, position: 0, end: bytes.count)
        var sawSummary = false
        while !reader.atEnd {
            guard let key = reader.varint() else { return false }
            switch key {
            case 0x09:  // wall_time, fixed64
                guard let bits = reader.fixed64() else { return false }
                wallTime = Double(bitPattern: bits)
            case 0x10:  // step, varint
                guard let value = reader.varint() else { return false }
                step = Int64(bitPattern: value)
            case 0x2A:  // summary
                guard !sawSummary, let range = reader.lengthDelimited(), decodeSummary(bytes, range) else {
                    return false
                }
                sawSummary = true
            default:
                return false
            }
        }
        return true
    }

    /// The layout nearly every scalar event has, checked byte by byte: `wall_time`, `step` (absent
    /// when 0), and a summary of one value holding a tag (shorter than 128 bytes) and a
    /// `simple_value`, in that order, each once. Anything else returns `false` and goes through the
    /// general decoder.
    @inline(__always)
    private mutating func decodeCommonLayout(_ base: UnsafeRawPointer, _ count: Int) -> Bool {
        guard count > 9, base.load(as: UInt8.self) == 0x09 else { return false }
        var reader = WireReader(base: base, position: 9, end: count)
        var stepBits: UInt64 = 0
        var key = reader.varint()
        if key == 0x10 {
            guard let bits = reader.varint() else { return false }
            stepBits = bits
            key = reader.varint()
        }
        guard key == 0x2A, reader.varint() == UInt64(count - reader.position),
            reader.varint() == 0x0A, reader.varint() == UInt64(count - reader.position),
            let item = Self.tagAndSimpleValue(base, reader.position..<count)
        else { return false }
        wallTime = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
        step = Int64(bitPattern: stepBits)
        firstItem = item
        itemCount = 1
        return true
    }

    /// The `Summary.Value` at `range` if it holds exactly a tag shorter than 128 bytes and then a
    /// `simple_value`, the layout nearly every value has (TensorFlow 1's merged summaries repeat
    /// it in each event), checked byte by byte; `nil` for any other layout, which the general
    /// decoder reads.
    @inline(__always)
    private static func tagAndSimpleValue(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Item? {
        let start = base + range.lowerBound
        guard range.count >= 7, start.load(as: UInt8.self) == 0x0A else { return nil }
        let tagLength = Int(start.load(fromByteOffset: 1, as: UInt8.self))
        guard tagLength < 0x80, range.count == tagLength &+ 7,
            start.load(fromByteOffset: tagLength &+ 2, as: UInt8.self) == 0x15
        else { return nil }
        let bits = UInt32(littleEndian: start.loadUnaligned(fromByteOffset: tagLength &+ 3, as: UInt32.self))
        let tag = range.lowerBound &+ 2..<range.lowerBound &+ 2 &+ tagLength
        let number = range.lowerBound &+ tagLength &+ 3..<range.lowerBound &+ tagLength &+ 7
        return Item(
            tag: tag, kind: .simpleValue, value: Double(Float(bitPattern: bits)), hasScalarsMetadata: false,
            number: number)
    }

    private mutating func decodeSummary(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var reader = WireReader(base: base, position: range.lowerBound, end: range.upperBound)
        while !reader.atEnd {
            guard reader.varint() == 0x0A, let value = reader.lengthDelimited(), decodeValue(base, value) else {
                return false
            }
        }
        return true
    }

    private mutating func decodeValue(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Bool {
        if let item = Self.tagAndSimpleValue(base, range) {
            keep(item)
            return true
        }
        var reader = WireReader(base: base, position: range.lowerBound, end: range.upperBound)
        var tag = range.lowerBound..<range.lowerBound
        var kind = Kind.none
        var value = 0.0
        var number = 0..<0
        var metadata = false
        var sawMetadata = false
        var sawTag = false
        while !reader.atEnd {
            guard let key = reader.varint() else { return false }
            switch key {
            case 0x0A:  // tag
                guard !sawTag, let bytes = reader.lengthDelimited() else { return false }
                tag = bytes
                sawTag = true
            case 0x15:  // simple_value, fixed32
                let start = reader.position
                guard kind == .none, let bits = reader.fixed32() else { return false }
                value = Double(Float(bitPattern: bits))
                number = start..<reader.position
                kind = .simpleValue
            case 0x42:  // tensor
                guard kind == .none, let bytes = reader.lengthDelimited(),
                    let (tensorValue, source) = scalarTensorRemembered(base, bytes)
                else { return false }
                value = tensorValue
                number = source
                kind = .tensor
            case 0x4A:  // metadata
                guard !sawMetadata, let bytes = reader.lengthDelimited(),
                    let names = scalarsMetadataRemembered(base, bytes)
                else {
                    return false
                }
                sawMetadata = true
                metadata = names
            default:
                return false
            }
        }
        keep(Item(tag: tag, kind: kind, value: value, hasScalarsMetadata: metadata, number: number))
        return true
    }

    /// ``scalarsMetadata(_:_:)`` of `range`, compared with the last metadata read first.
    @inline(__always)
    private mutating func scalarsMetadataRemembered(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Bool? {
        let bytes = UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
        if Self.equal(lastMetadata, bytes) { return lastMetadataResult }
        let result = Self.scalarsMetadata(base, range)
        lastMetadata.removeAll(keepingCapacity: true)
        lastMetadata.append(contentsOf: bytes)
        lastMetadataResult = result
        return result
    }

    /// ``scalarTensor(_:_:)`` of `range`, read straight from its end when it is laid out as the
    /// last tensor whose number ended it.
    @inline(__always)
    private mutating func scalarTensorRemembered(
        _ base: UnsafeRawPointer, _ range: Range<Int>
    ) -> (Double, source: Range<Int>)? {
        let width = lastTensorNumberWidth
        if width > 0, range.count == lastTensorPrefix.count &+ width,
            Self.equal(
                lastTensorPrefix, UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count &- width))
        {
            let end = base + range.upperBound
            let number =
                width == 4
                ? Double(Float(bitPattern: UInt32(littleEndian: (end - 4).loadUnaligned(as: UInt32.self))))
                : Double(bitPattern: UInt64(littleEndian: (end - 8).loadUnaligned(as: UInt64.self)))
            return (number, range.upperBound &- width..<range.upperBound)
        }
        guard let (number, source) = Self.scalarTensor(base, range) else { return nil }
        lastTensorNumberWidth = 0
        if source.upperBound == range.upperBound, source.count == 4 || source.count == 8 {
            lastTensorPrefix.removeAll(keepingCapacity: true)
            lastTensorPrefix.append(
                contentsOf: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count - source.count))
            lastTensorNumberWidth = source.count
        }
        return (number, source)
    }

    /// Whether `kept` holds exactly the bytes of `bytes`.
    @inline(__always)
    private static func equal(_ kept: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard kept.count == bytes.count else { return false }
        return kept.withUnsafeBytes { keptBytes in
            guard let a = keptBytes.baseAddress, let b = bytes.baseAddress else { return true }
            return WireBytes.equal(a, b, count: bytes.count)
        }
    }

    /// For a `SummaryMetadata` holding nothing the fast path would have to keep (the board reads
    /// no `display_name`, `summary_description` or `data_class`): whether it names the scalars
    /// plugin (`false`: it has no `plugin_data`); `nil` for any other metadata.
    private static func scalarsMetadata(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Bool? {
        var reader = WireReader(base: base, position: range.lowerBound, end: range.upperBound)
        var sawPluginData = false
        var named = false
        while !reader.atEnd {
            guard let key = reader.varint() else { return nil }
            switch key {
            case 0x0A:  // plugin_data
                guard !sawPluginData, let data = reader.lengthDelimited() else { return nil }
                sawPluginData = true
                var inner = WireReader(base: base, position: data.lowerBound, end: data.upperBound)
                while !inner.atEnd {
                    guard let innerKey = inner.varint() else { return nil }
                    switch innerKey {
                    case 0x0A:  // plugin_name
                        guard !named, let name = inner.lengthDelimited(), name.count == 7,
                            UnsafeRawBufferPointer(start: base + name.lowerBound, count: 7).elementsEqual(
                                "scalars".utf8)
                        else { return nil }
                        named = true
                    case 0x12:  // content
                        guard inner.lengthDelimited() != nil else { return nil }
                    default:
                        return nil
                    }
                }
            case 0x12, 0x1A:  // display_name, summary_description
                guard reader.lengthDelimited() != nil else { return nil }
            case 0x20:  // data_class
                guard reader.varint() != nil else { return nil }
            default:
                return nil
            }
        }
        // plugin_data without a name would be the general decoder's to judge.
        if sawPluginData && !named { return nil }
        return named
    }

    /// The one number of a DT_FLOAT or DT_DOUBLE `TensorProto`, as ``TensorValues/numbers(_:)``
    /// reads it, and where its bytes are; `nil` for anything else.
    private static func scalarTensor(_ base: UnsafeRawPointer, _ range: Range<Int>) -> (Double, source: Range<Int>)? {
        var reader = WireReader(base: base, position: range.lowerBound, end: range.upperBound)
        var dtype: UInt64 = 0
        var content: Range<Int>?
        // At most one number of each kind (a repeated field's occurrences add up): no arrays.
        var floatCount = 0
        var float = 0.0
        var floatSource = 0..<0
        var doubleCount = 0
        var double = 0.0
        var doubleSource = 0..<0
        while !reader.atEnd {
            guard let key = reader.varint() else { return nil }
            switch key {
            case 0x08:  // dtype
                guard let value = reader.varint() else { return nil }
                dtype = value
            case 0x12:  // tensor_shape
                guard let shape = reader.lengthDelimited(), isSizesOnlyShape(base, shape) else { return nil }
            case 0x18:  // version_number
                guard reader.varint() != nil else { return nil }
            case 0x22:  // tensor_content: the last occurrence wins
                guard let bytes = reader.lengthDelimited() else { return nil }
                content = bytes
            case 0x2A:  // float_val, packed
                guard let bytes = reader.lengthDelimited(), bytes.count % 4 == 0, floatCount + bytes.count / 4 <= 1
                else { return nil }
                if bytes.count == 4 {
                    floatSource = bytes
                    float = Double(
                        Float(
                            bitPattern: UInt32(littleEndian: (base + bytes.lowerBound).loadUnaligned(as: UInt32.self))))
                    floatCount += 1
                }
            case 0x2D:  // float_val, one
                let start = reader.position
                guard floatCount == 0, let bits = reader.fixed32() else { return nil }
                floatSource = start..<reader.position
                float = Double(Float(bitPattern: bits))
                floatCount = 1
            case 0x32:  // double_val, packed
                guard let bytes = reader.lengthDelimited(), bytes.count % 8 == 0, doubleCount + bytes.count / 8 <= 1
                else { return nil }
                if bytes.count == 8 {
                    doubleSource = bytes
                    double = Double(
                        bitPattern: UInt64(littleEndian: (base + bytes.lowerBound).loadUnaligned(as: UInt64.self)))
                    doubleCount += 1
                }
            case 0x31:  // double_val, one
                let start = reader.position
                guard doubleCount == 0, let bits = reader.fixed64() else { return nil }
                doubleSource = start..<reader.position
                double = Double(bitPattern: bits)
                doubleCount = 1
            default:
                return nil
            }
        }
        switch dtype {
        case 1:  // DT_FLOAT
            if let content, !content.isEmpty {
                guard content.count / 4 == 1 else { return nil }
                let number = Double(
                    Float(bitPattern: (base + content.lowerBound).loadUnaligned(as: UInt32.self).littleEndian))
                return (number, content.lowerBound..<content.lowerBound + 4)
            }
            return floatCount == 1 ? (float, floatSource) : nil
        case 2:  // DT_DOUBLE
            if let content, !content.isEmpty {
                guard content.count / 8 == 1 else { return nil }
                let number = Double(
                    bitPattern: (base + content.lowerBound).loadUnaligned(as: UInt64.self).littleEndian)
                return (number, content.lowerBound..<content.lowerBound + 8)
            }
            return doubleCount == 1 ? (double, doubleSource) : nil
        default:
            return nil
        }
    }

    /// Whether `range` is a `TensorShapeProto` whose dimensions hold only sizes.
    private static func isSizesOnlyShape(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Bool {
        var reader = WireReader(base: base, position: range.lowerBound, end: range.upperBound)
        while !reader.atEnd {
            guard reader.varint() == 0x12, let dim = reader.lengthDelimited() else { return false }
            var inner = WireReader(base: base, position: dim.lowerBound, end: dim.upperBound)
            while !inner.atEnd {
                guard inner.varint() == 0x08, inner.varint() != nil else { return false }
            }
        }
        return true
    }
}

/// A cursor over protobuf wire-format bytes; every read checks the bounds.
struct WireReader {
    let base: UnsafeRawPointer
    var position: Int
    let end: Int

    var atEnd: Bool { position >= end }

    /// A base-128 varint of at most 10 bytes.
    @inline(__always)
    mutating func varint() -> UInt64? {
        guard position < end else { return nil }
        let first = base.load(fromByteOffset: position, as: UInt8.self)
        if first < 0x80 {
            position += 1
            return UInt64(first)
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let byte = base.load(fromByteOffset: position, as: UInt8.self)
            position += 1
            result |= UInt64(byte & 0x7F) &<< shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    mutating func fixed32() -> UInt32? {
        guard end - position >= 4 else { return nil }
        defer { position += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func fixed64() -> UInt64? {
        guard end - position >= 8 else { return nil }
        defer { position += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// The range of a length-delimited field's bytes.
    mutating func lengthDelimited() -> Range<Int>? {
        guard let length = varint(), length <= UInt64(end - position) else { return nil }
        let start = position
        position += Int(length)
        return start..<position
    }
}

/// The fast path's state kept with a run: the decoder's scratch space and a cache from a tag's
/// bytes to its ``RunData`` scalar column, so the common event costs no `String` or reference
/// counting work. Every per-slot column is of plain values, indexed by slot.
struct FastScalarPath: Sendable {
    var decoder = ScalarEventDecoder()
    /// Every slot's tag bytes, one after the other.
    private var tagBytes: [UInt8] = []
    /// Where each slot's tag is in `tagBytes`.
    private var tagRanges: [Range<Int>] = []
    /// Each slot's tag.
    private(set) var tags: [String] = []
    /// Each slot's scalar column in ``RunData``, or -1 before it has one.
    var columns: [Int] = []
    /// What the fast path knows of a tag's plugin (``RunData/pluginByTag``).
    enum Plugin: UInt8, Sendable { case unknown, scalars, other }
    /// Each slot's plugin, once known.
    var plugins: [Plugin] = []
    /// The slot looked up after each slot last time: events usually cycle through their tags in
    /// the same order, so this is the first guess.
    private var next: [Int] = []
    /// The slot of each of the decoder's items, in order.
    var resolved: [Int] = []
    private var last = -1
    private var byHash: [UInt64: [Int]] = [:]

    /// The layout of an event of one value, apart from the payloads of its `wall_time`, its `step`
    /// and its number. Those payloads decide nothing about how the other bytes parse (a fixed-width
    /// number's bytes are raw, and a varint of as many bytes ends where the other did), so an event
    /// of the same length whose step takes as many bytes and whose other bytes are equal holds the
    /// same tag, metadata and kind of value at the same places: it is read without the decoder
    /// or the tag lookup.
    struct EventShape {
        /// The event's length; 0 when the slot has no shape.
        var count = 0
        /// The bytes of the step's varint, which starts at offset 10 (after `wall_time`'s 9).
        var stepLength = 0
        var tag = 0..<0
        var kind = ScalarEventDecoder.Kind.none
        var hasScalarsMetadata = false
        /// The number's bytes: 4 of a `Float`, 8 of a `Double`.
        var number = 0..<0
        /// Where the event's bytes are kept in ``shapeBytes``, and the room there.
        var start = 0
        var capacity = 0
    }
    /// Each slot's last event shape.
    private var shapes: [EventShape] = []
    /// Events read by their shape.
    private(set) var shapedEvents = 0
    /// The bytes of every shape, one after the other.
    private var shapeBytes: [UInt8] = []

    /// The slot of the event `bytes` when it repeats the shape kept for the slot expected next,
    /// with the decoder holding its value as ``ScalarEventDecoder/decode(_:)`` would; `nil`
    /// otherwise.
    @inline(__always)
    mutating func shapedSlot(of bytes: UnsafeRawBufferPointer) -> Int? {
        guard last >= 0 else { return nil }
        let slot = next[last]
        guard slot >= 0 else { return nil }
        let shape = shapes[slot]
        guard shape.count == bytes.count, shape.count != 0, let base = bytes.baseAddress,
            let step = Self.step(ofEvent: base, shapedAs: shape, in: shapeBytes)
        else { return nil }
        let wallTime = Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
        let at = shape.number.lowerBound
        let value =
            shape.number.count == 4
            ? Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
            : Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        let item = ScalarEventDecoder.Item(
            tag: shape.tag, kind: shape.kind, value: value, hasScalarsMetadata: shape.hasScalarsMetadata,
            number: shape.number)
        decoder.take(wallTime: wallTime, step: Int64(bitPattern: step), item: item)
        last = slot
        shapedEvents &+= 1
        return slot
    }

    /// The step of the event at `base` if it has `shape`; only the arrays read are passed, not
    /// `self` (see ``matches(_:_:)``).
    @inline(__always)
    private static func step(
        ofEvent base: UnsafeRawPointer, shapedAs shape: EventShape, in stored: [UInt8]
    ) -> UInt64? {
        guard base.load(as: UInt8.self) == 0x09, base.load(fromByteOffset: 9, as: UInt8.self) == 0x10 else {
            return nil
        }
        var reader = WireReader(base: base, position: 10, end: shape.number.lowerBound)
        guard let step = reader.varint(), reader.position == 10 &+ shape.stepLength else { return nil }
        let same = stored.withUnsafeBytes { raw in
            let kept = raw.baseAddress.unsafelyUnwrapped + shape.start
            let from = reader.position
            let number = shape.number
            return WireBytes.equal(kept + from, base + from, count: number.lowerBound &- from)
                && WireBytes.equal(
                    kept + number.upperBound, base + number.upperBound, count: shape.count &- number.upperBound)
        }
        return same ? step : nil
    }

    /// The longest event whose shape is kept: scalar events take 30–150 bytes, and a file of ever
    /// longer events of a tag must not make the shapes' bytes grow with the file.
    static let maxShapeBytes = 512

    /// Keeps the shape of the event `bytes` of one value, `item`, whose tag is in `slot`, when it
    /// is `wall_time`, a `step` of at most 9 bytes (a negative step takes 10) and the summary, in
    /// that order and nothing else, its number's bytes are known and it is at most
    /// ``maxShapeBytes`` long.
    mutating func keepShape(of bytes: UnsafeRawBufferPointer, slot: Int, item: ScalarEventDecoder.Item) {
        guard item.number.count == 4 || item.number.count == 8, bytes.count > 10, bytes.count <= Self.maxShapeBytes,
            let base = bytes.baseAddress,
            base.load(as: UInt8.self) == 0x09, base.load(fromByteOffset: 9, as: UInt8.self) == 0x10
        else { return }
        // The summary must follow the step and end the event: a `wall_time` or `step` repeated
        // after it would be compared as plain bytes, yet it is the one the decoders keep.
        var reader = WireReader(base: base, position: 10, end: bytes.count)
        guard reader.varint() != nil else { return }
        let stepLength = reader.position - 10
        guard stepLength <= 9, reader.position <= item.number.lowerBound, reader.position <= item.tag.lowerBound,
            reader.varint() == 0x2A, let summary = reader.lengthDelimited(), summary.upperBound == bytes.count
        else { return }
        var shape = shapes[slot]
        if shape.capacity < bytes.count {
            // Twice the room each time (a step's varint grows a byte at a time): a slot's shapes
            // take a few times ``maxShapeBytes`` at most, over all the places they had.
            shape.start = shapeBytes.count
            shape.capacity = Swift.min(Swift.max(bytes.count, 2 * shape.capacity), Self.maxShapeBytes)
            shapeBytes.append(contentsOf: bytes)
            shapeBytes.append(contentsOf: repeatElement(0, count: shape.capacity - bytes.count))
        } else {
            shapeBytes.withUnsafeMutableBytes { raw in
                (raw.baseAddress.unsafelyUnwrapped + shape.start).copyMemory(from: base, byteCount: bytes.count)
            }
        }
        shape.count = bytes.count
        shape.stepLength = stepLength
        shape.tag = item.tag
        shape.kind = item.kind
        shape.hasScalarsMetadata = item.hasScalarsMetadata
        shape.number = item.number
        shapes[slot] = shape
    }

    /// The slot of the tag whose UTF-8 bytes are `bytes`, created if new; `nil` if the bytes
    /// aren't valid UTF-8 (SwiftProtobuf rejects such an event, and decides it).
    mutating func slot(for bytes: UnsafeRawBufferPointer) -> Int? {
        if last >= 0 {
            let guess = next[last]
            if guess >= 0, Self.matches(tagRanges[guess], bytes, in: tagBytes) {
                last = guess
                return guess
            }
        }
        guard let found = find(bytes) ?? insert(bytes) else { return nil }
        if last >= 0 { next[last] = found }
        last = found
        return found
    }

    /// Whether slot `index` holds the tag `bytes`. Only the two arrays it reads are passed, not
    /// `self`: a call on `self` from the mutating ``slot(for:)`` would copy the whole path (the
    /// decoder with it) for every event.
    private func matches(_ index: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        Self.matches(tagRanges[index], bytes, in: tagBytes)
    }

    private static func matches(_ range: Range<Int>, _ bytes: UnsafeRawBufferPointer, in tagBytes: [UInt8]) -> Bool {
        guard range.count == bytes.count else { return false }
        guard let other = bytes.baseAddress else { return true }
        return tagBytes.withUnsafeBytes { stored in
            WireBytes.equal(stored.baseAddress.unsafelyUnwrapped + range.lowerBound, other, count: range.count)
        }
    }

    private func find(_ bytes: UnsafeRawBufferPointer) -> Int? {
        if tags.count <= 16 {
            return tags.indices.first { matches($0, bytes) }
        }
        return byHash[Self.hash(bytes)]?.first { matches($0, bytes) }
    }

    private mutating func insert(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let tag = String(validating: bytes, as: UTF8.self) else { return nil }
        let index = tags.count
        tagRanges.append(tagBytes.count..<tagBytes.count + bytes.count)
        tagBytes.append(contentsOf: bytes)
        tags.append(tag)
        columns.append(-1)
        plugins.append(.unknown)
        next.append(-1)
        shapes.append(EventShape())
        byHash[Self.hash(bytes), default: []].append(index)
        return index
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}

/// Comparing the short runs of bytes the decoder meets (tags, metadata, a tensor's fields).
enum WireBytes {
    /// Whether the `count` bytes at `a` and at `b` are equal: eight at a time, inline, which for
    /// a few dozen bytes beats a call to `memcmp`. The last word overlaps the one before it rather
    /// than ending in a loop over single bytes (as do two 4-byte words below 8 bytes).
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        if count >= 8 {
            var i = 0
            while i &+ 8 < count {
                if a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    != b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                {
                    return false
                }
                i &+= 8
            }
            let last = count &- 8
            return a.loadUnaligned(fromByteOffset: last, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: last, as: UInt64.self)
        }
        if count >= 4 {
            let last = count &- 4
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: last, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: last, as: UInt32.self)
        }
        var i = 0
        while i < count {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i &+= 1
        }
        return true
    }
}
