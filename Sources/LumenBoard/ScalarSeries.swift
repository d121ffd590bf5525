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
/// Values are kept as `Float` while every value is exactly a `Float` (legacy `simple_value` and
/// DT_FLOAT tensors always are), and as `Double` from the first one that isn't.
public struct ScalarSeries: Sendable {
    public private(set) var steps: [Int64] = []
    public private(set) var wallTimes: [Double] = []
    private var storage = Storage.float([])

    enum Storage: Sendable {
        case float([Float])
        case double([Double])
    }

    public init() {}

    public var count: Int { steps.count }
    public var isEmpty: Bool { steps.isEmpty }

    /// The value at `index`.
    public func value(at index: Int) -> Double {
        switch storage {
        case .float(let values): Double(values[index])
        case .double(let values): values[index]
        }
    }

    /// Every value, widened to `Double`.
    public var values: [Double] {
        switch storage {
        case .float(let values): values.map(Double.init)
        case .double(let values): values
        }
    }

    /// Whether values are stored as `Float`.
    public var storesFloats: Bool {
        if case .float = storage { return true }
        return false
    }

    public func point(at index: Int) -> ScalarPoint {
        ScalarPoint(step: steps[index], wallTime: wallTimes[index], value: value(at: index))
    }

    public var points: [ScalarPoint] { steps.indices.map(point(at:)) }

    /// Appends a point. A step at or before the last step (a restarted job) first drops every
    /// point at or after it (see ``purge(fromStep:)``), so steps stay strictly increasing.
    public mutating func append(step: Int64, wallTime: Double, value: Double) {
        if let last = steps.last, step <= last { purge(fromStep: step) }
        steps.append(step)
        wallTimes.append(wallTime)
        switch storage {
        case .float(var values):
            let narrow = Float(value)
            if Double(narrow) == value || value.isNaN {
                storage = .double([])  // release the array so the append doesn't copy it
                values.append(narrow)
                storage = .float(values)
            } else {
                var wide = values.map(Double.init)
                wide.append(value)
                storage = .double(wide)
            }
        case .double(var values):
            storage = .float([])
            values.append(value)
            storage = .double(values)
        }
    }

    /// Drops every point whose step is `step` or later.
    public mutating func purge(fromStep step: Int64) {
        // Steps are strictly increasing: binary search for the first step ≥ `step`.
        var low = 0
        var high = steps.count
        while low < high {
            let mid = (low + high) / 2
            if steps[mid] < step { low = mid + 1 } else { high = mid }
        }
        guard low < steps.count else { return }
        steps.removeSubrange(low...)
        wallTimes.removeSubrange(low...)
        switch storage {
        case .float(var values):
            storage = .double([])
            values.removeSubrange(low...)
            storage = .float(values)
        case .double(var values):
            storage = .float([])
            values.removeSubrange(low...)
            storage = .double(values)
        }
    }
}
