/// Shape ops: `Reshape`, `Transpose`, `ExpandDims`, `Squeeze`, `ConcatV2`, `Pack`, `Split`, `SplitV`,
/// `StridedSlice`, `GatherV2`, `Pad`, `Tile`, `BroadcastTo`, `OneHot`, `Identity`, their gradients,
/// and the two ops those gradients are built from:
///
/// - `StridedSliceGrad(input, dy)` → zeros shaped like `input` (whose values are never read) with
///   `dy` written where `StridedSlice` with the same attributes read.
/// - `UnsortedSegmentSum(data, segment_ids)` with attribute `num_segments` → output
///   `[num_segments] + data.shape[segment_ids.rank...]`, row `k` the sum of the `data` rows whose
///   id is `k`; ids may repeat, negative ids are dropped (as TensorFlow does), ids ≥ `num_segments`
///   are an error.
///
/// Shape arguments that TensorFlow passes as constant input tensors (a reshape's shape, a transpose's
/// permutation, `num_segments`) are attributes here; a GraphDef importer folds the constants into
/// them (each definition's ``TensorFlowInterop``).
enum ShapeOps {
    static let definitions: [OpDefinition] = [
        OpDefinition(
            "Identity",
            infer: { ctx, _ in
                try ctx.expectInputs(1); return ctx.inputs
            }, compute: { $0.inputs }
        ).gradient(IdentityGradient()).output(.viewOfInput),
        OpDefinition(
            "Reshape",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                return [
                    TensorSpec(
                        dtype: ctx.inputs[0].dtype,
                        shape: try reshapeTarget(ctx, ctx.inputs[0].shape, try attrs.ints("shape", ctx)))
                ]
            }, compute: { call in [call.inputs[0].reshapedUnchecked(call.outputs[0].shape)] }
        )
        .gradient(ReshapeGradient())
        .output(.viewOfInput)
        .tensorFlow(TensorFlowInterop(constantInputs: [.init(attribute: "shape", input: "shape", kind: .ints)])),
        OpDefinition(
            "ExpandDims",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                var shape = ctx.inputs[0].shape
                let axis = try ctx.axis(try attrs.int("axis", ctx), rank: shape.count + 1)
                shape.insert(1, at: axis)
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: shape)]
            }, compute: { call in [call.inputs[0].reshapedUnchecked(call.outputs[0].shape)] }
        )
        .gradient(ReshapeGradient())
        .output(.viewOfInput)
        .tensorFlow(TensorFlowInterop(constantInputs: [.init(attribute: "axis", input: "dim", kind: .int)])),
        OpDefinition(
            "Squeeze",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let shape = ctx.inputs[0].shape
                let requested = try attrs.ints("squeeze_dims", default: [], ctx).map {
                    try ctx.axis($0, rank: shape.count)
                }
                for a in requested where shape[a] != 1 {
                    throw ctx.shapeError("Can not squeeze dim[\(a)], expected a dimension of 1, got \(shape[a])")
                }
                let result = shape.enumerated().filter {
                    requested.isEmpty ? $0.element != 1 : !requested.contains($0.offset)
                }.map(\.element)
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: result)]
            }, compute: { call in [call.inputs[0].reshapedUnchecked(call.outputs[0].shape)] }
        )
        .gradient(ReshapeGradient())
        .output(.viewOfInput),
        OpDefinition(
            "Transpose",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let shape = ctx.inputs[0].shape
                let perm = try attrs.ints("perm", default: Array((0..<shape.count).reversed()), ctx)
                guard perm.count == shape.count, Set(perm) == Set(0..<shape.count) else {
                    throw ctx.shapeError("perm \(perm) is not a permutation of the \(shape.count) dimensions")
                }
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: perm.map { shape[$0] })]
            },
            compute: { call in
                let rank = call.inputs[0].rank
                return [
                    permute(
                        call.inputs[0],
                        try call.attributes.ints("perm", default: Array((0..<rank).reversed()), call.context))
                ]
            }
        )
        .gradient(TransposeGradient())
        .tensorFlow(TensorFlowInterop(constantInputs: [.init(attribute: "perm", input: "perm", kind: .ints)])),
        OpDefinition(
            "BroadcastTo",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let target = try attrs.ints("shape", ctx)
                guard let b = Shape.broadcast(ctx.inputs[0].shape, target), b == target else {
                    throw ctx.shapeError("cannot broadcast to \(Shape.describe(target))")
                }
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: target)]
            }, compute: { call in [broadcast(call.inputs[0], to: call.outputs[0].shape)] }
        )
        .gradient(BroadcastToGradient())
        .tensorFlow(TensorFlowInterop(constantInputs: [.init(attribute: "shape", input: "shape", kind: .ints)])),
        OpDefinition(
            "Tile",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let shape = ctx.inputs[0].shape
                let multiples = try attrs.ints("multiples", ctx)
                guard multiples.count == shape.count, multiples.allSatisfy({ $0 >= 0 }) else {
                    throw ctx.shapeError("multiples \(multiples) must have one non-negative entry per dimension")
                }
                return [
                    TensorSpec(dtype: ctx.inputs[0].dtype, shape: zip(shape, multiples).map { $0 < 0 ? -1 : $0 * $1 })
                ]
            },
            compute: { call in [tile(call.inputs[0], multiples: try call.attributes.ints("multiples", call.context))] }
        )
        .gradient(TileGradient())
        .tensorFlow(
            TensorFlowInterop(constantInputs: [.init(attribute: "multiples", input: "multiples", kind: .ints)])),
        OpDefinition(
            "ConcatV2",
            infer: { ctx, attrs in
                let (spec, _) = try inferConcat(ctx, try attrs.int("axis", ctx))
                return [spec]
            },
            compute: { call in
                let (_, axis) = try inferConcat(call.context, try call.attributes.int("axis", call.context))
                return [concat(call.inputs, axis: axis, shape: call.outputs[0].shape)]
            }
        )
        .gradient(ConcatGradient())
        .tensorFlow(
            TensorFlowInterop(countsInputs: true, constantInputs: [.init(attribute: "axis", input: "axis", kind: .int)])
        ),
        OpDefinition(
            "Pack",
            infer: { ctx, attrs in
                guard let first = ctx.inputs.first else { throw ctx.error("expected at least one input") }
                let dtype = try ctx.commonDType()
                for s in ctx.inputs where s.shape != first.shape {
                    throw ctx.shapeError(
                        "Shapes of all inputs must match: \(Shape.describe(first.shape)) != \(Shape.describe(s.shape))")
                }
                var shape = first.shape
                shape.insert(
                    ctx.inputs.count, at: try ctx.axis(try attrs.int("axis", default: 0, ctx), rank: shape.count + 1))
                return [TensorSpec(dtype: dtype, shape: shape)]
            },
            compute: { call in
                let axis = try call.context.axis(
                    try call.attributes.int("axis", default: 0, call.context), rank: call.inputs[0].rank + 1)
                var expanded = call.inputs[0].shape
                expanded.insert(1, at: axis)
                return [
                    concat(call.inputs.map { $0.reshapedUnchecked(expanded) }, axis: axis, shape: call.outputs[0].shape)
                ]
            }
        )
        .gradient(PackGradient())
        .tensorFlow(TensorFlowInterop(countsInputs: true)),
        OpDefinition(
            "Split",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let x = ctx.inputs[0]
                let axis = try ctx.axis(try attrs.int("axis", ctx), rank: x.shape.count)
                let n = try attrs.int("num_split", ctx)
                guard n > 0, x.shape[axis] < 0 || x.shape[axis] % n == 0 else {
                    throw ctx.shapeError("Dimension \(axis) of size \(x.shape[axis]) is not evenly divisible by \(n)")
                }
                var shape = x.shape
                if shape[axis] >= 0 { shape[axis] /= n }
                return Array(repeating: TensorSpec(dtype: x.dtype, shape: shape), count: n)
            },
            compute: splitKernel
        )
        .gradient(SplitGradient()),
        OpDefinition(
            "SplitV",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let x = ctx.inputs[0]
                let axis = try ctx.axis(try attrs.int("axis", ctx), rank: x.shape.count)
                var sizes = try attrs.ints("size_splits", ctx)
                if let unknown = sizes.firstIndex(of: -1), x.shape[axis] >= 0 {
                    sizes[unknown] = x.shape[axis] - sizes.filter { $0 >= 0 }.reduce(0, +)
                }
                guard sizes.allSatisfy({ $0 >= 0 }), x.shape[axis] < 0 || sizes.reduce(0, +) == x.shape[axis] else {
                    throw ctx.shapeError(
                        "size_splits \(sizes) do not add up to dimension \(axis) of size \(x.shape[axis])")
                }
                return sizes.map { s in
                    var shape = x.shape; shape[axis] = s; return TensorSpec(dtype: x.dtype, shape: shape)
                }
            },
            compute: splitKernel
        )
        .gradient(SplitGradient()),
        OpDefinition(
            "StridedSlice",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let plan = try SlicePlan(ctx, attrs, shape: ctx.inputs[0].shape)
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: plan.outputShape)]
            },
            compute: { call in
                let plan = try SlicePlan(call.context, call.attributes, shape: call.inputs[0].shape)
                return [plan.apply(call.inputs[0])]
            }
        )
        .gradient(StridedSliceGradient()),
        OpDefinition(
            "GatherV2",
            infer: { ctx, attrs in
                try ctx.expectInputs(2)
                let (params, indices) = (ctx.inputs[0], ctx.inputs[1])
                guard indices.dtype == .int32 || indices.dtype == .int64 else {
                    throw ctx.error("indices must be int32 or int64, got \(indices.dtype)")
                }
                let axis = try ctx.axis(try attrs.int("axis", default: 0, ctx), rank: params.shape.count)
                let shape = Array(params.shape[..<axis]) + indices.shape + Array(params.shape[(axis + 1)...])
                return [TensorSpec(dtype: params.dtype, shape: shape)]
            },
            compute: { call in
                let axis = try call.context.axis(
                    try call.attributes.int("axis", default: 0, call.context), rank: call.inputs[0].rank)
                return [
                    try gather(call.inputs[0], call.inputs[1], axis: axis, shape: call.outputs[0].shape, call.context)
                ]
            }
        )
        .gradient(GatherGradient()),
        OpDefinition(
            "Pad",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let shape = ctx.inputs[0].shape
                let paddings = try attrs.ints("paddings", ctx)
                guard paddings.count == 2 * shape.count, paddings.allSatisfy({ $0 >= 0 }) else {
                    throw ctx.shapeError(
                        "paddings \(paddings) must hold a non-negative (before, after) pair per dimension")
                }
                let out = shape.enumerated().map {
                    $0.element < 0 ? -1 : $0.element + paddings[2 * $0.offset] + paddings[2 * $0.offset + 1]
                }
                return [TensorSpec(dtype: ctx.inputs[0].dtype, shape: out)]
            },
            compute: { call in
                [
                    pad(
                        call.inputs[0], paddings: try call.attributes.ints("paddings", call.context),
                        value: try call.attributes.double("constant_value", default: 0, call.context),
                        shape: call.outputs[0].shape)
                ]
            }
        )
        .gradient(PadGradient()),
        OpDefinition(
            "OneHot",
            infer: { ctx, attrs in
                try ctx.expectInputs(1)
                let indices = ctx.inputs[0]
                guard indices.dtype == .int32 || indices.dtype == .int64 || indices.dtype == .uint8 else {
                    throw ctx.error("indices must be an integer dtype, got \(indices.dtype)")
                }
                let depth = try attrs.int("depth", ctx)
                guard depth >= 0 else { throw ctx.error("depth must be non-negative, got \(depth)") }
                var shape = indices.shape
                shape.insert(depth, at: try ctx.axis(try attrs.int("axis", default: -1, ctx), rank: shape.count + 1))
                return [TensorSpec(dtype: try attrs.dtype("dtype", default: .float32, ctx), shape: shape)]
            },
            compute: { call in
                let a = call.attributes, c = call.context
                return [
                    oneHot(
                        call.inputs[0], spec: call.outputs[0],
                        axis: try c.axis(try a.int("axis", default: -1, c), rank: call.inputs[0].rank + 1),
                        on: try a.double("on_value", default: 1, c), off: try a.double("off_value", default: 0, c))
                ]
            }
        )
        .notDifferentiable()
        .tensorFlow(
            TensorFlowInterop(
                // TensorFlow's OneHot takes depth, on_value and off_value as inputs; T is the output dtype.
                typeAttributes: ["T": .output(0), "TI": .input(0)],
                constantInputs: [
                    .init(attribute: "depth", input: "depth", kind: .int, exportDefault: .value(.int(0))),
                    .init(
                        attribute: "on_value", input: "on_value", kind: .outputScalar, exportDefault: .value(.float(1))),
                    .init(
                        attribute: "off_value", input: "off_value", kind: .outputScalar,
                        exportDefault: .value(.float(0))),
                ],
                lumenOnlyAttributes: ["dtype"],
                importedTypeAttributes: ["T": "dtype"])),
        OpDefinition(
            "StridedSliceGrad",
            infer: { ctx, attrs in
                try ctx.expectInputs(2)
                let (x, dy) = (ctx.inputs[0], ctx.inputs[1])
                guard x.dtype == dy.dtype else { throw ctx.dtypeMismatch(x.dtype, dy.dtype) }
                let plan = try SlicePlan(ctx, attrs, shape: x.shape)
                try ctx.expectShape(dy.shape, plan.outputShape, "dy")
                return [x]
            },
            compute: { call in
                let plan = try SlicePlan(call.context, call.attributes, shape: call.inputs[0].shape)
                return [stridedSliceGradient(call.inputs[1], plan: plan, shape: call.inputs[0].shape)]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "UnsortedSegmentSum",
            infer: { ctx, attrs in
                try ctx.expectInputs(2)
                let (data, ids) = (ctx.inputs[0], ctx.inputs[1])
                guard data.dtype.isNumeric else { throw ctx.unsupported(data.dtype, expected: "a numeric dtype") }
                guard ids.dtype == .int32 || ids.dtype == .int64 else {
                    throw ctx.error("segment_ids must be int32 or int64, got \(ids.dtype)")
                }
                let segments = try attrs.int("num_segments", ctx)
                guard segments >= 0 else { throw ctx.error("num_segments must be non-negative, got \(segments)") }
                guard ids.shape.count <= data.shape.count else {
                    throw ctx.shapeError("segment_ids must be a prefix of data's shape")
                }
                try ctx.expectShape(Array(data.shape[..<ids.shape.count]), ids.shape, "the leading dimensions of data")
                return [TensorSpec(dtype: data.dtype, shape: [segments] + data.shape[ids.shape.count...])]
            },
            compute: { call in
                [try unsortedSegmentSum(call.inputs[0], call.inputs[1], shape: call.outputs[0].shape, call.context)]
            }
        )
        .notDifferentiable(),
    ]

    /// `Split` and `SplitV`: inference gave each output's shape, so the kernel cuts by those sizes.
    static let splitKernel: @Sendable (KernelInvocation) throws -> [Tensor] = { call in
        let axis = try call.context.axis(try call.attributes.int("axis", call.context), rank: call.inputs[0].rank)
        return split(call.inputs[0], axis: axis, sizes: call.outputs.map { $0.shape[axis] })
    }

    // MARK: Inference helpers

    static func reshapeTarget(_ ctx: OpContext, _ shape: [Int], _ requested: [Int]) throws -> [Int] {
        let unknowns = requested.filter { $0 == -1 }.count
        guard unknowns <= 1, requested.allSatisfy({ $0 >= -1 }) else {
            throw ctx.shapeError(
                "requested shape \(Shape.describe(requested)) may hold at most one -1 and no other negative size")
        }
        guard Shape.isFullyDefined(shape) else { return requested }
        let count = Shape.elementCount(shape)
        let known = requested.filter { $0 != -1 }.reduce(1, *)
        if unknowns == 0 {
            guard known == count else {
                throw ctx.shapeError(
                    "Cannot reshape a tensor with \(count) elements to shape \(Shape.describe(requested)) (\(known) elements)"
                )
            }
            return requested
        }
        guard known > 0 ? count % known == 0 : count == 0 else {
            throw ctx.shapeError("Cannot reshape a tensor with \(count) elements to shape \(Shape.describe(requested))")
        }
        return requested.map { $0 == -1 ? (known == 0 ? 0 : count / known) : $0 }
    }

    static func inferConcat(_ ctx: OpContext, _ rawAxis: Int) throws -> (TensorSpec, Int) {
        guard let first = ctx.inputs.first else { throw ctx.error("expected at least one input") }
        let dtype = try ctx.commonDType()
        let axis = try ctx.axis(rawAxis, rank: first.shape.count)
        var shape = first.shape
        for s in ctx.inputs.dropFirst() {
            guard s.shape.count == shape.count else {
                throw ctx.shapeError("Shape must be rank \(shape.count) but is rank \(s.shape.count)")
            }
            for d in 0..<shape.count where d != axis {
                if shape[d] >= 0 && s.shape[d] >= 0 && shape[d] != s.shape[d] {
                    throw ctx.dimensionsMustBeEqual(shape[d], s.shape[d])
                }
                if shape[d] < 0 { shape[d] = s.shape[d] }
            }
            shape[axis] = (shape[axis] < 0 || s.shape[axis] < 0) ? -1 : shape[axis] + s.shape[axis]
        }
        return (TensorSpec(dtype: dtype, shape: shape), axis)
    }

    // MARK: Kernels

    static func permute(_ x: Tensor, _ perm: [Int]) -> Tensor {
        if perm == Array(0..<x.rank) { return x }
        let out = Tensor(uninitializedShape: perm.map { x.shape[$0] }, dtype: x.dtype)
        let strides = Shape.strides(x.shape)
        StridedCopy.copy(
            shape: out.shape, elementSize: x.dtype.byteSize,
            from: x.storage.bytes, sourceStrides: perm.map { strides[$0] },
            to: out.storage.bytes, destinationStrides: Shape.strides(out.shape))
        return out
    }

    static func broadcast(_ x: Tensor, to shape: [Int]) -> Tensor {
        if x.shape == shape { return x }
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        let offset = shape.count - x.rank
        let xs = Shape.strides(x.shape)
        let strides = (0..<shape.count).map { i -> Int in
            i < offset || x.shape[i - offset] == 1 ? 0 : xs[i - offset]
        }
        StridedCopy.copy(
            shape: shape, elementSize: x.dtype.byteSize, from: x.storage.bytes, sourceStrides: strides,
            to: out.storage.bytes, destinationStrides: Shape.strides(shape))
        return out
    }

    static func tile(_ x: Tensor, multiples: [Int]) -> Tensor {
        // View the output as [m0, d0, m1, d1, …] reading the input with stride 0 over each m.
        let xs = Shape.strides(x.shape)
        var viewShape: [Int] = [], sourceStrides: [Int] = []
        for (i, m) in multiples.enumerated() {
            viewShape += [m, x.shape[i]]
            sourceStrides += [0, xs[i]]
        }
        let out = Tensor(uninitializedShape: zip(x.shape, multiples).map(*), dtype: x.dtype)
        StridedCopy.copy(
            shape: viewShape, elementSize: x.dtype.byteSize, from: x.storage.bytes, sourceStrides: sourceStrides,
            to: out.storage.bytes, destinationStrides: Shape.strides(viewShape))
        return out
    }

    static func concat(_ inputs: [Tensor], axis: Int, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: inputs[0].dtype)
        let outStrides = Shape.strides(shape)
        let size = out.dtype.byteSize
        var offset = 0
        for x in inputs {
            StridedCopy.copy(
                shape: x.shape, elementSize: size, from: x.storage.bytes, sourceStrides: Shape.strides(x.shape),
                to: out.storage.bytes + offset * outStrides[axis] * size, destinationStrides: outStrides)
            offset += x.shape[axis]
        }
        return out
    }

    static func split(_ x: Tensor, axis: Int, sizes: [Int]) -> [Tensor] {
        let strides = Shape.strides(x.shape)
        var start = 0
        return sizes.map { n in
            var shape = x.shape
            shape[axis] = n
            let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
            StridedCopy.copy(
                shape: shape, elementSize: x.dtype.byteSize,
                from: x.storage.bytes + start * strides[axis] * x.dtype.byteSize, sourceStrides: strides,
                to: out.storage.bytes, destinationStrides: Shape.strides(shape))
            start += n
            return out
        }
    }

    static func gather(_ params: Tensor, _ indices: Tensor, axis: Int, shape: [Int], _ ctx: OpContext) throws -> Tensor
    {
        let out = Tensor(uninitializedShape: shape, dtype: params.dtype)
        let index =
            indices.dtype == .int64
            ? indices.scalars(as: Int64.self).map(Int.init) : indices.scalars(as: Int32.self).map(Int.init)
        let limit = params.shape[axis]
        for (i, k) in index.enumerated() where k < 0 || k >= limit {
            throw ctx.error("indices[\(i)] = \(k) is not in [0, \(limit))")
        }
        let outer = Shape.elementCount(Array(params.shape[..<axis]))
        let inner = Shape.elementCount(Array(params.shape[(axis + 1)...]))
        let size = params.dtype.byteSize
        // Each gathered slice is an [outer, inner] block: source stride limit*inner, destination stride n*inner.
        for (j, k) in index.enumerated() {
            StridedCopy.copy(
                shape: [outer, inner], elementSize: size,
                from: params.storage.bytes + k * inner * size, sourceStrides: [limit * inner, 1],
                to: out.storage.bytes + j * inner * size, destinationStrides: [index.count * inner, 1])
        }
        return out
    }

    static func pad(_ x: Tensor, paddings: [Int], value: Double, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
        let size = x.dtype.byteSize
        StridedCopy.fill(
            out.storage.bytes, count: out.count, elementSize: size, with: Tensor.bitPattern(of: value, as: x.dtype))
        let outStrides = Shape.strides(shape)
        let start = (0..<x.rank).reduce(0) { $0 + paddings[2 * $1] * outStrides[$1] }
        StridedCopy.copy(
            shape: x.shape, elementSize: size, from: x.storage.bytes, sourceStrides: Shape.strides(x.shape),
            to: out.storage.bytes + start * size, destinationStrides: outStrides)
        return out
    }

    static func oneHot(_ indices: Tensor, spec: TensorSpec, axis: Int, on: Double, off: Double) -> Tensor {
        let out = Tensor(uninitializedShape: spec.shape, dtype: spec.dtype)
        let size = spec.dtype.byteSize
        StridedCopy.fill(
            out.storage.bytes, count: out.count, elementSize: size, with: Tensor.bitPattern(of: off, as: spec.dtype))
        let onBits = Tensor.bitPattern(of: on, as: spec.dtype)
        let depth = spec.shape[axis]
        let values = indices.cast(to: .int64).scalars(as: Int64.self)
        // Output index for input position p = (outer o, inner i): o * depth * innerCount + k * innerCount + i.
        let innerCount = Shape.elementCount(Array(indices.shape[axis...]))
        for (p, k) in values.enumerated() where k >= 0 && k < depth {
            let o = p / max(innerCount, 1), i = p % max(innerCount, 1)
            let position = (o * depth + Int(k)) * innerCount + i
            StridedCopy.fill(out.storage.bytes + position * size, count: 1, elementSize: size, with: onBits)
        }
        return out
    }

    static func stridedSliceGradient(_ dy: Tensor, plan: SlicePlan, shape: [Int]) -> Tensor {
        let size = dy.dtype.byteSize
        let out = Tensor(
            storage: TensorStorage(zeroedByteCount: Shape.elementCount(shape) * size), shape: shape, dtype: dy.dtype)
        let strides = Shape.strides(shape)
        let offset = zip(plan.starts, strides).reduce(0) { $0 + $1.0 * $1.1 }
        // dy, viewed with the shrunk axes back as size 1, has the plan's counts as its shape.
        StridedCopy.copy(
            shape: plan.counts, elementSize: size,
            from: dy.storage.bytes, sourceStrides: Shape.strides(plan.counts),
            to: out.storage.bytes + offset * size, destinationStrides: zip(strides, plan.steps).map(*))
        return out
    }

    static func unsortedSegmentSum(_ data: Tensor, _ ids: Tensor, shape: [Int], _ ctx: OpContext) throws -> Tensor {
        let index =
            ids.dtype == .int64 ? ids.scalars(as: Int64.self).map(Int.init) : ids.scalars(as: Int32.self).map(Int.init)
        let segments = shape[0]
        for (i, k) in index.enumerated() where k >= segments {
            throw ctx.error("segment_ids[\(i)] = \(k) is out of range [0, \(segments))")
        }
        let inner = Shape.elementCount(Array(shape.dropFirst()))
        let out = Tensor(
            storage: TensorStorage(zeroedByteCount: Shape.elementCount(shape) * data.dtype.byteSize),
            shape: shape, dtype: data.dtype)
        func run<T: NumericElement>(_: T.Type) {
            let src = data.pointer(T.self), dst = out.pointer(T.self)
            // Workers own disjoint column ranges, so repeated ids accumulate without races.
            Threading.parallelFor(inner, minimumChunk: max(1, (1 << 15) / max(index.count, 1))) { columns in
                for (row, k) in index.enumerated() where k >= 0 {
                    let s = src + row * inner, d = dst + k * inner
                    for c in columns { d[c] = T.add(d[c], s[c]) }
                }
            }
        }
        switch data.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .uint8: run(UInt8.self)
        case .bool: throw ctx.unsupported(.bool, expected: "a numeric dtype")
        }
        return out
    }
}

