import Foundation

/// A protobuf text-format message as written in a `.pbtxt` file: its fields in file order, each
/// with the line it starts on. Types are not known here; ``ProjectorConfig`` interprets the fields.
struct TextProtoMessage: Sendable, Equatable {
    enum Value: Sendable, Equatable {
        /// A bare token: a number, an enum name, `true`/`false`.
        case token(String)
        /// A quoted string, escapes resolved (adjacent quoted strings are concatenated).
        case string(String)
        case message(TextProtoMessage)
    }

    struct Field: Sendable, Equatable {
        var name: String
        var value: Value
        var line: Int
    }

    var fields: [Field] = []
}

/// A text-format syntax error, naming the line (1-based) where it was found.
public struct TextProtoError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Parses protobuf text format (the form `text_format.Parse` reads): `name: value`, `name { ... }`
/// or `name < ... >` (the colon optional before a message), repeated values as `name: [a, b]`,
/// `#` comments, `,`/`;` separators, single- or double-quoted strings with C escapes.
enum TextProtoParser {
    static func parse(_ text: String) throws(TextProtoError) -> TextProtoMessage {
        var lexer = Lexer(bytes: Array(text.utf8))
        let message = try parseFields(&lexer, closing: nil)
        return message
    }

    private static func parseFields(_ lexer: inout Lexer, closing: UInt8?) throws(TextProtoError) -> TextProtoMessage {
        var message = TextProtoMessage()
        while true {
            let token = try lexer.next()
            switch token.kind {
            case .end:
                if let closing {
                    throw TextProtoError(
                        line: token.line,
                        message: "missing '\(Character(UnicodeScalar(closing)))' at the end of the file")
                }
                return message
            case .symbol(let s) where closing != nil && s == closing:
                return message
            case .symbol(UInt8(ascii: ",")), .symbol(UInt8(ascii: ";")):
                continue
            case .identifier(let name):
                let line = token.line
                var after = try lexer.next()
                var sawColon = false
                if case .symbol(UInt8(ascii: ":")) = after.kind {
                    sawColon = true
                    after = try lexer.next()
                }
                switch after.kind {
                case .symbol(let open) where open == UInt8(ascii: "{") || open == UInt8(ascii: "<"):
                    let inner = try parseFields(
                        &lexer, closing: open == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: ">"))
                    message.fields.append(.init(name: name, value: .message(inner), line: line))
                case .symbol(UInt8(ascii: "[")) where sawColon:
                    var first = true
                    while true {
                        var item = try lexer.next()
                        if case .symbol(UInt8(ascii: "]")) = item.kind, first { break }
                        if !first {
                            guard case .symbol(let s) = item.kind, s == UInt8(ascii: ",") || s == UInt8(ascii: "]")
                            else {
                                throw TextProtoError(
                                    line: item.line,
                                    message: "expected ',' or ']' in the list of '\(name)', found \(item.kind.text)")
                            }
                            if s == UInt8(ascii: "]") { break }
                            item = try lexer.next()
                        }
                        first = false
                        message.fields.append(
                            .init(name: name, value: try scalar(item, &lexer, field: name), line: item.line))
                    }
                default:
                    guard sawColon else {
                        throw TextProtoError(
                            line: after.line,
                            message: "expected ':' or '{' after field name '\(name)', found \(after.kind.text)")
                    }
                    message.fields.append(.init(name: name, value: try scalar(after, &lexer, field: name), line: line))
                }
            default:
                throw TextProtoError(line: token.line, message: "expected a field name, found \(token.kind.text)")
            }
        }
    }

    private static func scalar(_ token: Lexer.Token, _ lexer: inout Lexer, field: String) throws(TextProtoError)
        -> TextProtoMessage.Value
    {
        switch token.kind {
        case .string(let s):
            var text = s
            while case .string(let more) = lexer.peek().kind {
                _ = try lexer.next()
                text += more
            }
            return .string(text)
        case .identifier(let word): return .token(word)
        case .number(let word): return .token(word)
        default:
            throw TextProtoError(line: token.line, message: "expected a value for '\(field)', found \(token.kind.text)")
        }
    }

    struct Lexer {
        enum Kind: Equatable {
            case identifier(String), number(String), string(String), symbol(UInt8), end
            var text: String {
                switch self {
                case .identifier(let s): "'\(s)'"
                case .number(let s): "'\(s)'"
                case .string(let s): "the string \"\(s)\""
                case .symbol(let c): "'\(Character(UnicodeScalar(c)))'"
                case .end: "the end of the file"
                }
            }
        }
        struct Token { var kind: Kind; var line: Int }

        let bytes: [UInt8]
        var index = 0
        var line = 1
        var peeked: Token?

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func peek() -> Token {
            if let peeked { return peeked }
            let token = (try? scan()) ?? Token(kind: .end, line: line)
            peeked = token
            return token
        }

        mutating func next() throws(TextProtoError) -> Token {
            if let token = peeked {
                peeked = nil
                return token
            }
            return try scan()
        }

        private mutating func scan() throws(TextProtoError) -> Token {
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\n") {
                    line += 1; index += 1
                } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                    index += 1
                } else if c == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else {
                    break
                }
            }
            guard index < bytes.count else { return Token(kind: .end, line: line) }
            let c = bytes[index]
            let start = index
            if isIdentifierStart(c) {
                while index < bytes.count,
                    isIdentifierStart(bytes[index]) || isDigit(bytes[index]) || bytes[index] == UInt8(ascii: ".")
                { index += 1 }
                return Token(kind: .identifier(String(decoding: bytes[start..<index], as: UTF8.self)), line: line)
            }
            if isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") {
                index += 1
                while index < bytes.count,
                    isDigit(bytes[index]) || isIdentifierStart(bytes[index]) || bytes[index] == UInt8(ascii: ".")
                        || ((bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+"))
                            && (bytes[index - 1] == UInt8(ascii: "e") || bytes[index - 1] == UInt8(ascii: "E")))
                { index += 1 }
                return Token(kind: .number(String(decoding: bytes[start..<index], as: UTF8.self)), line: line)
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                return Token(kind: .string(try quoted(c)), line: line)
            }
            index += 1
            switch c {
            case UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ";"):
                return Token(kind: .symbol(c), line: line)
            default:
                let scalar = String(decoding: bytes[start..<min(bytes.count, start + 4)], as: UTF8.self).prefix(1)
                throw TextProtoError(line: line, message: "unexpected character '\(scalar)'")
            }
        }

        private mutating func quoted(_ quote: UInt8) throws(TextProtoError) -> String {
            let startLine = line
            index += 1
            var out: [UInt8] = []
            while true {
                guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else {
                    throw TextProtoError(line: startLine, message: "string not closed on its line")
                }
                let c = bytes[index]
                index += 1
                if c == quote { break }
                guard c == UInt8(ascii: "\\") else { out.append(c); continue }
                guard index < bytes.count else {
                    throw TextProtoError(line: line, message: "string not closed on its line")
                }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "a"): out.append(7)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "v"): out.append(11)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "?"): out.append(e)
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var value = Int(e - UInt8(ascii: "0"))
                    var digits = 1
                    while digits < 3, index < bytes.count,
                        (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index])
                    {
                        value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                        index += 1
                        digits += 1
                    }
                    out.append(UInt8(truncatingIfNeeded: value))
                case UInt8(ascii: "x"):
                    var value = 0
                    var digits = 0
                    while digits < 2, index < bytes.count, let d = hexValue(bytes[index]) {
                        value = value * 16 + d
                        index += 1
                        digits += 1
                    }
                    guard digits > 0 else {
                        throw TextProtoError(line: line, message: "'\\x' without hex digits in a string")
                    }
                    out.append(UInt8(value))
                default:
                    throw TextProtoError(
                        line: line, message: "unknown escape '\\\(Character(UnicodeScalar(e)))' in a string")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        private func isIdentifierStart(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || c == UInt8(ascii: "_")
        }
        private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        private func hexValue(_ c: UInt8) -> Int? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
            default: nil
            }
        }
    }
}
