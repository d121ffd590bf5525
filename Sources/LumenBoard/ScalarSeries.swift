/// One scalar point.
public struct ScalarPoint: Sendable, Equatable {
    public var step: Int64
    public var wallTime: Double
    public var value: Double

    public init(step: Int64, wallTime: Double, value: Double) {
        self.step = step
        self.wallTime = wallTime
        self.value = value
    }
}

/// Every point of one scalar tag, in columns, with steps strictly increasing.
///
/// The points are kept in chunks of ``chunkCapacity``. Every chunk but the last is full, never
/// changes again and is compressed (``CompressedScalarChunk``: Gorilla-style delta-of-delta
/// steps and wall times, XOR-coded values, every point given back bit for bit), so a copy of a
/// series (a published snapshot) shares them and the loader's later appends copy at most the
/// last chunk. The last chunk, the one being filled, is a ``ScalarChunk``: each column in the
/// smallest plain form that gives back exactly what was appended (typically 8 bytes a point).
///
/// Reading a point of a compressed chunk decodes that chunk: read whole columns (``steps``,
/// ``wallTimes``, ``values``, ``points``) rather than point by point.
public struct ScalarSeries: Sendable {
    /// Points per chunk.
    public static let chunkCapacity = 1 << chunkShift
    static let chunkShift = 10

    /// The full chunks, compressed.
    private var sealed: [CompressedScalarChunk] = []
    /// The chunk being filled (never full between calls).
    private var open = ScalarChunk()

    /// The number of points.
    public private(set) var count = 0
    /// The step of the last point (meaningless while empty).
    private var last: Int64 = 0
    /// The restarts seen so far, oldest first, each with the points it dropped: at most
    /// ``restartLimit`` of them, keeping at most ``purgedPointLimit`` dropped points in all (a log
    /// writing every point at step 0 restarts at each point).
    public private(set) var restarts: [ScalarRestart] = []
    /// Restarts after the first ``restartLimit``, counted but not kept.
    public private(set) var restartsNotKept = 0
    public static let restartLimit = 1000
    public static let purgedPointLimit = 100_000
    private var purgedPointsKept = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// The step of the last point, `nil` when empty.
    public var lastStep: Int64? { count > 0 ? last : nil }

    /// The step at `index`.
    public func step(at index: Int) -> Int64 {
        let chunk = index &>> Self.chunkShift
        let i = index & (Self.chunkCapacity - 1)
        guard chunk < sealed.count else { return open.steps.element(at: i) }
        return sealed[chunk].lineStep(at: i) ?? sealed[chunk].steps()[i]
    }

    /// The wall time at `index`.
    public func wallTime(at index: Int) -> Double {
        let chunk = index &>> Self.chunkShift
        let i = index & (Self.chunkCapacity - 1)
        guard chunk < sealed.count else { return open.wallTimes.element(at: i) }
        return sealed[chunk].lineWallTime(at: i) ?? sealed[chunk].wallTimes()[i]
    }

    /// The value at `index`.
    public func value(at index: Int) -> Double {
        let chunk = index &>> Self.chunkShift
        let i = index & (Self.chunkCapacity - 1)
        guard chunk < sealed.count else { return open.values.element(at: i) }
        return sealed[chunk].lineValue(at: i) ?? sealed[chunk].values()[i]
    }

    /// Reads points by index, mostly in order, decoding each compressed chunk once rather than on
    /// every point (``point(at:)`` decodes the chunk it reads from).
    public struct Cursor {
        private let series: ScalarSeries
        private var chunkIndex = -1
        private var steps: [Int64] = []
        private var wallTimes: [Double] = []
        private var values: [Double] = []

        public init(_ series: ScalarSeries) { self.series = series }

        /// The step, wall time and value at `index`.
        public mutating func point(at index: Int) -> (step: Int64, wallTime: Double, value: Double) {
            let chunk = index &>> ScalarSeries.chunkShift
            let i = index & (ScalarSeries.chunkCapacity - 1)
            guard chunk < series.sealed.count else {
                return (
                    series.open.steps.element(at: i), series.open.wallTimes.element(at: i),
                    series.open.values.element(at: i)
                )
            }
            if chunk != chunkIndex {
                chunkIndex = chunk
                steps = series.sealed[chunk].steps()
                wallTimes = series.sealed[chunk].wallTimes()
                values = series.sealed[chunk].values()
            }
            return (steps[i], wallTimes[i], values[i])
        }
    }