/// A normalized `StridedSlice`: per input axis a start, a step and a count, and which axes are
/// dropped (`shrink_axis_mask`).
struct SlicePlan {
    var starts: [Int] = [], steps: [Int] = [], counts: [Int] = []
    var shrink: [Bool] = []

    var outputShape: [Int] { zip(counts, shrink).filter { !$0.1 }.map(\.0) }

    init(_ ctx: OpContext, _ attrs: Attributes, shape: [Int]) throws {
        let begin = try attrs.ints("begin", default: [], ctx)
        let end = try attrs.ints("end", default: [], ctx)
        let strides = try attrs.ints("strides", default: Array(repeating: 1, count: begin.count), ctx)
        let beginMask = try attrs.int("begin_mask", default: 0, ctx)
        let endMask = try attrs.int("end_mask", default: 0, ctx)
        let shrinkMask = try attrs.int("shrink_axis_mask", default: 0, ctx)
        guard begin.count == end.count, end.count == strides.count, begin.count <= shape.count else {
            throw ctx.shapeError("begin, end and strides must have the same length, at most the rank \(shape.count)")
        }
        for axis in 0..<shape.count {
            let dim = shape[axis]
            guard axis < begin.count else {
                starts.append(0); steps.append(1); counts.append(dim); shrink.append(false)
                continue
            }
            let step = strides[axis]
            guard step != 0 else { throw ctx.error("strides[\(axis)] must be non-zero") }
            if shrinkMask & (1 << axis) != 0 {
                let i = begin[axis] < 0 ? begin[axis] + dim : begin[axis]
                guard dim < 0 || (0..<dim).contains(i) else {
                    throw ctx.shapeError("slice index \(begin[axis]) of dimension \(axis) out of bounds")
                }
                starts.append(i); steps.append(1); counts.append(1); shrink.append(true)
                continue
            }
            guard dim >= 0 else {
                starts.append(0); steps.append(step); counts.append(-1); shrink.append(false)
                continue
            }
            func clampIndex(_ v: Int, low: Int, high: Int) -> Int {
                let w = v < 0 ? v + dim : v
                return Swift.min(Swift.max(w, low), high)
            }
            let start: Int, stop: Int
            if step > 0 {
                start = beginMask & (1 << axis) != 0 ? 0 : clampIndex(begin[axis], low: 0, high: dim)
                stop = endMask & (1 << axis) != 0 ? dim : clampIndex(end[axis], low: 0, high: dim)
            } else {
                start = beginMask & (1 << axis) != 0 ? dim - 1 : clampIndex(begin[axis], low: -1, high: dim - 1)
                stop = endMask & (1 << axis) != 0 ? -1 : clampIndex(end[axis], low: -1, high: dim - 1)
            }
            let count =
                step > 0
                ? Swift.max(0, (stop - start + step - 1) / step) : Swift.max(0, (start - stop + (-step) - 1) / (-step))
            starts.append(start); steps.append(step); counts.append(count); shrink.append(false)
        }
    }

