import Synchronization

/// A full chunk of a ``ScalarSeries``, compressed in the manner of Gorilla (Pelkonen et al.,
/// "Gorilla: A Fast, Scalable, In-Memory Time Series Database", VLDB 2015), giving back every
/// point bit for bit.
///
/// One bit stream holds three sections, one after the other:
///
/// - steps and wall times (the wall time's bit pattern read as an `Int64`), each as an
///   ``IntegerSequenceCode``: Gorilla's delta-of-delta, or, when it takes fewer bits for this
///   chunk, offsets from the straight line through the chunk's first and last element at one
///   fixed width (wall times that jitter around a steady pace cost the jitter's bits once, where
///   delta-of-delta pays for the difference of two jitters);
/// - values over the `Float` bit patterns when every value of the chunk is exactly a `Float` (see
///   ``ScalarChunk``), else over the `Double` bit patterns: a 1-bit mode, then Gorilla's XOR code
///   (``XORCode``), or, when it takes fewer bits for this chunk, the patterns mapped to integers in
///   the order of their values (``orderedInteger(_:width:)``) as an ``IntegerSequenceCode``
///   (noisy values cost the bits of the noise's range, without XOR's control bits each time
///   the noise crosses a power of two).
///
/// All arithmetic on the integer sequences wraps, so any `Int64` (steps with huge gaps, the bit
/// patterns of NaNs with payloads, infinities, -0.0, subnormals) round-trips exactly.
struct CompressedScalarChunk: Sendable {
    private(set) var words: [UInt64]
    let count: Int
    let firstStep: Int64
    let lastStep: Int64
    /// Whether the values are coded as `Double`s.
    let wideValues: Bool
    /// The value every point has, when each value `==` the first (never when the first is NaN).
    let constantValue: Double?
    /// What queries learn about the chunk and keep for the next ones (shared by every copy).
    let memo = ChunkMemo()
    /// Where the wall-time and value sections start, in bits.
    private let timesStart: Int
    private let valuesStart: Int

    /// The bytes the compressed stream takes.
    var bytes: Int { words.count * 8 }

    /// Whether the values are in the XOR code (else as ordered integers).
    var valuesUseXOR: Bool {
        words.withUnsafeBufferPointer { buffer in
            var reader = BitReader(words: buffer, position: valuesStart)
            return reader.read(1) == 0
        }
    }

    /// Codes the columns of a ``ScalarChunk``: steps, wall times' bit patterns, and values' bit
    /// patterns (of `Double`s if `wideValues`, else of `Float`s).
    ///
    /// Each column is sized in one pass (both integer codes, and for values the XOR code too),
    /// then the smaller code of each is written into an array of exactly the planned words.
    init(
        steps: UnsafeBufferPointer<Int64>, wallTimePatterns: UnsafeBufferPointer<Int64>,
        valuePatterns patterns: UnsafeBufferPointer<UInt64>, wideValues: Bool
    ) {
        precondition(!steps.isEmpty && steps.count == wallTimePatterns.count && steps.count == patterns.count)
        let count = steps.count
        let width = wideValues ? 64 : 32
        let stepPlan = IntegerSequenceCode.Plan(steps)
        let timePlan = IntegerSequenceCode.Plan(wallTimePatterns)
        timesStart = stepPlan.bits
        valuesStart = stepPlan.bits + timePlan.bits
        words = withUnsafeTemporaryAllocation(of: Int64.self, capacity: count) { orderedBuffer in
            // Both value codes are sized in one pass; only the smaller one is written.
            let values = ValuePlan(patterns, width: width, ordered: orderedBuffer)
            let ordered = UnsafeBufferPointer(orderedBuffer)
            return BitWriter.words(bits: stepPlan.bits + timePlan.bits + values.bits) { writer in
                IntegerSequenceCode.encode(steps, plan: stepPlan, into: &writer)
                IntegerSequenceCode.encode(wallTimePatterns, plan: timePlan, into: &writer)
                if values.usesXOR {
                    writer.write(0, bits: 1)
                    XORCode.encode(patterns, width: width, into: &writer)
                } else {
                    writer.write(1, bits: 1)
                    IntegerSequenceCode.encode(ordered, plan: values.orderedPlan, into: &writer)
                }
            }
        }
        self.count = count
        firstStep = steps[0]
        lastStep = steps[count - 1]
        self.wideValues = wideValues
        let first = Self.value(patterns[0], wide: wideValues)
        constantValue = patterns.allSatisfy { Self.value($0, wide: wideValues) == first } ? first : nil
    }