    /// Calls `body` with each index of `range` and its value, in order, decoding each compressed
    /// chunk once.
    func forEachValue(in range: Range<Int>, _ body: (Int, Double) -> Void) {
        forEachValueBlock(in: range) { start, block in
            for k in block.indices { body(start + k, block[k]) }
        }
    }

    /// Calls `body` with the values of `range` a chunk at a time, in order: the index of the
    /// block's first value and the block (valid during the call only).
    func forEachValueBlock(in range: Range<Int>, _ body: (Int, UnsafeBufferPointer<Double>) -> Void) {
        guard !range.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.chunkCapacity) { scratch in
            guard let base = scratch.baseAddress else { return }
            forEachChunkSpan(in: range) { start, chunk, offset, n in
                if chunk < sealed.count {
                    sealed[chunk].decodeValues(into: base)
                } else {
                    for k in offset..<offset + n { base[k] = open.values.element(at: k) }
                }
                body(start, UnsafeBufferPointer(start: base + offset, count: n))
            }
        }
    }

    /// Calls `body` for each chunk's part of `range`, in order: the index of its first point, the
    /// chunk, the offset in it and the number of points.
    private func forEachChunkSpan(in range: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        var i = range.lowerBound
        while i < range.upperBound {
            let offset = i & (Self.chunkCapacity - 1)
            let n = Swift.min(Self.chunkCapacity - offset, range.upperBound - i)
            body(i, i &>> Self.chunkShift, offset, n)
            i += n
        }
    }

    /// The state of TensorBoard's smoothing with `weight` over the points before `index`: taken
    /// from the last compressed chunk before it whose state is known, then run over the points in
    /// between, remembering the state after each whole chunk for the next query.
    func smoother(weight: Double, before index: Int) -> ScalarSmoothing.Smoother {
        var smoother = ScalarSmoothing.Smoother(weight: weight, series: self)
        if smoother.passesThrough || index <= 0 { return smoother }
        let wholeChunks = Swift.min(index &>> Self.chunkShift, sealed.count)
        var start = wholeChunks
        while start > 0 {
            if let state = sealed[start - 1].memo.smoothingState(weight: weight) {
                smoother.last = state.last
                smoother.power = state.power
                break
            }
            start -= 1
        }
        if start < wholeChunks {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: Self.chunkCapacity) { scratch in
                guard let base = scratch.baseAddress else { return }
                for chunk in start..<wholeChunks {
                    sealed[chunk].decodeValues(into: base)
                    for k in 0..<Self.chunkCapacity { smoother.skip(base[k]) }
                    sealed[chunk].memo.setSmoothingState(weight: weight, last: smoother.last, power: smoother.power)
                }
            }
        }
        forEachValueBlock(in: (wholeChunks &<< Self.chunkShift)..<index) { _, block in
            for v in block { smoother.skip(v) }
        }
        return smoother
    }

    /// Calls `body` with each index of `range` and its step, in order, decoding each compressed
    /// chunk once.
    func forEachStep(in range: Range<Int>, _ body: (Int, Int64) -> Void) {
        forEachElement(in: range, sealed: { $0.steps() }, open: { $0.steps.element(at: $1) }, body)
    }

    /// One column of the points in `range`, a chunk at a time: `sealed` decodes a compressed
    /// chunk's column once, `open` reads the open chunk's element at an offset.
    private func forEachElement<Element>(
        in range: Range<Int>, sealed column: (CompressedScalarChunk) -> [Element],
        open element: (ScalarChunk, Int) -> Element, _ body: (Int, Element) -> Void
    ) {
        forEachChunkSpan(in: range) { start, chunk, offset, n in
            if chunk < sealed.count {
                let elements = column(sealed[chunk])
                for k in 0..<n { body(start + k, elements[offset + k]) }
            } else {
                for k in 0..<n { body(start + k, element(open, offset + k)) }
            }
        }
    }

    /// The index of the first point whose step is `step` or later (`count` if none): a binary
    /// search over the chunks' step bounds, then inside the one chunk that can hold it.
    public func firstIndex(atOrAfterStep step: Int64) -> Int {
        let low = Self.partition(sealed.count) { sealed[$0].lastStep < step }
        let base = low << Self.chunkShift
        if low < sealed.count {
            if step <= sealed[low].firstStep { return base }
            let steps = sealed[low].steps()
            return base + Self.partition(steps.count) { steps[$0] < step }
        }
        return base + Self.partition(open.count) { open.steps.element(at: $0) < step }
    }

    /// The first index of `0..<count` where `isBefore` is false, `isBefore` being true on a prefix.
    private static func partition(_ count: Int, _ isBefore: (Int) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if isBefore(mid) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether every value equals the first (with `==`, so a NaN first value never does, unless
    /// it is the only point), read from the compressed chunks' summaries.
    var isConstant: Bool {
        guard count > 0 else { return true }
        let first: Double
        if let chunk = sealed.first {
            guard let value = chunk.constantValue else { return false }
            first = value
        } else {
            first = open.values.element(at: 0)
        }
        for chunk in sealed {
            guard let value = chunk.constantValue, value == first else { return false }
        }
        for i in 0..<open.count where i > 0 || !sealed.isEmpty {
            if open.values.element(at: i) != first { return false }
        }
        return true
    }

    /// Every step, in order.
    public var steps: [Int64] {
        var result = [Int64]()
        result.reserveCapacity(count)
        for chunk in sealed { result.append(contentsOf: chunk.steps()) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.steps.element(at:)))
        return result
    }

    /// Every wall time, in order.
    public var wallTimes: [Double] {
        var result = [Double]()
        result.reserveCapacity(count)
        for chunk in sealed { result.append(contentsOf: chunk.wallTimes()) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.wallTimes.element(at:)))
        return result
    }

    /// Every value, widened to `Double`.
    public var values: [Double] {
        var result = [Double]()
        result.reserveCapacity(count)
        for chunk in sealed { chunk.appendValues(to: &result) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.values.element(at:)))
        return result
    }

    /// Whether every value is stored as a `Float`.
    public var storesFloats: Bool { sealed.allSatisfy { !$0.wideValues } && !open.values.isWide }

    public func point(at index: Int) -> ScalarPoint {
        ScalarPoint(step: step(at: index), wallTime: wallTime(at: index), value: value(at: index))
    }

    /// Every point, in order.
    public var points: [ScalarPoint] { points(at: 0..<count) }

    /// The points at `indices` (in increasing order), reading line-coded columns straight from
    /// the stream and decoding each other column of a chunk they touch once.
    public func points<C: Collection>(at indices: C) -> [ScalarPoint] where C.Element == Int {
        var result = [ScalarPoint]()
        result.reserveCapacity(indices.count)
        var reader: CompressedScalarChunk.PointReader?
        var readerChunk = -1
        for index in indices {
            let chunk = index &>> Self.chunkShift
            guard chunk < sealed.count else {
                result.append(point(at: index))
                continue
            }
            if chunk != readerChunk {
                reader = CompressedScalarChunk.PointReader(sealed[chunk])
                readerChunk = chunk
            }
            if let point = reader?.point(at: index & (Self.chunkCapacity - 1)) { result.append(point) }
        }
        return result
    }

    /// The bytes the points take: the compressed chunks' streams and the last chunk's columns
    /// (without the fixed overhead of each chunk).
    public var columnBytes: Int { sealed.reduce(open.columnBytes) { $0 + $1.bytes } }

    /// Appends a point. A step at or before the last step (a restarted job) first drops every
    /// point at or after it (see ``purge(fromStep:)``), so steps stay strictly increasing.
    public mutating func append(step: Int64, wallTime: Double, value: Double) {
        if count > 0, step <= last { purge(fromStep: step) }
        open.append(step: step, wallTime: wallTime, value: value)
        count += 1
        last = step
        if open.count == Self.chunkCapacity {
            sealed.append(open.compressed())
            open = ScalarChunk()
        }
    }

    /// Keeps the points that a restart at `step` drops in ``restarts``, within ``restartLimit`` and
    /// ``purgedPointLimit``.
    private mutating func recordRestart(at step: Int64) {
        let low = firstIndex(atOrAfterStep: step)
        guard low < count else { return }
        if restarts.count < Self.restartLimit {
            let kept = Swift.min(count - low, Self.purgedPointLimit - purgedPointsKept)
            purgedPointsKept += kept
            restarts.append(
                ScalarRestart(step: step, purgedCount: count - low, purged: points(at: low..<low + kept)))
        } else {
            restartsNotKept += 1
        }
    }

    /// Drops every point whose step is `step` or later, keeping them in ``restarts``.
    public mutating func purge(fromStep step: Int64) {
        guard count > 0, step <= last else { return }
        recordRestart(at: step)
        // Steps are strictly increasing: the first chunk whose last step is ≥ `step` holds the cut.
        let low = Self.partition(sealed.count) { sealed[$0].lastStep < step }
        if low < sealed.count {
            open = sealed[low].expanded()
            sealed.removeSubrange(low...)
        }
        // Now the cut is in `open`: keep its steps before `step`.
        let keep = Self.partition(open.count) { open.steps.element(at: $0) < step }
        open.truncate(to: keep)
        count = sealed.count * Self.chunkCapacity + open.count
        if count == 0 {
            last = 0
        } else if open.count > 0 {
            last = open.steps.element(at: open.count - 1)
        } else if let previous = sealed.last {
            last = previous.lastStep
        }
    }
}

