/// The shortest decimal text that reads back to a `Double`, written the way Swift's `description`
/// writes it, straight into a byte buffer.
///
/// The digits come from Giulietti's Schubfach algorithm (R. Giulietti, "The Schubfach way to
/// render doubles", 2020). A double `v = c · 2^q` rounds back from every decimal in the interval
/// between the midpoints to its neighbours. With `k = ⌊log₁₀ of that interval's width⌋`, the
/// interval's endpoints and `v` are scaled by `10^−k` through one 126-bit approximation of the
/// power of ten, rounded to odd so that each comparison below is exact. At most one multiple of
/// `10^(k+1)` lies in the interval; if one does, it is the answer; otherwise one or both of the
/// two multiples of `10^k` around `v` do, and the one closer to `v` is the answer (the even one
/// on a tie). So the text is the shortest that reads back, and the closest to `v` among those.
///
/// The layout is Swift's: plain digits when `10⁻⁴ ≤ |v| ≤ 2⁵³` (`1000000.0`, `0.00012`), else
/// one digit, the rest after a point, and an exponent of at least two digits (`1e-05`,
/// `1.5e+16`); `0.0`, `-0.0`, `nan`, `inf`, `-inf`.
enum ShortestDecimal {
    /// `|x| = significand · 10^exponent` for a finite, nonzero `x`, with the fewest significant
    /// digits that read back to `x` (trailing zeros may remain in `significand`).
    static func decimal(_ x: Double) -> (significand: UInt64, exponent: Int) {
        let bits = x.bitPattern
        let fraction = bits & ((1 << 52) - 1)
        let biased = Int((bits >> 52) & 0x7ff)
        let c: UInt64
        let q: Int
        if biased != 0 {
            c = (1 << 52) | fraction
            q = biased - 1075
            // An integer below 2⁵²: its digits are exact and no shorter text reads back.
            if q < 0, q > -53 {
                let integer = c >> UInt64(-q)
                if integer << UInt64(-q) == c { return (integer, 0) }
            }
        } else {
            c = fraction
            q = -1074
        }
        // The interval that rounds to v: [v − ulp/2, v + ulp/2] in units of 2^q / 4, its ends
        // included when c is even (round-half-even reads them back to v). Below a power of two
        // the lower neighbour is only half an ulp away.
        let excludesEnds: UInt64 = c & 1
        let cb = c << 2
        let cbRight = cb + 2
        let cbLeft: UInt64
        let k: Int
        if c != 1 << 52 || biased == 1 {
            cbLeft = cb - 2
            k = (q * 661_971_961_083) >> 41  // ⌊q · log₁₀ 2⌋
        } else {
            cbLeft = cb - 1
            k = (q * 661_971_961_083 - 274_743_187_321) >> 41  // ⌊log₁₀(¾ · 2^q)⌋
        }
        let h = UInt64(q + ((-k * 913_124_641_741) >> 38) + 2)  // q + ⌊−k · log₂ 10⌋ + 2, in 1...4
        let index = 2 * (292 - k)
        let g1 = powers[index]
        let g0 = powers[index + 1]
        // 4 · v · 10^−k and the ends, rounded to odd.
        let vb = roundToOdd(g1, g0, cb << h)
        let vbLeft = roundToOdd(g1, g0, cbLeft << h)
        let vbRight = roundToOdd(g1, g0, cbRight << h)
        let s = vb >> 2
        // The interval is narrower than 10^(k+1): at most one multiple of it lies inside.
        let lower10 = s / 10 * 10
        let upper10 = lower10 + 10
        let lowerIn10 = vbLeft + excludesEnds <= lower10 << 2
        let upperIn10 = (upper10 << 2) + excludesEnds <= vbRight
        if lowerIn10 != upperIn10 { return (lowerIn10 ? lower10 : upper10, k) }
        let t = s + 1
        let lowerIn = vbLeft + excludesEnds <= s << 2
        let upperIn = (t << 2) + excludesEnds <= vbRight
        if lowerIn != upperIn { return (lowerIn ? s : t, k) }
        // Both in: the closer one, the even one on a tie.
        let doubledMidpoint = (s + t) << 1
        return (vb < doubledMidpoint || (vb == doubledMidpoint && s & 1 == 0) ? s : t, k)
    }