    /// How a chunk's values are coded: the bits of both codes, sized in one pass that also maps
    /// the patterns to ordered integers (``orderedInteger(_:width:)``) for the integer code.
    private struct ValuePlan {
        let orderedPlan: IntegerSequenceCode.Plan
        /// Whether the XOR code is taken (it takes no more bits than the ordered integers).
        let usesXOR: Bool
        /// The bits of the section: the 1-bit mode and the code taken.
        let bits: Int

        init(_ patterns: UnsafeBufferPointer<UInt64>, width: Int, ordered: UnsafeMutableBufferPointer<Int64>) {
            var xorBits = width
            var xor = XORCode.State(width: width, first: patterns[0])
            let last = patterns.count &- 1
            orderedPlan = IntegerSequenceCode.Plan(
                count: patterns.count, first: CompressedScalarChunk.orderedInteger(patterns[0], width: width),
                last: CompressedScalarChunk.orderedInteger(patterns[last], width: width)
            ) { i in
                let pattern = patterns[i]
                if i > 0 { xorBits &+= xor.bits(of: pattern) }
                let integer = CompressedScalarChunk.orderedInteger(pattern, width: width)
                ordered[i] = integer
                return integer
            }
            usesXOR = xorBits <= orderedPlan.bits
            bits = 1 &+ Swift.min(xorBits, orderedPlan.bits)
        }
    }

    /// Every step, in order.
    func steps() -> [Int64] {
        words.withUnsafeBufferPointer { buffer in
            var reader = BitReader(words: buffer, position: 0)
            return IntegerSequenceCode.decode(count: count, from: &reader)
        }
    }

    /// Every wall time, in order.
    func wallTimes() -> [Double] {
        words.withUnsafeBufferPointer { buffer in
            var reader = BitReader(words: buffer, position: timesStart)
            return IntegerSequenceCode.decode(count: count, from: &reader).map {
                Double(bitPattern: UInt64(bitPattern: $0))
            }
        }
    }

