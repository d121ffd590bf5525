/// Something kept at a step of a run.
public protocol Stepped {
    var step: Int64 { get }
}

/// A bounded uniform sample of a stream of values that always holds the newest value, as
/// TensorBoard's `_ReservoirBucket` (with `always_keep_last`) does.
///
/// The first `capacity` values are all kept. After that, the n-th value seen replaces a random
/// kept value with probability `capacity / n` (the kept values stay in stream order); otherwise it
/// replaces the newest kept value, so the last value seen is always kept. The random generator is
/// seeded, so a load is reproducible.
public struct Reservoir<Element: Stepped>: Sendable where Element: Sendable {
    /// The most values kept; 0 keeps every value.
    public let capacity: Int

    /// The kept values, in the order they were seen.
    public private(set) var items: [Element] = []

    /// How many values were offered (less those purged).
    public private(set) var seen = 0

    private var random: SplitMix64

    public init(capacity: Int, seed: UInt64 = 0) {
        precondition(capacity >= 0, "the capacity is never negative")
        self.capacity = capacity
        self.random = SplitMix64(seed: seed)
    }

    /// Offers `element`. If its step is not after the newest kept value's step (a restarted job),
    /// every kept value at or after its step is dropped first (see ``purge(fromStep:)``).
    public mutating func add(_ element: Element) {
        if let last = items.last, element.step <= last.step { purge(fromStep: element.step) }
        seen += 1
        if capacity == 0 || items.count < capacity {
            items.append(element)
            return
        }
        let r = Int(random.next() % UInt64(seen))
        if r < capacity {
            items.remove(at: r)
            items.append(element)
        } else {
            items[items.count - 1] = element
        }
    }

    /// Drops every kept value whose step is `step` or later. `seen` shrinks in proportion, as
    /// TensorBoard's `FilterItems` does, so later values are sampled as if the dropped ones had
    /// never come.
    public mutating func purge(fromStep step: Int64) {
        let before = items.count
        items.removeAll { $0.step >= step }
        guard before > 0, items.count != before else { return }
        seen = max(items.count, Int(Double(seen) * Double(items.count) / Double(before)))
    }
}

/// The SplitMix64 generator: small, fast and seedable.
struct SplitMix64: Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
