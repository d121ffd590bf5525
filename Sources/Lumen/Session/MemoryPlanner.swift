/// Buffer planning from tensor lifetimes: which intermediate tensors can share storage because one
/// is dead before the other is born, and the bytes that takes at most.
public struct MemoryPlan: Sendable, Equatable, CustomStringConvertible {
    /// Bytes of all intermediate tensors, each in a buffer of its own for the whole run.
    public let bytesWithoutReuse: Int
    /// The most bytes of intermediate tensors alive at one time: a lower bound for any plan.
    public let peakLiveBytes: Int
    /// The bytes of the buffers this plan allocates, reusing a buffer once its tensor is dead
    /// (best fit), and letting elementwise outputs take the buffer of an input used for the last time.
    public let plannedBytes: Int
    /// The buffers the plan allocates.
    public let bufferCount: Int
    /// The intermediate tensors (outputs of kernels that do not share their input's storage).
    public let tensorCount: Int
    /// Outputs computed in the buffer of an input at its last use.
    public let inPlaceCount: Int

    public var description: String {
        "MemoryPlan(\(tensorCount) tensors: \(bytesWithoutReuse) bytes without reuse, \(plannedBytes) planned in "
            + "\(bufferCount) buffers, peak live \(peakLiveBytes), \(inPlaceCount) in place)"
    }
}

enum MemoryPlanner {
    /// How `node`'s output uses memory, as its op's definition declares.
    private static func outputStorage(_ node: PlanNode) -> OpDefinition.OutputStorage {
        guard case .kernel(let definition) = node.kind else { return .ownBuffer }
        return definition.outputStorage
    }

    /// Plans `plan` run in node order with fed values of `feedShapes` (which fix unknown dimensions).
    static func plan(_ plan: ExecutionPlan, feedSpecs: [TensorSpec]) -> MemoryPlan {
        let nodes = plan.nodes
        // Concrete output specs, by shape inference from the fed shapes.
        var specs: [[TensorSpec]] = []
        for node in nodes {
            let inputs = node.inputs.map { specs[$0.node][$0.output] }
            switch node.kind {
            case .feed(let i): specs.append([feedSpecs[i]])
            case .constant(let values): specs.append(values.map(\.spec))
            case .kernel(let definition):
                let context = OpContext(opType: node.type, nodeName: node.name, inputs: inputs)
                specs.append((try? definition.inferOutputs(context, node.attributes)) ?? node.outputSpecs)
            default: specs.append(node.outputSpecs)
            }
        }
        func bytes(_ spec: TensorSpec) -> Int {
            Shape.elementCount(spec.shape.map { Swift.max($0, 1) }) * spec.dtype.byteSize
        }

        // Tensors: a buffer id per kernel output; views share their input's.
        var tensorOf: [Endpoint: Int] = [:]
        var tensorBytes: [Int] = []
        var lastUse: [Int] = []
        var producedAt: [Int] = []
        for (i, node) in nodes.enumerated() {
            guard case .kernel = node.kind else { continue }
            if outputStorage(node) == .viewOfInput, let source = node.inputs.first {
                if let t = tensorOf[source] { tensorOf[Endpoint(node: i, output: 0)] = t }
                continue
            }
            for (o, spec) in specs[i].enumerated() {
                tensorOf[Endpoint(node: i, output: o)] = tensorBytes.count
                tensorBytes.append(bytes(spec))
                lastUse.append(i)
                producedAt.append(i)
            }
        }
        for (i, node) in nodes.enumerated() {
            for e in node.inputs { if let t = tensorOf[e] { lastUse[t] = Swift.max(lastUse[t], i) } }
        }
        for e in plan.fetched { if let t = tensorOf[e] { lastUse[t] = nodes.count } }

        // Walk the schedule: take an in-place buffer or the best-fitting free one, else a new one.
        var bufferSizes: [Int] = []
        var free: [Int] = []
        var bufferOfTensor = [Int](repeating: -1, count: tensorBytes.count)
        var live = 0, peak = 0, inPlace = 0
        var dying: [[Int]] = Array(repeating: [], count: nodes.count + 1)
        for (t, step) in lastUse.enumerated() { dying[step].append(t) }
        for (i, node) in nodes.enumerated() {
            let outputs = (0..<specs[i].count).compactMap { o -> Int? in
                guard let t = tensorOf[Endpoint(node: i, output: o)], producedAt[t] == i else { return nil }
                return t
            }
            var taken = Set<Int>()
            for t in outputs {
                if outputStorage(node) == .elementwise,
                    let donor = node.inputs.compactMap({ tensorOf[$0] }).first(where: { d in
                        lastUse[d] == i && !taken.contains(d) && bytes(specs[i][0]) == tensorBytes[d]
                            && bufferOfTensor[d] >= 0
                    })
                {
                    bufferOfTensor[t] = bufferOfTensor[donor]
                    taken.insert(donor)
                    inPlace += 1
                    continue  // the donor's bytes become the output's
                } else if let best = free.indices.filter({ bufferSizes[free[$0]] >= tensorBytes[t] })
                    .min(by: { bufferSizes[free[$0]] < bufferSizes[free[$1]] })
                {
                    bufferOfTensor[t] = free.remove(at: best)
                } else {
                    bufferOfTensor[t] = bufferSizes.count
                    bufferSizes.append(tensorBytes[t])
                }
                live += tensorBytes[t]
            }
            peak = Swift.max(peak, live)
            for t in dying[i] where !taken.contains(t) {
                live -= tensorBytes[t]
                free.append(bufferOfTensor[t])
            }
        }
        return MemoryPlan(
            bytesWithoutReuse: tensorBytes.reduce(0, +), peakLiveBytes: peak, plannedBytes: bufferSizes.reduce(0, +),
            bufferCount: bufferSizes.count, tensorCount: tensorBytes.count, inPlaceCount: inPlace)
    }
}