    /// Every value, in order, widened to `Double`.
    func values() -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { decodeValues(into: base) }
            initialized = count
        }
    }

    /// Appends every value, in order, widened to `Double`, to `result`.
    func appendValues(to result: inout [Double]) {
        let start = result.count
        result.append(contentsOf: repeatElement(0, count: count))
        result.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { decodeValues(into: base + start) }
        }
    }

    /// Writes every value, in order, widened to `Double`, to the `count` places at `out`, in one
    /// pass over the stream.
    func decodeValues(into out: UnsafeMutablePointer<Double>) {
        let count = count
        words.withUnsafeBufferPointer { buffer in
            var reader = BitReader(words: buffer, position: valuesStart)
            // One loop per width, so each is compiled with its width's masks as constants (one
            // loop for both kept them in memory and tested the width at every value).
            switch (reader.read(1) == 0, wideValues) {
            case (true, true):
                XORCode.decode(count: count, width: 64, from: &reader) { out[$0] = Self.value($1, wide: true) }
            case (true, false):
                XORCode.decode(count: count, width: 32, from: &reader) { out[$0] = Self.value($1, wide: false) }
            case (false, true):
                IntegerSequenceCode.decode(count: count, from: &reader) {
                    out[$0] = Self.value(Self.pattern(ofOrderedInteger: $1, width: 64), wide: true)
                }
            case (false, false):
                IntegerSequenceCode.decode(count: count, from: &reader) {
                    out[$0] = Self.value(Self.pattern(ofOrderedInteger: $1, width: 32), wide: false)
                }
            }
        }
    }

    /// The value of a `Double` (`wide`) or `Float` bit pattern, as a `Double`.
    @inline(__always)
    static func value(_ pattern: UInt64, wide: Bool) -> Double {
        wide ? Double(bitPattern: pattern) : Double(Float(bitPattern: UInt32(truncatingIfNeeded: pattern)))
    }

    /// Element `i` of the integer sequence whose section starts at bit `start`, read straight
    /// from the stream when it is line-coded (`nil` when it is delta-of-delta coded, which only a
    /// pass from the start decodes).
    @inline(__always)
    private func lineElement(sectionStart start: Int, at i: Int) -> Int64? {
        words.withUnsafeBufferPointer { buffer in
            var reader = BitReader(words: buffer, position: start)
            guard reader.read(1) == 1 else { return nil }
            let first = Int64(bitPattern: reader.read(64))
            let slope = Int64(bitPattern: reader.read(64))
            let minimum = Int64(bitPattern: reader.read(64))
            let width = Int(reader.read(7))
            reader.skip(i &* width)
            return first &+ minimum &+ Int64(i) &* slope &+ Int64(bitPattern: reader.read(width))
        }
    }

    /// Step `i`, when the steps are line-coded.
    func lineStep(at i: Int) -> Int64? { lineElement(sectionStart: 0, at: i) }

    /// Wall time `i`, when the wall times are line-coded.
    func lineWallTime(at i: Int) -> Double? {
        lineElement(sectionStart: timesStart, at: i).map { Double(bitPattern: UInt64(bitPattern: $0)) }
    }

    /// Value `i`, when the values are coded as ordered integers on a line.
    func lineValue(at i: Int) -> Double? {
        let ordered = words.withUnsafeBufferPointer { BitReader(words: $0, position: valuesStart).peek(1) == 1 }
        guard ordered, let integer = lineElement(sectionStart: valuesStart + 1, at: i) else { return nil }
        return Self.value(Self.pattern(ofOrderedInteger: integer, width: wideValues ? 64 : 32), wide: wideValues)
    }

    /// Reads single points of the chunk: straight from the stream for line-coded columns, else
    /// from the column decoded once, on the first point asked for.
    struct PointReader {
        let chunk: CompressedScalarChunk
        private var steps: [Int64]?
        private var wallTimes: [Double]?
        private var values: [Double]?

        init(_ chunk: CompressedScalarChunk) { self.chunk = chunk }

        mutating func point(at i: Int) -> ScalarPoint {
            ScalarPoint(
                step: Self.read(chunk.lineStep(at: i), &steps, i, decode: chunk.steps),
                wallTime: Self.read(chunk.lineWallTime(at: i), &wallTimes, i, decode: chunk.wallTimes),
                value: Self.read(chunk.lineValue(at: i), &values, i, decode: chunk.values))
        }

        /// Element `i` of a column: `line` when the column is line-coded, else from the column,
        /// decoded into `column` the first time.
        private static func read<T>(_ line: T?, _ column: inout [T]?, _ i: Int, decode: () -> [T]) -> T {
            if let line { return line }
            let decoded = column ?? decode()
            column = decoded
            return decoded[i]
        }
    }

    /// A `width`-bit float pattern as an integer that orders as the values do (negative values
    /// have every bit flipped, others just the sign bit); one to one, so exact for every pattern.
    @inline(__always)
    static func orderedInteger(_ pattern: UInt64, width: Int) -> Int64 {
        let sign: UInt64 = 1 &<< UInt64(width - 1)
        let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        return Int64(bitPattern: pattern & sign != 0 ? ~pattern & mask : pattern | sign)
    }

    /// The inverse of ``orderedInteger(_:width:)``.
    @inline(__always)
    static func pattern(ofOrderedInteger integer: Int64, width: Int) -> UInt64 {
        let sign: UInt64 = 1 &<< UInt64(width - 1)
        let mask: UInt64 = width == 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        let bits = UInt64(bitPattern: integer)
        return bits & sign != 0 ? bits & ~sign : ~bits & mask
    }

    /// The chunk as an uncompressed ``ScalarChunk`` (to append to or truncate it again).
    func expanded() -> ScalarChunk {
        var chunk = ScalarChunk(reservingCapacity: ScalarSeries.chunkCapacity)
        let steps = steps()
        let wallTimes = wallTimes()
        let values = values()
        for i in 0..<count { chunk.append(step: steps[i], wallTime: wallTimes[i], value: values[i]) }
        return chunk
    }
}