    /// `⌊g · cp / 2¹²⁷⌋` with its lowest bit set when the division isn't exact, for
    /// `g = g1 · 2⁶³ + g0`.
    @inline(__always)
    private static func roundToOdd(_ g1: UInt64, _ g0: UInt64, _ cp: UInt64) -> UInt64 {
        let x1 = g0.multipliedFullWidth(by: cp).high
        let y = g1.multipliedFullWidth(by: cp)
        let z = (y.low >> 1) &+ x1
        let quotient = y.high &+ (z >> 63)
        let mask63: UInt64 = (1 << 63) - 1
        return quotient | (((z & mask63) &+ mask63) >> 63)
    }

    /// For each e in −292...324, `g = ⌊10^e · 2^(125 − ⌊e · log₂ 10⌋)⌋ + 1` (in [2¹²⁵, 2¹²⁶))
    /// as its high and low 63 bits, at `2 · (e + 292)` and the next index.
    static let powers: [UInt64] = {
        var table: [UInt64] = []
        table.reserveCapacity(2 * 617)
        var power = BigNatural(1)  // 10^e once e reaches 0
        for e in -292...324 {
            let binary = (e * 913_124_641_741) >> 38
            var scaled: BigNatural
            if e < 0 {
                scaled = BigNatural.powerOfTwo(125 - binary)
                scaled.divide(byPowerOfTen: -e)
            } else {
                scaled = power
                if binary <= 125 { scaled.shiftLeft(125 - binary) } else { scaled.shiftRight(binary - 125) }
                power.multiply(by: 10)
            }
            table += scaled.plusOneSplit()
        }
        return table
    }()

    /// Appends `x` as Swift's `description` writes it.
    static func append(_ x: Double, to out: inout [UInt8]) {
        guard x.isFinite, x != 0 else {
            let text = x.isNaN ? "nan" : x == 0 ? (x.sign == .minus ? "-0.0" : "0.0") : x < 0 ? "-inf" : "inf"
            out.append(contentsOf: text.utf8)
            return
        }
        var (significand, exponent) = decimal(x)
        // Rarely a multiple of ten (a shorter decimal, or an integer): its zeros are the exponent's.
        while significand % 10 == 0, significand != 0 {
            significand /= 10
            exponent += 1
        }
        let count = DecimalDigits.count(significand)
        guard count <= DecimalDigits.alignedCount else {
            // A double's shortest decimal has at most 17 digits; kept only so no input can overrun.
            out.append(contentsOf: x.description.utf8)
            return
        }
        let digits = DecimalDigits.leftAligned(significand, count: count)
        let leading = exponent + count - 1  // the decimal exponent of the first digit
        let negative = x < 0
        let plain = leading >= -4 && x.magnitude <= 0x1p53
        // Every store below stays within the first 40 bytes.
        out.append(addingCapacity: 48) { span in
            span.withUnsafeMutableBufferPointer { buffer, written in
                let base = UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped)
                var at = 0
                if negative {
                    base.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self)
                    at = 1
                }
                if plain, leading < 0 {
                    // 0.000ddd: at most three zeros after the point.
                    base.storeBytes(of: DecimalDigits.zeroPoint, toByteOffset: at, as: UInt16.self)
                    base.storeBytes(of: DecimalDigits.zeros, toByteOffset: at + 2, as: UInt64.self)
                    at += 1 - leading
                    DecimalDigits.store(digits, to: base + at)
                    at += count
                } else if plain, exponent >= 0 {
                    // An integer below 2⁵³: its digits, its zeros (at most 16 digits in all), ".0".
                    DecimalDigits.store(digits, to: base + at)
                    at += count
                    base.storeBytes(of: DecimalDigits.zeros, toByteOffset: at, as: UInt64.self)
                    base.storeBytes(of: DecimalDigits.zeros, toByteOffset: at + 8, as: UInt64.self)
                    at += exponent
                    base.storeBytes(of: DecimalDigits.pointZero, toByteOffset: at, as: UInt16.self)
                    at += 2
                } else if plain {
                    // ddd.ddd: the digits, then the point and the digits after it over the rest.
                    let before = leading + 1
                    DecimalDigits.store(digits, to: base + at)
                    base.storeBytes(of: UInt8(ascii: "."), toByteOffset: at + before, as: UInt8.self)
                    DecimalDigits.storeTail(digits, droppingFirst: before, to: base + at + before + 1)
                    at += count + 1
                } else {
                    // d.ddde±xx
                    base.storeBytes(of: UInt8(truncatingIfNeeded: digits.0), toByteOffset: at, as: UInt8.self)
                    at += 1
                    if count > 1 {
                        base.storeBytes(of: UInt8(ascii: "."), toByteOffset: at, as: UInt8.self)
                        DecimalDigits.storeTail(digits, droppingFirst: 1, to: base + at + 1)
                        at += count
                    }
                    base.storeBytes(of: UInt8(ascii: "e"), toByteOffset: at, as: UInt8.self)
                    base.storeBytes(
                        of: leading < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"), toByteOffset: at + 1, as: UInt8.self)
                    at += 2
                    var magnitude = Int(leading.magnitude)
                    if magnitude >= 100 {
                        base.storeBytes(
                            of: UInt8(truncatingIfNeeded: magnitude / 100) + 48, toByteOffset: at, as: UInt8.self)
                        at += 1
                        magnitude %= 100
                    }
                    base.storeBytes(of: DecimalDigits.pair(magnitude), toByteOffset: at, as: UInt16.self)
                    at += 2
                }
                written = at
            }
        }
    }
}

