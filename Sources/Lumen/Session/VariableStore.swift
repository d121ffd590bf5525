import Synchronization

/// The values of a session's variables, by variable name. Every read, write and read-modify-write
/// holds one lock, so concurrent runs never see a half-written update.
final class VariableStore: Sendable {
    private let values = Mutex<[String: Tensor]>([:])

    /// The current value of `name`, or ``SessionError/uninitializedValue(name:)``.
    func read(_ name: String) throws -> Tensor {
        guard let value = values.withLock({ $0[name] }) else { throw SessionError.uninitializedValue(name: name) }
        return value
    }

    /// Sets `name` to `value`.
    func write(_ name: String, _ value: Tensor) {
        values.withLock { $0[name] = value }
    }

    /// Replaces the values of `names` (all initialized) by what `body` computes from them, atomically.
    func update<R>(_ names: [String], _ body: ([Tensor]) throws -> (values: [Tensor], result: R)) throws -> R {
        try values.withLock { (store: inout [String: Tensor]) throws -> R in
            let current = try names.map { name -> Tensor in
                guard let v = store[name] else { throw SessionError.uninitializedValue(name: name) }
                return v
            }
            let (updated, result) = try body(current)
            for (name, value) in zip(names, updated) { store[name] = value }
            return result
        }
    }

    /// `true` when `name` has a value.
    func isInitialized(_ name: String) -> Bool { values.withLock { $0[name] != nil } }

    /// Forgets every value.
    func removeAll() { values.withLock { $0.removeAll() } }
}