/// How a sequence of `Int64`s is coded: a 1-bit mode, then
///
/// - delta-of-delta (mode 0): the first element in 64 bits; then each delta-of-delta (the first
///   one is the first delta), zigzag-coded, as `0` when zero, else `1`, a 3-bit width class and
///   the value in 4, 8, 12, 16, 20, 24, 32 or 64 bits;
/// - line (mode 1): the first element and the slope in 64 bits each, the smallest offset from the
///   line in 64 bits, a 7-bit width `w`, then every element's offset above that smallest one in
///   `w` bits (0 bits each for an arithmetic sequence).
enum IntegerSequenceCode {
    /// The bits of a delta-of-delta value of width class `widthClass` (0 through 7): 4, 8, 12, 16,
    /// 20, 24, 32 or 64.
    @inline(__always)
    static func width(ofClass widthClass: Int) -> Int {
        widthClass < 6 ? 4 &* (widthClass &+ 1) : (widthClass == 6 ? 32 : 64)
    }

    /// Which code ``encode(_:plan:into:)`` takes for a sequence, and the bits it writes.
    struct Plan {
        let line: Line
        /// Whether the line code is taken (it takes no more bits than delta-of-delta).
        let usesLine: Bool
        let bits: Int

        init(_ elements: UnsafeBufferPointer<Int64>) {
            self.init(count: elements.count, first: elements[0], last: elements[elements.count - 1]) { elements[$0] }
        }

        /// The plan of the `count` elements (at least one) that `element` gives, asked for each
        /// once, in order; `first` and `last` are the first and the last of them.
        ///
        /// One pass sizes both codes, two independent chains the processor runs side by side: the
        /// offsets from the line through `first` and `last`, and the deltas-of-deltas.
        @inline(__always)
        init(count: Int, first: Int64, last: Int64, _ element: (Int) -> Int64) {
            let slope = count > 1 ? (last &- first) / Int64(count &- 1) : 0
            _ = element(0)
            var predicted = first
            var low: Int64 = 0
            var high: Int64 = 0
            var deltaBits = 1 &+ 64
            var previous = first
            var delta: Int64 = 0
            for i in 1..<Swift.max(1, count) {
                let e = element(i)
                predicted &+= slope
                let offset = e &- predicted
                low = Swift.min(low, offset)
                high = Swift.max(high, offset)
                // The first delta-of-delta is the first delta.
                let newDelta = e &- previous
                deltaBits &+= IntegerSequenceCode.fieldBits(IntegerSequenceCode.zigzag(newDelta &- delta))
                previous = e
                delta = newDelta
            }
            line = Line(slope: slope, minimum: low, width: 64 - UInt64(bitPattern: high &- low).leadingZeroBitCount)
            let lineBits = line.bitCount(count)
            usesLine = lineBits <= deltaBits
            bits = Swift.min(lineBits, deltaBits)
        }
    }

    /// Writes `elements` in the code `plan` (made from the same elements) took.
    static func encode(_ elements: UnsafeBufferPointer<Int64>, plan: Plan, into writer: inout BitWriter) {
        let line = plan.line
        let first = elements[0]
        if plan.usesLine {
            writer.write(1, bits: 1)
            writer.write(UInt64(bitPattern: first), bits: 64)
            writer.write(UInt64(bitPattern: line.slope), bits: 64)
            writer.write(UInt64(bitPattern: line.minimum), bits: 64)
            writer.write(UInt64(line.width), bits: 7)
            if line.width > 0 {
                var predicted = first &+ line.minimum
                for element in elements {
                    writer.write(UInt64(bitPattern: element &- predicted), bits: line.width)
                    predicted &+= line.slope
                }
            }
        } else {
            writer.write(0, bits: 1)
            writer.write(UInt64(bitPattern: first), bits: 64)
            var previous = first
            var delta: Int64 = 0
            for element in elements.dropFirst() {
                let newDelta = element &- previous
                let zigzag = zigzag(newDelta &- delta)
                if zigzag == 0 {
                    writer.write(0, bits: 1)
                } else {
                    let widthClass = widthClass(zigzag)
                    let width = Self.width(ofClass: widthClass)
                    if width < 64 {
                        // The 4-bit header and the field in one write.
                        writer.write(UInt64(8 | widthClass) &<< UInt64(width) | zigzag, bits: 4 &+ width)
                    } else {
                        writer.write(UInt64(8 | widthClass), bits: 4)
                        writer.write(zigzag, bits: 64)
                    }
                }
                previous = element
                delta = newDelta
            }
        }
    }

