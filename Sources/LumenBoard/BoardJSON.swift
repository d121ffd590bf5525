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

    public static func == (lhs: BoardJSON, rhs: BoardJSON) -> Bool { lhs.serialized == rhs.serialized }

    /// The compact JSON text.
    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    public func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): Self.writeNumber(x, into: &out)
        case .integer(let i): out += String(i)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    /// A finite number in the shortest form that reads back to the same `Double`; integral values
    /// without a fraction; NaN and the infinities as the strings `"NaN"`, `"Infinity"` and
    /// `"-Infinity"`.
    static func writeNumber(_ x: Double, into out: inout String) {
        guard x.isFinite else {
            out += x.isNaN ? "\"NaN\"" : x < 0 ? "\"-Infinity\"" : "\"Infinity\""
            return
        }
        if x == x.rounded(), abs(x) < 1e15 {
            out += String(Int64(x))
        } else {
            out += "\(x)"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
