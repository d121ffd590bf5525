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
/// The points are kept in chunks of ``chunkCapacity``; every chunk but the last is full and never
/// changes again, so a copy of a series (a published snapshot) shares them and the loader's later
/// appends copy at most the last chunk. Each chunk stores each column in the smallest form that
/// gives back exactly what was appended, chosen per chunk:
///
/// - steps: nothing when they go up by a constant stride (`first + i * stride`), else 32-bit
///   offsets from the chunk's first step, else full `Int64`s;
/// - wall times: 32-bit offsets of their bit patterns above the chunk's first wall time's (units
///   in the last place, within one binade; 1,024 s per chunk at today's Unix times), giving back
///   the appended `Double` bit for bit, else full `Double`s;
/// - values: `Float` while every value is exactly a `Float` (legacy `simple_value` and DT_FLOAT
///   tensors always are), else `Double`.
///
/// A typical chunk thus takes 8 bytes a point (wall-time offset and `Float` value), 12 with
/// irregular steps, instead of 24.
public struct ScalarSeries: Sendable {
    /// Points per chunk.
    public static let chunkCapacity = 1 << chunkShift
    static let chunkShift = 10

    /// The full chunks, then (last) the chunk being filled; never empty.
    var chunks: [ScalarChunk] = [ScalarChunk()]

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
        chunks[index &>> Self.chunkShift].steps.element(at: index & (Self.chunkCapacity - 1))
    }

    /// The wall time at `index`.
    public func wallTime(at index: Int) -> Double {
        chunks[index &>> Self.chunkShift].wallTimes.element(at: index & (Self.chunkCapacity - 1))
    }

    /// The value at `index`.
    public func value(at index: Int) -> Double {
        chunks[index &>> Self.chunkShift].values.element(at: index & (Self.chunkCapacity - 1))
    }

    /// Every step, in order.
    public var steps: [Int64] { (0..<count).map(step(at:)) }

    /// Every wall time, in order.
    public var wallTimes: [Double] { (0..<count).map(wallTime(at:)) }

    /// Every value, widened to `Double`.
    public var values: [Double] { (0..<count).map(value(at:)) }

    /// Whether every value is stored as a `Float`.
    public var storesFloats: Bool { chunks.allSatisfy { !$0.values.isWide } }

    public func point(at index: Int) -> ScalarPoint {
        let chunk = chunks[index &>> Self.chunkShift]
        let i = index & (Self.chunkCapacity - 1)
        return ScalarPoint(
            step: chunk.steps.element(at: i), wallTime: chunk.wallTimes.element(at: i),
            value: chunk.values.element(at: i))
    }

    public var points: [ScalarPoint] { (0..<count).map(point(at:)) }

    /// The bytes the columns hold (without the fixed overhead of each chunk).
    public var columnBytes: Int { chunks.reduce(0) { $0 + $1.columnBytes } }

    /// Appends a point. A step at or before the last step (a restarted job) first drops every
    /// point at or after it (see ``purge(fromStep:)``), so steps stay strictly increasing.
    public mutating func append(step: Int64, wallTime: Double, value: Double) {
        if count > 0, step <= last { purge(fromStep: step) }
        let end = chunks.count - 1
        if chunks[end].count == Self.chunkCapacity {
            var chunk = ScalarChunk()
            chunk.append(step: step, wallTime: wallTime, value: value)
            chunks.append(chunk)
        } else {
            chunks[end].append(step: step, wallTime: wallTime, value: value)
        }
        count += 1
        last = step
    }

    /// Drops every point whose step is `step` or later, keeping them in ``restarts``.
    public mutating func purge(fromStep step: Int64) {
        // Steps are strictly increasing: binary search for the first step ≥ `step`.
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self.step(at: mid) < step { low = mid + 1 } else { high = mid }
        }
        guard low < count else { return }
        if restarts.count < Self.restartLimit {
            let kept = Swift.min(count - low, Self.purgedPointLimit - purgedPointsKept)
            purgedPointsKept += kept
            restarts.append(ScalarRestart(step: step, purgedCount: count - low, purged: (low..<low + kept).map(point(at:))))
        } else {
            restartsNotKept += 1
        }
        var keep = low &>> Self.chunkShift
        var inLast = low & (Self.chunkCapacity - 1)
        if inLast == 0 && keep > 0 {
            // Keep the previous (full) chunk as the last one rather than an empty one after it.
            keep -= 1
            inLast = Self.chunkCapacity
        }
        chunks.removeSubrange((keep + 1)...)
        chunks[keep].truncate(to: inLast)
        count = low
        if low > 0 { last = self.step(at: low - 1) }
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

/// The values of a chunk: `Float` while each is exactly a `Float` (or a NaN), else `Double`.
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
            if Double(f) == value || value.isNaN {
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