    static func decode(count: Int, from reader: inout BitReader) -> [Int64] {
        guard count > 0 else { return [] }
        return [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            decode(count: count, from: &reader) { buffer[$0] = $1 }
            initialized = count
        }
    }

    /// Decodes `count` elements, giving each to `sink` with its index, in order.
    @inline(__always)
    static func decode(count: Int, from reader: inout BitReader, _ sink: (Int, Int64) -> Void) {
        guard count > 0 else { return }
        let mode = reader.read(1)
        var previous = Int64(bitPattern: reader.read(64))
        if mode == 1 {
            let slope = Int64(bitPattern: reader.read(64))
            let minimum = Int64(bitPattern: reader.read(64))
            let width = Int(reader.read(7))
            var predicted = previous &+ minimum
            if width == 0 {
                for i in 0..<count {
                    sink(i, predicted)
                    predicted &+= slope
                }
            } else {
                var i = 0
                // While a field and the word after it are in the stream, each is read from two
                // words without a branch; the last few through `read`, which checks the end.
                let words = reader.words
                if let base = words.baseAddress, words.count > 1 {
                    let limit = (words.count - 1) &* 64
                    var position = reader.position
                    let drop = UInt64(64 &- width)
                    while i < count, position < limit {
                        let index = position &>> 6
                        let offset = UInt64(position & 63)
                        // `&>> 1` then `&>> (63 - offset)`: the next word's top `offset` bits, also when
                        // `offset` is 0 (a shift by 64 would wrap to 0).
                        let field = (base[index] &<< offset | (base[index &+ 1] &>> 1) &>> (63 &- offset)) &>> drop
                        sink(i, predicted &+ Int64(bitPattern: field))
                        predicted &+= slope
                        position &+= width
                        i &+= 1
                    }
                    reader.position = position
                }
                while i < count {
                    sink(i, predicted &+ Int64(bitPattern: reader.read(width)))
                    predicted &+= slope
                    i &+= 1
                }
            }
        } else {
            sink(0, previous)
            var delta: Int64 = 0
            for i in 1..<count {
                if reader.read(1) != 0 {
                    let zigzag = reader.read(width(ofClass: Int(reader.read(3))))
                    delta &+= Int64(bitPattern: zigzag &>> 1) ^ -Int64(bitPattern: zigzag & 1)
                }
                previous &+= delta
                sink(i, previous)
            }
        }
    }

    /// The straight line through the first and the last element, and the offsets from it.
    struct Line {
        var slope: Int64 = 0
        /// The smallest offset from the line.
        var minimum: Int64 = 0
        /// The bits the largest offset above `minimum` needs.
        var width = 0

        /// The bits the line code of `count` elements takes.
        func bitCount(_ count: Int) -> Int { 1 + 64 * 3 + 7 + width * count }
    }

    /// The bits a zigzag-coded delta-of-delta takes: 1 when zero, else 4 and its width class's
    /// width (the same as ``width(ofClass:)`` of ``widthClass(_:)``, in arithmetic).
    @inline(__always)
    static func fieldBits(_ zigzag: UInt64) -> Int {
        let needed = 64 &- zigzag.leadingZeroBitCount
        let narrow = Swift.max(4, (needed &+ 3) & ~3)
        let width = needed <= 24 ? narrow : (needed <= 32 ? 32 : 64)
        return zigzag == 0 ? 1 : 4 &+ width
    }

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))
    }

    @inline(__always)
    private static func widthClass(_ zigzag: UInt64) -> Int {
        let needed = 64 - zigzag.leadingZeroBitCount
        switch needed {
        case ...4: return 0
        case ...8: return 1
        case ...12: return 2
        case ...16: return 3
        case ...20: return 4
        case ...24: return 5
        case ...32: return 6
        default: return 7
        }
    }
}