/// A restart inside a series: a point whose step was at or before the last step (a job resumed from
/// a checkpoint), or a `SessionLog` START, dropped every point at `step` or later.
public struct ScalarRestart: Sendable, Equatable {
    /// The step the restart went back to.
    public var step: Int64
    /// How many points it dropped.
    public var purgedCount: Int
    /// The points it dropped, in step order (the first of them only, once the series has kept
    /// ``ScalarSeries/purgedPointLimit`` dropped points).
    public var purged: [ScalarPoint]
}

/// Up to ``ScalarSeries/chunkCapacity`` points of a series, in columns.
struct ScalarChunk: Sendable {
    var steps = StepColumn()
    var wallTimes = TimeColumn()
    var values = ValueColumn()

    var count: Int { steps.count }
    var columnBytes: Int { steps.bytes + wallTimes.bytes + values.bytes }

    mutating func append(step: Int64, wallTime: Double, value: Double) {
        steps.append(step)
        wallTimes.append(wallTime)
        values.append(value)
    }

    mutating func truncate(to count: Int) {
        if count == 0 {
            self = ScalarChunk()
            return
        }
        steps.truncate(to: count)
        wallTimes.truncate(to: count)
        values.truncate(to: count)
    }

    /// The chunk compressed (it must hold at least one point).
    func compressed() -> CompressedScalarChunk {
        let indices = 0..<count
        return CompressedScalarChunk(
            steps: indices.map(steps.element(at:)), wallTimes: indices.map(wallTimes.element(at:)),
            values: indices.map(values.element(at:)), wideValues: values.isWide)
    }
}

