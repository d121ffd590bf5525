/// Reads the small XML documents S3 answers with: the text of elements by name, without nesting
/// rules beyond what those documents use.
struct S3XML {
    let text: String

    init(_ text: String) { self.text = text }

    /// The raw contents of every element `name`, in order.
    ///
    /// Searched in UTF-8 bytes, not characters: a Unicode "prepend" mark (U+0600…U+0605) joins the
    /// character after it into one grapheme, which would hide a `<` that follows it from a search
    /// by character.
    func elements(_ name: String) -> [String] {
        let bytes = Array(text.utf8)
        let open = Array("<\(name)".utf8)
        let close = Array("</\(name)>".utf8)
        var out: [String] = []
        var position = 0
        while let start = Self.find(open, in: bytes, from: position) {
            let after = start + open.count
            guard after < bytes.count else { break }
            var contentStart: Int
            if bytes[after] == UInt8(ascii: ">") {
                contentStart = after + 1
            } else if bytes[after] == UInt8(ascii: " ") {
                guard let end = bytes[after...].firstIndex(of: UInt8(ascii: ">")) else { break }
                contentStart = end + 1
            } else {
                position = after  // another element whose name starts with `name`
                continue
            }
            guard let end = Self.find(close, in: bytes, from: contentStart) else { break }
            out.append(String(decoding: bytes[contentStart..<end], as: UTF8.self))
            position = end + close.count
        }
        return out
    }

    /// The unescaped text of the first element `name`.
    func first(_ name: String) -> String? { elements(name).first.map(Self.unescape) }

    /// Where `needle` first occurs in `bytes` at or after `start`.
    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, bytes.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            guard let candidate = bytes[index...(bytes.count - needle.count)].firstIndex(of: first) else { return nil }
            if bytes[candidate..<candidate + needle.count].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }

    /// `text` with XML's character references replaced (worked on Unicode scalars, for the reason
    /// ``elements(_:)`` gives).
    static func unescape(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard scalars[index] == "&", let semi = scalars[index...].firstIndex(of: ";") else {
                out.append(scalars[index])
                index += 1
                continue
            }
            var entity = String.UnicodeScalarView()
            entity.append(contentsOf: scalars[(index + 1)..<semi])
            let name = String(entity)
            let replacement: Unicode.Scalar?
            switch name {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                let number =
                    name.hasPrefix("#x")
                    ? UInt32(name.dropFirst(2), radix: 16)
                    : name.hasPrefix("#") ? UInt32(name.dropFirst()) : nil
                replacement = number.flatMap(Unicode.Scalar.init)
            }
            if let replacement {
                out.append(replacement)
                index = semi + 1
            } else {
                out.append(scalars[index])  // not a reference: the `&` stays, and so does what follows
                index += 1
            }
        }
        return String(out)
    }

    /// `text` escaped for an XML element's content (per Unicode scalar, as ``unescape(_:)``).
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