/// Gorilla's value code over `width`-bit patterns (32 or 64): the first in full; then each
/// pattern XOR the previous one as `0` when zero; else `1`, then `0` and the XOR's meaningful
/// bits when they lie within the previous window of meaningful bits, or `1`, the count of
/// leading zeros (5 bits for 32-bit patterns, 6 for 64), the count of meaningful bits less one
/// (same width) and those bits.
enum XORCode {
    /// Writes `patterns` (at least one).
    static func encode(_ patterns: UnsafeBufferPointer<UInt64>, width: Int, into writer: inout BitWriter) {
        writer.write(patterns[0], bits: width)
        var state = State(width: width, first: patterns[0])
        for pattern in patterns.dropFirst() { state.fields(of: pattern) { writer.write($0, bits: $1) } }
    }

    /// What the code carries from one pattern to the next: the previous pattern and the window of
    /// meaningful bits.
    struct State {
        let width: Int
        private var previous: UInt64
        private var leading = Int.max
        private var trailing = 0

        /// The state after the first pattern, `first`, which is written in full.
        init(width: Int, first: UInt64) {
            self.width = width
            previous = first
        }

        /// The bits ``fields(of:_:)`` gives for `pattern`, counted without a branch on the pattern
        /// (noisy values take one case or the other at random, which a branch would mispredict),
        /// and moves on to it.
        @inline(__always)
        mutating func bits(of pattern: UInt64) -> Int {
            let xor = pattern ^ previous
            previous = pattern
            let newLeading = xor.leadingZeroBitCount &- (64 &- width)
            let newTrailing = xor.trailingZeroBitCount
            let inWindow = newLeading >= leading && newTrailing >= trailing
            let kept = 2 &+ width &- leading &- trailing
            let opened = 2 &+ 2 &* (width == 32 ? 5 : 6) &+ width &- newLeading &- newTrailing
            let opens = xor != 0 && !inWindow
            leading = opens ? newLeading : leading
            trailing = opens ? newTrailing : trailing
            return xor == 0 ? 1 : (inWindow ? kept : opened)
        }

        /// Gives the fields that code `pattern` to `emit` (each value and its width in bits; a
        /// control code and the fields after it in one value where they fit in 64 bits), and
        /// moves on to it.
        @inline(__always)
        mutating func fields(of pattern: UInt64, _ emit: (UInt64, Int) -> Void) {
            let xor = pattern ^ previous
            previous = pattern
            if xor == 0 {
                emit(0, 1)
                return
            }
            let newLeading = xor.leadingZeroBitCount &- (64 &- width)
            let newTrailing = xor.trailingZeroBitCount
            if leading != Int.max, newLeading >= leading, newTrailing >= trailing {
                let meaningful = width &- leading &- trailing
                let field = xor &>> UInt64(trailing)
                if meaningful <= 62 {
                    emit(0b10 &<< UInt64(meaningful) | field, 2 &+ meaningful)
                } else {
                    emit(0b10, 2)
                    emit(field, meaningful)
                }
            } else {
                leading = newLeading
                trailing = newTrailing
                let meaningful = width &- leading &- trailing
                let fieldBits = width == 32 ? 5 : 6
                let header =
                    (0b11 &<< UInt64(2 &* fieldBits)) | UInt64(leading) &<< UInt64(fieldBits)
                    | UInt64(meaningful &- 1)
                let headerBits = 2 &+ 2 &* fieldBits
                let field = xor &>> UInt64(trailing)
                if headerBits &+ meaningful <= 64 {
                    emit(header &<< UInt64(meaningful) | field, headerBits &+ meaningful)
                } else {
                    emit(header, headerBits)
                    emit(field, meaningful)
                }
            }
        }
    }

    static func decode(count: Int, width: Int, from reader: inout BitReader) -> [UInt64] {
        guard count > 0 else { return [] }
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            decode(count: count, width: width, from: &reader) { buffer[$0] = $1 }
            initialized = count
        }
    }

    /// Decodes `count` patterns, giving each to `sink` with its index, in order.
    @inline(__always)
    static func decode(count: Int, width: Int, from reader: inout BitReader, _ sink: (Int, UInt64) -> Void) {
        guard count > 0 else { return }
        let fieldBits = width == 32 ? 5 : 6
        var previous = reader.read(width)
        sink(0, previous)
        var trailing = 0
        var meaningful = 0
        for i in 1..<count {
            let control = reader.peek(2)
            if control < 2 {
                reader.skip(1)
            } else {
                reader.skip(2)
                if control == 3 {
                    let fields = reader.read(2 * fieldBits)
                    let leading = Int(fields &>> UInt64(fieldBits))
                    meaningful = Int(fields & ((1 &<< UInt64(fieldBits)) &- 1)) + 1
                    trailing = width - leading - meaningful
                }
                previous ^= reader.read(meaningful) &<< UInt64(trailing)
            }
            sink(i, previous)
        }
    }
}

