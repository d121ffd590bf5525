/// Reads the small XML documents S3 answers with: the text of elements by name, without nesting
/// rules beyond what those documents use.
struct S3XML {
    let text: String

    init(_ text: String) { self.text = text }

    /// The raw contents of every element `name`, in order.
    func elements(_ name: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)>") ?? rest.range(of: "<\(name) ") {
            var start = open.upperBound
            if text[open].hasSuffix(" ") {
                guard let end = rest[start...].firstIndex(of: ">") else { break }
                start = rest.index(after: end)
            }
            guard let close = rest[start...].range(of: "</\(name)>") else { break }
            out.append(String(rest[start..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// The unescaped text of the first element `name`.
    func first(_ name: String) -> String? { elements(name).first.map(Self.unescape) }

    /// `text` with XML's character references replaced.
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "&\(entity);"
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }

    /// `text` escaped for an XML element's content.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
