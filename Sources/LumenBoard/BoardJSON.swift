/// A JSON value for the board's API, written by hand so that output is fast, key order is fixed
/// and non-finite numbers (which JSON can't hold) become the strings `"NaN"`, `"Infinity"` and
/// `"-Infinity"` (as JavaScript's `Number()` reads them back) instead of failing.
public indirect enum BoardJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int64)
    case string(String)
    case array([BoardJSON])
    case object([(String, BoardJSON)])

    public static func == (lhs: BoardJSON, rhs: BoardJSON) -> Bool { lhs.bytes == rhs.bytes }

    /// The compact JSON text.
    public var serialized: String { String(decoding: bytes, as: UTF8.self) }

    /// The compact JSON text as UTF-8 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends the compact JSON text to `out` as UTF-8.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let x): Self.writeNumber(x, into: &out)
        case .integer(let i): Self.writeInteger(i, into: &out)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends a number as the API writes it: a finite number in the shortest form that reads
    /// back to the same `Double` (integral values below 10¹⁵ without a fraction), NaN and the
    /// infinities as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`.
    @inline(__always)
    public static func writeNumber(_ x: Double, into out: inout [UInt8]) {
        guard x.isFinite else {
            out.append(contentsOf: (x.isNaN ? "\"NaN\"" : x < 0 ? "\"-Infinity\"" : "\"Infinity\"").utf8)
            return
        }
        // Below 10¹⁵ the conversion is exact and can't trap; it is integral if it converts back.
        if abs(x) < 1e15, Double(Int64(x)) == x {
            writeInteger(Int64(x), into: &out)
        } else {
            ShortestDecimal.append(x, to: &out)
        }
    }

    /// A decimal integer.
    @inline(__always)
    static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        let count = DecimalDigits.count(magnitude)
        guard count > DecimalDigits.alignedCount else {
            appendDigits(of: magnitude, count: count, to: &out)
            return
        }
        // 18 or 19 digits: the first one or two, then the other 17 (zero-padded).
        let head = magnitude / 100_000_000_000_000_000
        appendDigits(of: head, count: DecimalDigits.count(head), to: &out)
        appendDigits(of: magnitude - head * 100_000_000_000_000_000, count: DecimalDigits.alignedCount, to: &out)
    }

    /// The `count` (at most 17) digits of `value`, zero-padded.
    @inline(__always)
    private static func appendDigits(of value: UInt64, count: Int, to out: inout [UInt8]) {
        let digits = DecimalDigits.leftAligned(value, count: count)
        out.append(addingCapacity: 24) { span in
            span.withUnsafeMutableBufferPointer { buffer, written in
                DecimalDigits.store(digits, to: UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped))
                written = count
            }
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, and U+2028 and U+2029,
    /// which end a line in older JavaScript.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case 10: out.append(contentsOf: #"\n"#.utf8)
                case 13: out.append(contentsOf: #"\r"#.utf8)
                case 9: out.append(contentsOf: #"\t"#.utf8)
                case 0..<0x20:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 15)])
                case 0xE2
                where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                    out.append(contentsOf: (bytes[i + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                    i += 2
                default: out.append(byte)
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
