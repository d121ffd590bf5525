import Foundation
import Testing

@testable import LumenBoard

/// The API's JSON writer: strings that JSON parsers and JavaScript read back unchanged, numbers
/// in the shortest text that reads back to the same `Double`.
@Suite struct BoardJSONTests {
    @Test func stringsReadBackUnchanged() throws {
        let names = [
            "plain", "quote\"back\\slash", "tab\tline\nreturn\r", "\u{1}\u{8}\u{1f}\u{7f}", "line\u{2028}para\u{2029}",
            "é ü 漢字 🙂", "\u{E2}\u{2027}", "",
        ]
        for name in names {
            let bytes = BoardJSON.string(name).bytes
            #expect(!bytes.contains { $0 < 0x20 }, "a raw control character in \(name.debugDescription)")
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("\u{2028}") && !text.contains("\u{2029}"), "a raw line separator")
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) as? String
            #expect(parsed == name)
        }
        #expect(BoardJSON.string("a\u{1}\u{2028}\"\\\n").serialized == #""a\u0001\u2028\"\\\n""#)
    }

    @Test func numbersAreShortestAndExact() throws {
        // Doubles from random bit patterns (every exponent) and from a training log's range.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        var values: [Double] = [0, -0.0, 1, -1, 1e15, 1e15 - 1, -1e15, 0.1, 1e-300, 5e-324, .greatestFiniteMagnitude]
        for _ in 0..<50_000 { values.append(Double(bitPattern: next())) }
        for i in 0..<50_000 { values.append(1_796_445_869 + Double(i) * 0.000_123_4 + Double(next() % 1000) * 1e-7) }
        for x in values where x.isFinite {
            var out: [UInt8] = []
            BoardJSON.writeNumber(x, into: &out)
            let text = String(decoding: out, as: UTF8.self)
            let expected = x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : x.description
            #expect(text == expected)
            #expect(Double(text) == x, "\(text) reads back as another number than \(x)")
        }
        #expect(
            BoardJSON.array([.number(.nan), .number(.infinity), .number(-.infinity)]).serialized
                == #"["NaN","Infinity","-Infinity"]"#)
    }

    @Test func integersIncludingTheExtremes() {
        var values: [Int64] = [.min, .min + 1, -1, 0, 9, 10, 1_234_567_890_123, .max, .max - 1]
        // Each digit count's ends (the count is estimated from the bits, then corrected).
        var power: Int64 = 1
        for _ in 0...18 {
            values += [power, power - 1, power + 1, -power, 2 * power - 1]
            if power <= Int64.max / 10 { power *= 10 }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values += [Int64(bitPattern: state), Int64(bitPattern: state >> (state % 64))]
        }
        for value in values {
            var out: [UInt8] = []
            BoardJSON.writeInteger(value, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}