/// The steps of a chunk: implicit while they form an arithmetic sequence, then 32-bit offsets
/// from the first step while they fit, then `Int64`s.
struct StepColumn: Sendable {
    enum Form: Sendable { case arithmetic, offsets, wide }

    private(set) var count = 0
    private var first: Int64 = 0
    private var stride: Int64 = 0
    private var offsets: [UInt32] = []
    private var wide: [Int64] = []
    private var form = Form.arithmetic

    var bytes: Int { offsets.count * 4 + wide.count * 8 }

    @inline(__always)
    func element(at i: Int) -> Int64 {
        switch form {
        case .arithmetic: first &+ Int64(i) &* stride
        case .offsets: first &+ Int64(offsets[i])
        case .wide: wide[i]
        }
    }

    mutating func append(_ step: Int64) {
        switch form {
        case .arithmetic:
            if count == 0 {
                first = step
                count = 1
                return
            }
            if count == 1 {
                let (difference, overflow) = step.subtractingReportingOverflow(first)
                if !overflow {
                    stride = difference
                    count = 2
                    return
                }
            } else {
                let (product, o1) = Int64(count).multipliedReportingOverflow(by: stride)
                let (expected, o2) = first.addingReportingOverflow(product)
                if !o1, !o2, expected == step {
                    count += 1
                    return
                }
            }
            leaveArithmeticForm()
            append(step)
        case .offsets:
            let (difference, overflow) = step.subtractingReportingOverflow(first)
            if !overflow, difference >= 0, difference <= Int64(UInt32.max) {
                offsets.append(UInt32(difference))
                count += 1
            } else {
                wide.reserveCapacity(ScalarSeries.chunkCapacity)
                let base = first
                wide.append(contentsOf: offsets.lazy.map { base &+ Int64($0) })
                offsets = []
                form = .wide
                append(step)
            }
        case .wide:
            wide.append(step)
            count += 1
        }
    }