    func apply(_ x: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: outputShape, dtype: x.dtype)
        let strides = Shape.strides(x.shape)
        let size = x.dtype.byteSize
        let offset = zip(starts, strides).reduce(0) { $0 + $1.0 * $1.1 }
        StridedCopy.copy(
            shape: counts, elementSize: size,
            from: x.storage.bytes + offset * size, sourceStrides: zip(strides, steps).map(*),
            to: out.storage.bytes, destinationStrides: Shape.strides(counts))
        return out
    }
}

// MARK: Gradients

struct IdentityGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] { [g] }
}

/// `Reshape`, `ExpandDims`, `Squeeze`: g reshaped back to the input's shape.
struct ReshapeGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.reshape(g, b.reshapeTarget(b.shape(of: op.inputs[0])))]
    }
}

/// g transposed by the inverse permutation.
struct TransposeGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let rank = b.shape(of: op.inputs[0]).count
        var perm = Array((0..<rank).reversed())
        if case .ints(let p) = op.attributes["perm"] { perm = p }
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return [try b.op("Transpose", g, attributes: ["perm": .ints(inverse)])]
    }
}

struct BroadcastToGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.unbroadcast(g, to: op.inputs[0])]
    }
}

/// Each input of `ConcatV2` gets its own extent of the gradient along the axis.
struct ConcatGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let rank = b.shape(of: op.inputs[0]).count
        let axis = try op.normalizedAxis(try op.intAttribute("axis"), rank: rank)
        let sizes = op.inputs.map { b.shape(of: $0)[axis] }
        if sizes.count == 1 { return [g] }
        return try b.apply("SplitV", [g], ["axis": .int(axis), "size_splits": .ints(sizes.map { $0 < 0 ? -1 : $0 })])
    }
}

