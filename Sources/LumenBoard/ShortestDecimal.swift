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
        let (significand, exponent) = decimal(x)
        // The significand's 20 digits (zero-padded) at 8..<28 of 64 bytes: the bytes around them
        // end the scans for zeros below, and any 24 bytes from a digit on can be read.
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            guard let scratchStart = digits.baseAddress else { return }
            writeTwentyDigits(significand, to: scratchStart + 8)
            let source = UnsafeRawPointer(scratchStart)
            // The first and last nonzero digits, eight at a time.
            let zeros: UInt64 = 0x3030_3030_3030_3030
            var first = 8
            while source.loadUnaligned(fromByteOffset: first, as: UInt64.self) == zeros { first += 8 }
            first += (source.loadUnaligned(fromByteOffset: first, as: UInt64.self) ^ zeros).trailingZeroBitCount / 8
            var end = 28
            while source.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) == zeros { end -= 8 }
            end -= (source.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self) ^ zeros).leadingZeroBitCount / 8
            let count = end - first
            let trailingZeros = exponent + (28 - end)  // the powers of ten after the last digit
            let leading = trailingZeros + count - 1  // the decimal exponent of the first digit
            out.append(addingCapacity: 48) { span in
                span.withUnsafeMutableBufferPointer { buffer, written in
                    let base = UnsafeMutableRawPointer(buffer.baseAddress.unsafelyUnwrapped)
                    var at = 0
                    func put(_ byte: UInt8) {
                        base.storeBytes(of: byte, toByteOffset: at, as: UInt8.self)
                        at += 1
                    }
                    // Copies `length` (at most 24) digits from `offset`, writing 24 bytes.
                    func putDigits(from offset: Int, _ length: Int) {
                        for word in 0..<3 {
                            let value = source.loadUnaligned(fromByteOffset: offset + 8 * word, as: UInt64.self)
                            base.storeBytes(of: value, toByteOffset: at + 8 * word, as: UInt64.self)
                        }
                        at += length
                    }
                    func putZeros(_ length: Int) {
                        base.storeBytes(of: zeros, toByteOffset: at, as: UInt64.self)
                        base.storeBytes(of: zeros, toByteOffset: at + 8, as: UInt64.self)
                        at += length
                    }
                    if x < 0 { put(UInt8(ascii: "-")) }
                    if leading >= -4, x.magnitude <= 0x1p53 {
                        if leading < 0 {
                            put(UInt8(ascii: "0"))
                            put(UInt8(ascii: "."))
                            putZeros(-leading - 1)
                            putDigits(from: first, count)
                        } else if trailingZeros >= 0 {
                            putDigits(from: first, count)
                            putZeros(trailingZeros)
                            put(UInt8(ascii: "."))
                            put(UInt8(ascii: "0"))
                        } else {
                            putDigits(from: first, leading + 1)
                            put(UInt8(ascii: "."))
                            putDigits(from: first + leading + 1, count - leading - 1)
                        }
                    } else {
                        put(source.load(fromByteOffset: first, as: UInt8.self))
                        if count > 1 {
                            put(UInt8(ascii: "."))
                            putDigits(from: first + 1, count - 1)
                        }
                        put(UInt8(ascii: "e"))
                        put(leading < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                        let magnitude = Int(leading.magnitude)
                        if magnitude >= 100 { put(UInt8(truncatingIfNeeded: magnitude / 100) + 48) }
                        putPair(magnitude % 100, to: base + at)
                        at += 2
                    }
                    written = at
                }
            }
        }
    }

    /// "00" to "99".
    private static let pairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    @inline(__always)
    private static func putPair(_ value: Int, to destination: UnsafeMutableRawPointer) {
        let pair = UnsafeRawPointer(pairs.utf8Start).loadUnaligned(fromByteOffset: 2 * value, as: UInt16.self)
        destination.storeBytes(of: pair, as: UInt16.self)
    }

    /// `value`'s 20 decimal digits, zero-padded, in three independent chains of divisions.
    @inline(__always)
    private static func writeTwentyDigits(_ value: UInt64, to base: UnsafeMutableRawPointer) {
        let top = Int(value / 10_000_000_000_000_000)
        let rest = value % 10_000_000_000_000_000
        let middle = Int(rest / 100_000_000)
        let low = Int(rest % 100_000_000)
        putPair(top / 100, to: base)
        putPair(top % 100, to: base + 2)
        writeEightDigits(middle, to: base + 4)
        writeEightDigits(low, to: base + 12)
    }

    @inline(__always)
    private static func writeEightDigits(_ value: Int, to base: UnsafeMutableRawPointer) {
        let high = value / 10_000
        let low = value % 10_000
        putPair(high / 100, to: base)
        putPair(high % 100, to: base + 2)
        putPair(low / 100, to: base + 4)
        putPair(low % 100, to: base + 6)
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