/// Decimal digits as text, computed in registers: eight digits at a time by SIMD-within-a-register
/// division (each lane of a 64-bit word divided by 100, then by 10, through a multiplication and
/// a shift), stored as whole words, so no digit is written to memory one byte at a time and read
/// back.
enum DecimalDigits {
    /// The most digits ``leftAligned(_:count:)`` takes.
    static let alignedCount = 17

    static let zeros: UInt64 = 0x3030_3030_3030_3030
    /// "0." and ".0" as they lie in memory.
    static let zeroPoint = UInt16(UInt8(ascii: "0")) | UInt16(UInt8(ascii: ".")) << 8
    static let pointZero = UInt16(UInt8(ascii: ".")) | UInt16(UInt8(ascii: "0")) << 8

    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]

    /// How many decimal digits `value` has (1 for 0).
    @inline(__always)
    static func count(_ value: UInt64) -> Int {
        // ⌊bits · log₁₀ 2⌋ is the count or one less (`| 1` changes no count, and makes 0 count 1).
        let odd = value | 1
        let estimate = ((64 - odd.leadingZeroBitCount) &* 1233) >> 12
        return estimate &+ (odd >= powersOfTen[estimate] ? 1 : 0)
    }

    /// `value` (below 10⁸) as eight ASCII digits, zero-padded, the first in the lowest byte.
    @inline(__always)
    static func eight(_ value: UInt64) -> UInt64 {
        // Two lanes of 32 bits: the first four digits, the last four.
        let quads = value / 10_000 | (value % 10_000) << 32
        // Four lanes of 16 bits: each quad's /100 and %100 (exact for quads below 10⁴).
        let hundreds = ((quads &* 10_486) >> 20) & 0x0000_007F_0000_007F
        let pairs = hundreds | (quads &- hundreds &* 100) << 16
        // Eight lanes of 8 bits: each pair's /10 and %10 (exact for pairs below 100).
        let tens = ((pairs &* 103) >> 10) & 0x000F_000F_000F_000F
        return (tens | (pairs &- tens &* 10) << 8) | zeros
    }

    /// "00" to "99" for `value` below 100, as it lies in memory.
    @inline(__always)
    static func pair(_ value: Int) -> UInt16 {
        let tens = UInt16(truncatingIfNeeded: value / 10)
        let ones = UInt16(truncatingIfNeeded: value % 10)
        return (tens | ones << 8) | 0x3030
    }

    /// The `count` (1 ... ``alignedCount``) digits of `value` as 17 bytes of text from the first
    /// byte of three words, followed by zeros.
    @inline(__always)
    static func leftAligned(_ value: UInt64, count: Int) -> (UInt64, UInt64, UInt64) {
        let scaled = value &* powersOfTen[alignedCount &- count]  // exactly 17 digits
        let first = scaled / 10_000_000_000_000_000
        let rest = scaled &- first &* 10_000_000_000_000_000
        let high = eight(rest / 100_000_000)
        let low = eight(rest % 100_000_000)
        return ((first | 0x30) | high << 8, high >> 56 | low << 8, low >> 56)
    }

    /// Stores the three words of `digits` (24 bytes) at `destination`.
    @inline(__always)
    static func store(_ digits: (UInt64, UInt64, UInt64), to destination: UnsafeMutableRawPointer) {
        destination.storeBytes(of: digits.0, as: UInt64.self)
        destination.storeBytes(of: digits.1, toByteOffset: 8, as: UInt64.self)
        destination.storeBytes(of: digits.2, toByteOffset: 16, as: UInt64.self)
    }

    /// Stores the 16 bytes of `digits` after its first `dropped` (1 ... 16) at `destination`.
    @inline(__always)
    static func storeTail(
        _ digits: (UInt64, UInt64, UInt64), droppingFirst dropped: Int, to destination: UnsafeMutableRawPointer
    ) {
        // Shifts of 64 bits or more give 0.
        let bits = 8 &* dropped
        let first: UInt64
        let second: UInt64
        if bits < 64 {
            first = digits.0 >> bits | digits.1 << (64 &- bits)
            second = digits.1 >> bits | digits.2 << (64 &- bits)
        } else {
            first = digits.1 >> (bits &- 64) | digits.2 << (128 &- bits)
            second = digits.2 >> (bits &- 64)
        }
        destination.storeBytes(of: first, as: UInt64.self)
        destination.storeBytes(of: second, toByteOffset: 8, as: UInt64.self)
    }
}

