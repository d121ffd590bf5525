/// Hand-written protobuf encodings of the commonest events, byte for byte what swift-protobuf
/// writes for the same ``Event``, without building messages.
public enum EventEncoding {
    /// The serialized `Event` of one scalar: `wall_time`, `step`, and a `Summary` with one value
    /// holding `tag` and `simple_value`.
    public static func scalarEvent(tag: String, value: Float, step: Int64, wallTime: Double) -> [UInt8] {
        var tag = tag
        return tag.withUTF8 { tagBytes in
            // Summary.Value: tag (1, bytes) + simple_value (2, fixed32).
            let valueLength = (tagBytes.isEmpty ? 0 : 1 + varintLength(UInt64(tagBytes.count)) + tagBytes.count) + 5
            // Summary: value (1, message).
            let summaryLength = 1 + varintLength(UInt64(valueLength)) + valueLength
            var bytes: [UInt8] = []
            bytes.reserveCapacity(9 + 11 + 1 + varintLength(UInt64(summaryLength)) + summaryLength)
            if wallTime != 0 || wallTime.sign == .minus {
                bytes.append(0x09)  // field 1, fixed64
                appendLittleEndian(wallTime.bitPattern, to: &bytes)
            }
            if step != 0 {
                bytes.append(0x10)  // field 2, varint
                appendVarint(UInt64(bitPattern: step), to: &bytes)
            }
            bytes.append(0x2A)  // field 5, length-delimited
            appendVarint(UInt64(summaryLength), to: &bytes)
            bytes.append(0x0A)  // Summary.value
            appendVarint(UInt64(valueLength), to: &bytes)
            if !tagBytes.isEmpty {
                bytes.append(0x0A)  // Value.tag
                appendVarint(UInt64(tagBytes.count), to: &bytes)
                bytes.append(contentsOf: tagBytes)
            }
            bytes.append(0x15)  // Value.simple_value, fixed32
            appendLittleEndian(value.bitPattern, to: &bytes)
            return bytes
        }
    }

    static func varintLength(_ value: UInt64) -> Int {
        var value = value
        var length = 1
        while value >= 0x80 {
            value >>= 7
            length += 1
        }
        return length
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