/// `Pack`: g split along the new axis, which is squeezed away.
struct PackGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let rank = b.shape(of: op.inputs[0]).count + 1
        let axis = try op.normalizedAxis(try op.intAttribute("axis", default: 0), rank: rank)
        let pieces = try b.apply("Split", [g], ["axis": .int(axis), "num_split": .int(op.inputs.count)])
        return try pieces.map { try b.op("Squeeze", $0, attributes: ["squeeze_dims": .ints([axis])]) }
    }
}

/// `Split`, `SplitV`: the pieces' gradients joined back; outputs that got none contribute zeros.
struct SplitGradient: GradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>) throws -> [B.Value?] {
        guard op.outputGradients.contains(where: { $0 != nil }) else { return [nil] }
        let pieces = try zip(op.outputs, op.outputGradients).map { output, g in try g ?? b.zerosLike(output) }
        return [try b.apply("ConcatV2", pieces, ["axis": .int(try op.intAttribute("axis"))])[0]]
    }
}

struct StridedSliceGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.op("StridedSliceGrad", op.inputs[0], g, attributes: op.attributes)]
    }
}

/// The gradient of the params of `GatherV2`: the slices summed back to the rows they were gathered
/// from (`UnsortedSegmentSum`, so repeated indices accumulate), with the gathered dimensions moved
/// to the front and back again when `axis` is not 0. The indices get none.
struct GatherGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (params, indices) = (op.inputs[0], op.inputs[1])
        let ps = b.shape(of: params), indexRank = b.shape(of: indices).count
        let axis = try op.normalizedAxis(try op.intAttribute("axis", default: 0), rank: ps.count)
        guard ps[axis] >= 0 else {
            throw OpError(
                opType: op.opType,
                message: "GatherV2: the gradient needs the size of dimension \(axis) of params, which is unknown")
        }
        var moved = g
        if axis != 0 {
            let gRank = ps.count + indexRank - 1
            let perm = Array(axis..<(axis + indexRank)) + Array(0..<axis) + Array((axis + indexRank)..<gRank)
            moved = try b.op("Transpose", g, attributes: ["perm": .ints(perm)])
        }
        let summed = try b.op("UnsortedSegmentSum", moved, indices, attributes: ["num_segments": .int(ps[axis])])
        if axis == 0 { return [summed, nil] }
        let back = Array(1...axis) + [0] + Array((axis + 1)..<ps.count)
        return [try b.op("Transpose", summed, attributes: ["perm": .ints(back)]), nil]
    }
}