/// A natural number of any size, just enough to build ``ShortestDecimal/powers`` once.
private struct BigNatural {
    /// Little-endian 32-bit limbs.
    var limbs: [UInt32]

    init(_ value: UInt32) { limbs = [value] }

    static func powerOfTwo(_ exponent: Int) -> BigNatural {
        var result = BigNatural(1)
        result.shiftLeft(exponent)
        return result
    }

    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let product = UInt64(limbs[i]) * UInt64(factor) + carry
            limbs[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    mutating func shiftLeft(_ bits: Int) {
        let words = bits / 32
        let rest = UInt64(bits % 32)
        var shifted = [UInt32](repeating: 0, count: words)
        var carry: UInt64 = 0
        for limb in limbs {
            let wide = (UInt64(limb) << rest) | carry
            shifted.append(UInt32(truncatingIfNeeded: wide))
            carry = wide >> 32
        }
        if carry != 0 { shifted.append(UInt32(carry)) }
        limbs = shifted
    }

    /// `⌊self / 2^bits⌋`.
    mutating func shiftRight(_ bits: Int) {
        let words = bits / 32
        let rest = UInt64(bits % 32)
        guard words < limbs.count else {
            limbs = [0]
            return
        }
        var shifted = Array(limbs[words...])
        if rest > 0 {
            for i in shifted.indices {
                let high = i + 1 < shifted.count ? UInt64(shifted[i + 1]) << 32 : 0
                shifted[i] = UInt32(truncatingIfNeeded: (high | UInt64(shifted[i])) >> rest)
            }
        }
        limbs = shifted
    }

    /// `⌊self / 10^exponent⌋`, nine digits at a time.
    mutating func divide(byPowerOfTen exponent: Int) {
        var left = exponent
        while left > 0 {
            let digits = min(left, 9)
            var divisor: UInt64 = 1
            for _ in 0..<digits { divisor *= 10 }
            var remainder: UInt64 = 0
            for i in limbs.indices.reversed() {
                let current = (remainder << 32) | UInt64(limbs[i])
                limbs[i] = UInt32(current / divisor)
                remainder = current % divisor
            }
            left -= digits
        }
    }

    /// `self + 1` (below 2¹²⁶) as its bits 63...125 and 0...62.
    func plusOneSplit() -> [UInt64] {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (i, limb) in limbs.enumerated() where limb != 0 {
            precondition(i < 4, "a power of ten out of the table's range")
            let value = UInt64(limb)
            switch i {
            case 0: low |= value
            case 1: low |= value << 32
            case 2: high |= value
            default: high |= value << 32
            }
        }
        // 128-bit (high, low) + 1, then split at bit 63.
        let (sum, overflow) = low.addingReportingOverflow(1)
        low = sum
        if overflow { high += 1 }
        return [(high << 1) | (low >> 63), low & ((1 << 63) - 1)]
    }
}
