/// Something ``Session/run(_:feeds:targets:)`` can fetch: a ``GraphTensor`` (giving a ``Tensor``),
/// a ``GraphOperation`` (run for its effect, giving `()`), a ``Variable`` (its value), or arrays and
/// dictionaries of them, whose results have the same structure.
///
/// ```swift
/// let (lossValue) = try session.run(loss, feeds: [x: batch])              // Tensor
/// let values = try session.run(["loss": loss, "accuracy": accuracy])      // [String: Tensor]
/// ```
public protocol Fetchable {
    /// The value a run gives for this fetch.
    associatedtype FetchResult
    /// Adds the tensors and ops this fetch needs.
    func collectFetches(into request: inout FetchRequest)
    /// Builds the result from the fetched values.
    func fetchResult(from values: FetchedValues) -> FetchResult
}

/// The tensors and ops a run must compute, gathered from ``Fetchable`` values.
public struct FetchRequest: Sendable {
    public private(set) var tensors: [GraphTensor] = []
    public private(set) var operations: [GraphOperation] = []

    public init() {}

    public mutating func add(_ tensor: GraphTensor) { if !tensors.contains(tensor) { tensors.append(tensor) } }
    public mutating func add(_ operation: GraphOperation) {
        if !operations.contains(operation) { operations.append(operation) }
    }
}

/// The values a run computed, by tensor.
public struct FetchedValues: Sendable {
    let values: [GraphTensor: Tensor]

    /// The value of `tensor`, which must have been fetched.
    public subscript(tensor: GraphTensor) -> Tensor {
        guard let value = values[tensor] else { preconditionFailure("\(tensor.name) was not fetched") }
        return value
    }
}

extension GraphTensor: Fetchable {
    public func collectFetches(into request: inout FetchRequest) { request.add(self) }
    public func fetchResult(from values: FetchedValues) -> Tensor { values[self] }
}

extension GraphOperation: Fetchable {
    public func collectFetches(into request: inout FetchRequest) { request.add(self) }
    public func fetchResult(from values: FetchedValues) {}
}

extension Variable: Fetchable {
    public func collectFetches(into request: inout FetchRequest) { request.add(reference) }
    public func fetchResult(from values: FetchedValues) -> Tensor { values[reference] }
}

extension Array: Fetchable where Element: Fetchable {
    public func collectFetches(into request: inout FetchRequest) { for e in self { e.collectFetches(into: &request) } }
    public func fetchResult(from values: FetchedValues) -> [Element.FetchResult] {
        map { $0.fetchResult(from: values) }
    }
}

extension Dictionary: Fetchable where Value: Fetchable {
    public func collectFetches(into request: inout FetchRequest) {
        for v in self.values { v.collectFetches(into: &request) }
    }
    public func fetchResult(from values: FetchedValues) -> [Key: Value.FetchResult] {
        mapValues { $0.fetchResult(from: values) }
    }
}
