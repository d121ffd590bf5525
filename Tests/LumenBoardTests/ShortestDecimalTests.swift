import Testing

@testable import LumenBoard

/// The board's own shortest-decimal printer against the standard library's (`description`, which
/// prints the shortest text that reads back, the closest to the value among those) and against
/// reading the text back.
@Suite struct ShortestDecimalTests {
    func printed(_ x: Double) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        ShortestDecimal.append(x, to: &out)
        return String(decoding: out.dropFirst(), as: UTF8.self)
    }

    func expectAsTheStandardLibrary(_ values: [Double]) {
        var mismatches = 0
        for x in values {
            let text = printed(x)
            guard text == x.description else {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("\(x.description) (bits \(String(x.bitPattern, radix: 16))) printed as \(text)")
                }
                continue
            }
            if x.isFinite { #expect(Double(text) == x) }
        }
        #expect(mismatches == 0, "\(mismatches) of \(values.count) printed otherwise")
    }

    @Test func everyBinaryAndDecimalExponentWithItsNeighbours() throws {
        var values: [Double] = []
        for exponent in -1074...1023 {
            let x = Double(sign: .plus, exponent: exponent, significand: 1)
            values += [x, x.nextUp, x.nextDown, -x, x * 1.5, x * 1.75]
        }
        for exponent in -323...308 {
            let x = try #require(Double("1e\(exponent)"))
            values += [x, x.nextUp, x.nextDown, 3 * x, 7 * x]
        }
        // The smallest subnormals (one or two digits) and those below the first normal.
        for bits in UInt64(1)..<3_000 {
            values += [Double(bitPattern: bits), Double(bitPattern: (1 << 52) - bits)]
        }
        values += [.greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude, .ulpOfOne]
        expectAsTheStandardLibrary(values)
    }

    @Test func randomBitPatternsFloat32ValuesAndWallTimes() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
        var values: [Double] = []
        for _ in 0..<150_000 {
            let x = Double(bitPattern: next())
            if x.isFinite { values.append(x) }
            values.append(Double(Float(bitPattern: UInt32(truncatingIfNeeded: next() >> 7))))
            values.append(1_796_445_869 + Double(next() % 100_000_000) * 1e-7)
        }
        for i in 0..<20_000 { values += [Double(i) / 8, Double(i) * 0.001, Double(i) * 1e-7, Double(i) * 1e14] }
        expectAsTheStandardLibrary(values)
    }

    @Test func plainDigitsFrom1eMinus4To2Power53AndAnExponentOutside() {
        let cases: [(Double, String)] = [
            (0.0001, "0.0001"), (0.000123, "0.000123"), (0.0001.nextDown, "9.999999999999999e-05"),
            (1e-5, "1e-05"), (-1.5e-5, "-1.5e-05"), (0.1, "0.1"), (123.456, "123.456"), (100_000, "100000.0"),
            (0x1p53, "9007199254740992.0"), (0x1p53.nextUp, "9.007199254740994e+15"), (1e16, "1e+16"),
            (1.5e16, "1.5e+16"), (1e300, "1e+300"), (.leastNonzeroMagnitude, "5e-324"),
            (Double(bitPattern: 2024), "1e-320"),
            (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (1.0 / 3, "0.3333333333333333"),
            (0, "0.0"), (-0.0, "-0.0"), (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
        ]
        for (x, expected) in cases { #expect(printed(x) == expected) }
    }
}
