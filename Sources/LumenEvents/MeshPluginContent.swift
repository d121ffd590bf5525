import Foundation

/// The mesh plugin's `MeshPluginData` (its `content` in a summary's metadata), decoded from the
/// wire format: field 1 version, 2 name, 3 content type, 5 JSON config, 6 shape, 7 components.
public struct MeshPluginContent: Sendable, Equatable {
    /// The mesh's name (the tag without the `_VERTEX`/`_FACE`/`_COLOR` suffix).
    public var name = ""
    /// 1 vertices, 2 faces, 3 colours.
    public var content = 0
    public var jsonConfig = ""
    public var shape: [Int] = []
    public var components = 0

    /// Decodes the plugin content; `nil` if it isn't a valid message.
    public init?(serialized bytes: Data) {
        var reader = MeshWireReader(bytes: [UInt8](bytes))
        while !reader.atEnd {
            guard let key = reader.varint() else { return nil }
            let field = key >> 3, wire = key & 7
            switch (field, wire) {
            case (1, 0): guard reader.varint() != nil else { return nil }
            case (2, 2):
                guard let s = reader.lengthDelimited() else { return nil }; name = String(decoding: s, as: UTF8.self)
            case (3, 0): guard let v = reader.varint() else { return nil }; content = Int(truncatingIfNeeded: v)
            case (5, 2):
                guard let s = reader.lengthDelimited() else { return nil };
                jsonConfig = String(decoding: s, as: UTF8.self)
            case (6, 0):
                guard let v = reader.varint() else { return nil }; shape.append(Int(Int32(truncatingIfNeeded: v)))
            case (6, 2):
                guard let packed = reader.lengthDelimited() else { return nil }
                var inner = MeshWireReader(bytes: packed)
                while !inner.atEnd {
                    guard let v = inner.varint() else { return nil }; shape.append(Int(Int32(truncatingIfNeeded: v)))
                }
            case (7, 0): guard let v = reader.varint() else { return nil }; components = Int(truncatingIfNeeded: v)
            default: guard reader.skip(wire: wire) else { return nil }
            }
        }
    }

    /// The bytes the writer puts in a summary's metadata.
    public static func serialize(name: String, content: Int, jsonConfig: String, shape: [Int], components: Int)
        -> [UInt8]
    {
        var out: [UInt8] = []
        func varint(_ value: UInt64) {
            var v = value; while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; out.append(UInt8(v))
        }
        func bytes(_ field: UInt64, _ b: [UInt8]) { varint(field << 3 | 2); varint(UInt64(b.count)); out += b }
        bytes(2, Array(name.utf8))
        varint(3 << 3); varint(UInt64(content))
        if !jsonConfig.isEmpty { bytes(5, Array(jsonConfig.utf8)) }
        var packed: [UInt8] = []
        for s in shape {
            var v = UInt64(bitPattern: Int64(s)); while v >= 0x80 { packed.append(UInt8(v & 0x7F) | 0x80); v >>= 7 };
            packed.append(UInt8(v))
        }
        bytes(6, packed)
        varint(7 << 3); varint(UInt64(components))
        return out
    }
}

private struct MeshWireReader {
    let bytes: [UInt8]
    var index = 0
    var atEnd: Bool { index >= bytes.count }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0, shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let b = bytes[index]
            index += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    mutating func lengthDelimited() -> [UInt8]? {
        guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
        defer { index += Int(length) }
        return Array(bytes[index..<index + Int(length)])
    }

    mutating func skip(wire: UInt64) -> Bool {
        switch wire {
        case 0: return varint() != nil
        case 1: index += 8; return index <= bytes.count
        case 2: return lengthDelimited() != nil
        case 5: index += 4; return index <= bytes.count
        default: return false
        }
    }
}