    /// Stores the steps so far as offsets (or `Int64`s if they don't fit).
    private mutating func leaveArithmeticForm() {
        let all = (0..<count).map(element(at:))
        if all.allSatisfy({ $0 >= first && $0 &- first <= Int64(UInt32.max) }) {
            offsets.reserveCapacity(ScalarSeries.chunkCapacity)
            let base = first
            offsets.append(contentsOf: all.lazy.map { UInt32($0 &- base) })
            form = .offsets
        } else {
            wide.reserveCapacity(ScalarSeries.chunkCapacity)
            wide.append(contentsOf: all)
            form = .wide
        }
    }

    mutating func truncate(to newCount: Int) {
        guard newCount < count else { return }
        switch form {
        case .arithmetic: break
        case .offsets: offsets.removeSubrange(newCount...)
        case .wide: wide.removeSubrange(newCount...)
        }
        count = newCount
    }
}

/// The wall times of a chunk: 32-bit offsets of each wall time's bit pattern above the first's,
/// while every wall time has the first's sign and exponent and a bit pattern at most 2³² - 1
/// above it; else `Double`s. Within a binade the offset counts units in the last place, so
/// today's Unix times (2004–2038 lie in one binade) fit for 2³² ulps = 1,024 s per chunk, and
/// `Double(bitPattern: first + offset)` is the appended value bit for bit.
struct TimeColumn: Sendable {
    private var first: UInt64 = 0
    private var offsets: [UInt32] = []
    private var wide: [Double] = []
    private var isCompact = true

    var bytes: Int { offsets.count * 4 + wide.count * 8 }

    @inline(__always)
    func element(at i: Int) -> Double {
        isCompact ? Double(bitPattern: first &+ UInt64(offsets[i])) : wide[i]
    }

    mutating func append(_ time: Double) {
        if isCompact {
            let bits = time.bitPattern
            if offsets.isEmpty {
                first = bits
                offsets.reserveCapacity(ScalarSeries.chunkCapacity)
                offsets.append(0)
                return
            }
            if bits &>> 52 == first &>> 52, bits >= first, bits &- first <= UInt64(UInt32.max) {
                offsets.append(UInt32(truncatingIfNeeded: bits &- first))
                return
            }
            let base = first
            wide.reserveCapacity(ScalarSeries.chunkCapacity)
            wide.append(contentsOf: offsets.lazy.map { Double(bitPattern: base &+ UInt64($0)) })
            offsets = []
            isCompact = false
        }
        wide.append(time)
    }

    mutating func truncate(to newCount: Int) {
        if isCompact {
            if newCount < offsets.count { offsets.removeSubrange(newCount...) }
        } else if newCount < wide.count {
            wide.removeSubrange(newCount...)
        }
    }
}

/// The values of a chunk: `Float` while each converts to a `Float` and back bit for bit (so a
/// NaN's payload is kept too), else `Double`.
struct ValueColumn: Sendable {
    private(set) var narrow: [Float] = []
    private(set) var wideValues: [Double] = []
    private(set) var isWide = false

    var bytes: Int { narrow.count * 4 + wideValues.count * 8 }

    @inline(__always)
    func element(at i: Int) -> Double {
        isWide ? wideValues[i] : Double(narrow[i])
    }

    mutating func append(_ value: Double) {
        if !isWide {
            let f = Float(value)
            if Double(f).bitPattern == value.bitPattern {
                if narrow.capacity == 0 { narrow.reserveCapacity(ScalarSeries.chunkCapacity) }
                narrow.append(f)
                return
            }
            wideValues.reserveCapacity(ScalarSeries.chunkCapacity)
            wideValues.append(contentsOf: narrow.lazy.map(Double.init))
            narrow = []
            isWide = true
        }
        wideValues.append(value)
    }

    mutating func truncate(to newCount: Int) {
        if isWide {
            if newCount < wideValues.count { wideValues.removeSubrange(newCount...) }
        } else if newCount < narrow.count {
            narrow.removeSubrange(newCount...)
        }
    }
}