/// What queries learned about one compressed chunk, kept for the next ones: the state of
/// TensorBoard's smoothing after the chunk's last point for the weights asked for (each depends
/// only on this chunk and the ones before it, which never change while the chunk exists).
final class ChunkMemo: Sendable {
    /// Weights remembered per chunk at most (the UI asks for one at a time).
    static let weightLimit = 8
    private let smoothing = Mutex<[(weight: UInt64, last: Double, power: Double)]>([])

    /// The smoothing state after this chunk for `weight`, if known.
    func smoothingState(weight: Double) -> (last: Double, power: Double)? {
        smoothing.withLock { states in
            states.first { $0.weight == weight.bitPattern }.map { ($0.last, $0.power) }
        }
    }

    func setSmoothingState(weight: Double, last: Double, power: Double) {
        smoothing.withLock { states in
            if states.contains(where: { $0.weight == weight.bitPattern }) { return }
            if states.count >= Self.weightLimit { states.removeFirst() }
            states.append((weight.bitPattern, last, power))
        }
    }
}

/// Appends bit fields, most significant bit first, to 64-bit words of a buffer sized beforehand.
struct BitWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt64>
    /// Words filled so far.
    private var full = 0
    /// The word being filled, from its most significant bit.
    private var current: UInt64 = 0
    private(set) var bitCount = 0

    private init(buffer: UnsafeMutableBufferPointer<UInt64>) { self.buffer = buffer }

    /// The words `write` fills with exactly `bits` bits, the last word padded with zeros: an array
    /// of just that capacity (it is what the store keeps).
    static func words(bits: Int, _ write: (inout BitWriter) -> Void) -> [UInt64] {
        let count = (bits + 63) / 64
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            var writer = BitWriter(buffer: buffer)
            write(&writer)
            precondition(writer.bitCount == bits, "wrote \(writer.bitCount) bits where \(bits) were planned")
            if writer.full < count { buffer[writer.full] = writer.current }
            initialized = count
        }
    }

    /// Appends the low `bits` bits of `value` (0 ≤ `bits` ≤ 64).
    @inline(__always)
    mutating func write(_ value: UInt64, bits: Int) {
        guard bits > 0 else { return }
        let field = bits == 64 ? value : value & ((1 &<< UInt64(bits)) &- 1)
        let free = 64 &- (bitCount & 63)
        if bits < free {
            current |= field &<< UInt64(free &- bits)
        } else {
            let rest = bits &- free
            // A word past the planned size would be a bug in the planning: stop, don't write it.
            precondition(full < buffer.count, "more bits written than planned")
            buffer[full] = current | field &>> UInt64(rest)
            full &+= 1
            current = rest == 0 ? 0 : field &<< UInt64(64 &- rest)
        }
        bitCount &+= bits
    }
}

/// Reads the bit fields a ``BitWriter`` wrote.
struct BitReader {
    let words: UnsafeBufferPointer<UInt64>
    var position: Int

    /// The next `bits` bits (0 ≤ `bits` ≤ 64) as the low bits of the result.
    @inline(__always)
    mutating func read(_ bits: Int) -> UInt64 {
        let field = peek(bits)
        position &+= bits
        return field
    }

    /// The next `bits` bits (0 ≤ `bits` ≤ 64), without moving on; bits past the end read as 0.
    @inline(__always)
    func peek(_ bits: Int) -> UInt64 {
        guard bits > 0 else { return 0 }
        let index = position &>> 6
        let offset = position & 63
        guard index < words.count else { return 0 }
        var field = words[index] &<< UInt64(offset)
        if offset &+ bits > 64, index &+ 1 < words.count { field |= words[index &+ 1] &>> UInt64(64 &- offset) }
        return field &>> UInt64(64 &- bits)
    }

    @inline(__always)
    mutating func skip(_ bits: Int) { position &+= bits }
}
