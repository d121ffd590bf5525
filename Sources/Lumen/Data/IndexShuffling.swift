extension RandomGenerator {
    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject). Written out here rather than
    /// taken from the standard library so that shuffled orders depend only on the seed.
    mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below:) needs a positive bound, got \(bound)")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates).
    mutating func permutation(of count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, nextIndex(below: i + 1))
            i -= 1
        }
        return order
    }
}