/// The slice of the gradient the input was copied to; negative ends count from the end, so
/// unknown dimensions work.
struct PadGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        guard case .ints(let paddings) = op.attributes["paddings"] else {
            throw OpError(opType: op.opType, message: "Pad: attribute 'paddings' must be a list of ints")
        }
        let rank = paddings.count / 2
        let begin = (0..<rank).map { paddings[2 * $0] }
        let end = (0..<rank).map { -paddings[2 * $0 + 1] }
        let endMask = (0..<rank).reduce(0) { paddings[2 * $1 + 1] == 0 ? $0 | (1 << $1) : $0 }
        return [
            try b.op(
                "StridedSlice", g,
                attributes: [
                    "begin": .ints(begin), "end": .ints(end), "strides": .ints(Array(repeating: 1, count: rank)),
                    "end_mask": .int(endMask),
                ])
        ]
    }
}

/// g viewed as [m0, d0, m1, d1, …] and summed over the copies.
struct TileGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        guard case .ints(let multiples) = op.attributes["multiples"] else {
            throw OpError(opType: op.opType, message: "Tile: attribute 'multiples' must be a list of ints")
        }
        if multiples.allSatisfy({ $0 == 1 }) { return [g] }
        let xs = b.shape(of: op.inputs[0])
        let view = zip(multiples, xs).flatMap { [$0, $1 < 0 ? -1 : $1] }
        let summed = try b.op(
            "Sum", b.reshape(g, view),
            attributes: [
                "axes": .ints((0..<xs.count).map { 2 * $0 }), "keep_dims": .bool(false),
            ])
        return [summed]
    }
}

extension GradientInput {
    /// The int attribute `name` (or `value` when absent), else an error naming the op.
    func intAttribute(_ name: String, default value: Int? = nil) throws -> Int {
        switch attributes[name] {
        case .int(let v): return v
        case nil: if let value { return value }
        default: break
        }
        throw OpError(opType: opType, message: "\(opType): attribute '\(name)' must be an int")
    }

    /// `axis` in `0..<rank`, negative counting from the end, else an error naming the op.
    func normalizedAxis(_ axis: Int, rank: Int) throws -> Int {
        guard let a = Shape.normalize(axis: axis, rank: rank) else {
            throw OpError(opType: opType, message: "\(opType): axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }
}
