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
/// last chunk. The last chunk, the one being filled, is a ``ScalarChunk``: plain columns of bit
/// patterns (24 bytes a point), which the compression codes without a copy.
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
        guard chunk < sealed.count else { return open.step(at: i) }
        return sealed[chunk].lineStep(at: i) ?? sealed[chunk].steps()[i]
    }

    /// The wall time at `index`.
    public func wallTime(at index: Int) -> Double {
        let chunk = index &>> Self.chunkShift
        let i = index & (Self.chunkCapacity - 1)
        guard chunk < sealed.count else { return open.wallTime(at: i) }
        return sealed[chunk].lineWallTime(at: i) ?? sealed[chunk].wallTimes()[i]
    }

    /// The value at `index`.
    public func value(at index: Int) -> Double {
        let chunk = index &>> Self.chunkShift
        let i = index & (Self.chunkCapacity - 1)
        guard chunk < sealed.count else { return open.value(at: i) }
        return sealed[chunk].lineValue(at: i) ?? sealed[chunk].values()[i]
    }

    /// Reads points by index, mostly in order, decoding each compressed chunk once rather than on
    /// every point (``point(at:)`` decodes the chunk it reads from).
    public struct Cursor: Sendable {
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
                    series.open.step(at: i), series.open.wallTime(at: i),
                    series.open.value(at: i)
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
                    for k in offset..<offset + n { base[k] = open.value(at: k) }
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

    /// Calls `body` with the steps of `range`, a chunk's part at a time: the index of the block's
    /// first point and its steps. Each compressed chunk is decoded once.
    func forEachStepBlock(in range: Range<Int>, _ body: (Int, UnsafeBufferPointer<Int64>) -> Void) {
        forEachChunkSpan(in: range) { start, chunk, offset, n in
            if chunk < sealed.count {
                sealed[chunk].steps().withUnsafeBufferPointer {
                    body(start, UnsafeBufferPointer(rebasing: $0[offset..<offset + n]))
                }
            } else {
                (offset..<offset + n).map { open.step(at: $0) }.withUnsafeBufferPointer { body(start, $0) }
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
        return base + Self.partition(open.count) { open.step(at: $0) < step }
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
            first = open.value(at: 0)
        }
        for chunk in sealed {
            guard let value = chunk.constantValue, value == first else { return false }
        }
        for i in 0..<open.count where i > 0 || !sealed.isEmpty {
            if open.value(at: i) != first { return false }
        }
        return true
    }

    /// Every step, in order.
    public var steps: [Int64] {
        var result = [Int64]()
        result.reserveCapacity(count)
        for chunk in sealed { result.append(contentsOf: chunk.steps()) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.step(at:)))
        return result
    }

    /// Every wall time, in order.
    public var wallTimes: [Double] {
        var result = [Double]()
        result.reserveCapacity(count)
        for chunk in sealed { result.append(contentsOf: chunk.wallTimes()) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.wallTime(at:)))
        return result
    }

    /// Every value, widened to `Double`.
    public var values: [Double] {
        var result = [Double]()
        result.reserveCapacity(count)
        for chunk in sealed { chunk.appendValues(to: &result) }
        result.append(contentsOf: (0..<open.count).lazy.map(open.value(at:)))
        return result
    }

    /// Whether every value is stored as a `Float`.
    public var storesFloats: Bool { sealed.allSatisfy { !$0.wideValues } && !open.isWide }

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
            // The next chunk fills to the same size: its columns are allocated once, not grown.
            open = ScalarChunk(reservingCapacity: Self.chunkCapacity)
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
        let keep = Self.partition(open.count) { open.step(at: $0) < step }
        open.truncate(to: keep)
        count = sealed.count * Self.chunkCapacity + open.count
        if count == 0 {
            last = 0
        } else if open.count > 0 {
            last = open.step(at: open.count - 1)
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

/// Up to ``ScalarSeries/chunkCapacity`` points of a series, the chunk being filled: in plain
/// columns of bit patterns, the form ``CompressedScalarChunk`` codes them from, so sealing it
/// copies nothing.
///
/// The three columns share one allocation (``Columns``), copied on write like an array's: an
/// append checks one reference and one capacity, not three of each.
struct ScalarChunk: Sendable {
    /// The columns; `nil` until the first point.
    private var columns: Columns?
    /// The points the chunk holds (``columns`` may hold more, written by a copy that shares it).
    private(set) var count = 0
    /// The points ``columns`` has room for.
    private var capacity = 0
    /// Whether the value column holds `Double` bit patterns: it holds a `Float`'s while each
    /// value converts to a `Float` and back bit for bit (so a NaN's payload is kept too).
    private(set) var isWide = false

    /// Room for `capacity` points in each of three columns: steps, wall times' bit patterns (read
    /// as `Int64`s) and values' bit patterns.
    private final class Columns: @unchecked Sendable {
        // Safe to share between threads: it is written only while one chunk holds it
        // (`isKnownUniquelyReferenced`), as an array's storage is.
        let steps: UnsafeMutablePointer<Int64>
        let wallTimes: UnsafeMutablePointer<Int64>
        let values: UnsafeMutablePointer<UInt64>

        init(capacity: Int) {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 24, alignment: 8)
            steps = raw.bindMemory(to: Int64.self, capacity: capacity)
            wallTimes = (raw + capacity * 8).bindMemory(to: Int64.self, capacity: capacity)
            values = (raw + capacity * 16).bindMemory(to: UInt64.self, capacity: capacity)
        }

        /// A copy of the first `count` points with room for `capacity`.
        func copy(count: Int, capacity: Int) -> Columns {
            let copy = Columns(capacity: capacity)
            copy.steps.update(from: steps, count: count)
            copy.wallTimes.update(from: wallTimes, count: count)
            copy.values.update(from: values, count: count)
            return copy
        }

        deinit { UnsafeMutableRawPointer(steps).deallocate() }
    }

    init() {}

    /// An empty chunk with room for `capacity` points.
    init(reservingCapacity capacity: Int) {
        columns = Columns(capacity: capacity)
        self.capacity = capacity
    }

    /// The bytes the columns hold.
    var columnBytes: Int { count * 24 }

    @inline(__always)
    func step(at i: Int) -> Int64 {
        assert(i < count)
        return columns.unsafelyUnwrapped.steps[i]
    }

    @inline(__always)
    func wallTime(at i: Int) -> Double {
        assert(i < count)
        return Double(bitPattern: UInt64(bitPattern: columns.unsafelyUnwrapped.wallTimes[i]))
    }

    @inline(__always)
    func value(at i: Int) -> Double {
        assert(i < count)
        return CompressedScalarChunk.value(columns.unsafelyUnwrapped.values[i], wide: isWide)
    }

    @inline(__always)
    mutating func append(step: Int64, wallTime: Double, value: Double) {
        if count == capacity || !isKnownUniquelyReferenced(&columns) {
            makeRoom()
        }
        let columns = columns.unsafelyUnwrapped
        columns.steps[count] = step
        columns.wallTimes[count] = Int64(bitPattern: wallTime.bitPattern)
        var pattern = value.bitPattern
        if !isWide {
            let narrow = Float(value)
            if Double(narrow).bitPattern == pattern {
                pattern = UInt64(narrow.bitPattern)
            } else {
                widen(columns)
            }
        }
        columns.values[count] = pattern
        count &+= 1
    }

    /// Makes the columns this chunk's own, with room for one more point: double the room when
    /// full (from 8 points), the same when only shared.
    private mutating func makeRoom() {
        let newCapacity = count == capacity ? Swift.max(8, capacity * 2) : capacity
        columns = columns?.copy(count: count, capacity: newCapacity) ?? Columns(capacity: newCapacity)
        capacity = newCapacity
    }

    /// Turns the `Float` patterns held into `Double` patterns of the same values.
    private mutating func widen(_ columns: Columns) {
        for i in 0..<count {
            columns.values[i] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: columns.values[i]))).bitPattern
        }
        isWide = true
    }

    mutating func truncate(to count: Int) {
        if count == 0 {
            self = ScalarChunk()
            return
        }
        // The points past `count` stay in the columns until overwritten (a copy sharing them
        // keeps its own count).
        self.count = Swift.min(self.count, count)
    }

    /// The chunk compressed (it must hold at least one point).
    func compressed() -> CompressedScalarChunk {
        guard let columns, count > 0 else { preconditionFailure("an empty chunk is never compressed") }
        return CompressedScalarChunk(
            steps: UnsafeBufferPointer(start: columns.steps, count: count),
            wallTimePatterns: UnsafeBufferPointer(start: columns.wallTimes, count: count),
            valuePatterns: UnsafeBufferPointer(start: columns.values, count: count), wideValues: isWide)
    }
}
