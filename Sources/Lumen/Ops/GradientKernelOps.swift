/// Backprop ops that gradient functions need where no forward op does the job, under TensorFlow's
/// names: `Conv2DBackpropInput`, `Conv2DBackpropFilter`, `MaxPoolGrad`, `AvgPoolGrad`,
/// `StridedSliceGrad`, `UnsortedSegmentSum` (the dense gradient of `GatherV2`).
///
/// Where TensorFlow passes a shape as an int32 tensor (`input_sizes`, `filter_sizes`,
/// `orig_input_shape`, `shape`), these ops take, in the same input position, a tensor *of that shape*
/// (the forward op's original input or filter) and read only its shape. Its values are never read,
/// so shapes unknown until run time work in graph mode. A GraphDef importer meeting TensorFlow's
/// form replaces the constant sizes by a tensor of that shape. `UnsortedSegmentSum` takes
/// `num_segments` as an attribute, like the other constant shape arguments (see ``ShapeOps``).
///
/// - `Conv2DBackpropInput(input, filter, out_backprop)` → the gradient of `Conv2D`'s input, shaped
///   like `input`; attributes as `Conv2D` (`strides`, `dilations`, `padding`, `explicit_paddings`,
///   `groups`). NCHW input, OIHW filter.
/// - `Conv2DBackpropFilter(input, filter, out_backprop)` → the gradient of the filter, shaped like
///   `filter`; same attributes.
/// - `MaxPoolGrad(orig_input, orig_output, grad)` → the gradient routed to each window's first
///   maximum; attributes as `MaxPool`. `orig_output` is checked for shape but not read.
/// - `AvgPoolGrad(orig_input, grad)` → the gradient spread over each window; attributes as
///   `AvgPool` (including `count_include_pad`).
/// - `StridedSliceGrad(input, dy)` → zeros shaped like `input` with `dy` written where
///   `StridedSlice` with the same attributes read.
/// - `UnsortedSegmentSum(data, segment_ids)` with attribute `num_segments` → output
///   `[num_segments] + data.shape[segment_ids.rank...]`, row `k` the sum of the `data` rows whose
///   id is `k`; ids may repeat, negative ids are dropped (as TensorFlow does), ids ≥ `num_segments`
///   are an error.
enum GradientKernelOps {
    static let definitions: [OpDefinition] = [
        OpDefinition("Conv2DBackpropInput", infer: { ctx, attrs in
            [try inferConvBackprop(ctx, attrs).input]
        }, compute: { call in
            let (_, _, geometry, groups) = try inferConvBackprop(call.context, call.attributes)
            return [ConvolutionBackprop.inputGradient(filter: call.inputs[1], outputGradient: call.inputs[2],
                                                      inputShape: call.inputs[0].shape, geometry: geometry, groups: groups)]
        }),
        OpDefinition("Conv2DBackpropFilter", infer: { ctx, attrs in
            [try inferConvBackprop(ctx, attrs).filter]
        }, compute: { call in
            let (_, _, geometry, groups) = try inferConvBackprop(call.context, call.attributes)
            return [ConvolutionBackprop.filterGradient(input: call.inputs[0], outputGradient: call.inputs[2],
                                                       filterShape: call.inputs[1].shape, geometry: geometry, groups: groups)]
        }),
        OpDefinition("MaxPoolGrad", infer: { ctx, attrs in
            try ctx.expectInputs(3)
            let (spec, _) = try inferPoolBackprop(ctx, attrs, gradients: [1, 2])
            return [spec]
        }, compute: { call in
            let (_, geometry) = try inferPoolBackprop(call.context, call.attributes, gradients: [1, 2])
            return [PoolingBackprop.maxPoolGradient(input: call.inputs[0], outputGradient: call.inputs[2], geometry: geometry)]
        }),
        OpDefinition("AvgPoolGrad", infer: { ctx, attrs in
            try ctx.expectInputs(2)
            let (spec, _) = try inferPoolBackprop(ctx, attrs, gradients: [1])
            _ = try attrs.bool("count_include_pad", default: false, ctx)
            return [spec]
        }, compute: { call in
            let (_, geometry) = try inferPoolBackprop(call.context, call.attributes, gradients: [1])
            let include = try call.attributes.bool("count_include_pad", default: false, call.context)
            return [PoolingBackprop.avgPoolGradient(inputShape: call.inputs[0].shape, outputGradient: call.inputs[1],
                                                    geometry: geometry, countIncludePad: include)]
        }),
        OpDefinition("StridedSliceGrad", infer: { ctx, attrs in
            try ctx.expectInputs(2)
            let (x, dy) = (ctx.inputs[0], ctx.inputs[1])
            guard x.dtype == dy.dtype else { throw ctx.dtypeMismatch(x.dtype, dy.dtype) }
            let plan = try SlicePlan(ctx, attrs, shape: x.shape)
            try expectShape(ctx, dy.shape, plan.outputShape, "dy")
            return [x]
        }, compute: { call in
            let plan = try SlicePlan(call.context, call.attributes, shape: call.inputs[0].shape)
            return [stridedSliceGradient(call.inputs[1], plan: plan, shape: call.inputs[0].shape)]
        }),
        OpDefinition("UnsortedSegmentSum", infer: { ctx, attrs in
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
            try expectShape(ctx, Array(data.shape[..<ids.shape.count]), ids.shape, "the leading dimensions of data")
            return [TensorSpec(dtype: data.dtype, shape: [segments] + data.shape[ids.shape.count...])]
        }, compute: { call in
            [try unsortedSegmentSum(call.inputs[0], call.inputs[1], shape: call.outputs[0].shape, call.context)]
        }),
    ]

    // MARK: Inference

    /// Checks that `actual` matches `expected` wherever both dimensions are known.
    static func expectShape(_ ctx: OpContext, _ actual: [Int], _ expected: [Int], _ what: String) throws {
        let compatible = actual.count == expected.count && zip(actual, expected).allSatisfy { $0 < 0 || $1 < 0 || $0 == $1 }
        guard compatible else {
            throw ctx.shapeError("\(what) must have shape \(Shape.describe(expected)), got \(Shape.describe(actual)),")
        }
    }

    /// The input spec, the filter spec, the forward geometry and the groups of a convolution
    /// backprop op with inputs (input, filter, out_backprop).
    static func inferConvBackprop(_ ctx: OpContext, _ attrs: Attributes) throws -> (input: TensorSpec, filter: TensorSpec, WindowGeometry, Int) {
        try ctx.expectInputs(3)
        let (x, w, dy) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
        let forward = OpContext(opType: ctx.opType, nodeName: ctx.nodeName, inputs: [x, w])
        let (spec, geometry, groups) = try NeuralNetworkOps.inferConv(forward, attrs)
        guard dy.dtype == x.dtype else { throw ctx.dtypeMismatch(x.dtype, dy.dtype) }
        try expectShape(ctx, dy.shape, spec.shape, "out_backprop")
        return (x, w, geometry, groups)
    }

    /// The input spec and forward geometry of a pool backprop op whose input 0 is the pooled input;
    /// the inputs at `gradients` must have the pool's output shape.
    static func inferPoolBackprop(_ ctx: OpContext, _ attrs: Attributes, gradients: [Int]) throws -> (TensorSpec, WindowGeometry) {
        let x = ctx.inputs[0]
        let forward = OpContext(opType: ctx.opType, nodeName: ctx.nodeName, inputs: [x])
        let (spec, geometry) = try NeuralNetworkOps.inferPool(forward, attrs)
        for i in gradients {
            guard ctx.inputs[i].dtype == x.dtype else { throw ctx.dtypeMismatch(x.dtype, ctx.inputs[i].dtype) }
            try expectShape(ctx, ctx.inputs[i].shape, spec.shape, "input \(i)")
        }
        return (x, geometry)
    }

    // MARK: Kernels

    static func stridedSliceGradient(_ dy: Tensor, plan: SlicePlan, shape: [Int]) -> Tensor {
        let size = dy.dtype.byteSize
        let out = Tensor(storage: TensorStorage(zeroedByteCount: Shape.elementCount(shape) * size), shape: shape, dtype: dy.dtype)
        let strides = Shape.strides(shape)
        let offset = zip(plan.starts, strides).reduce(0) { $0 + $1.0 * $1.1 }
        // dy, viewed with the shrunk axes back as size 1, has the plan's counts as its shape.
        StridedCopy.copy(shape: plan.counts, elementSize: size,
                         from: dy.storage.bytes, sourceStrides: Shape.strides(plan.counts),
                         to: out.storage.bytes + offset * size, destinationStrides: zip(strides, plan.steps).map(*))
        return out
    }

    static func unsortedSegmentSum(_ data: Tensor, _ ids: Tensor, shape: [Int], _ ctx: OpContext) throws -> Tensor {
        let index = ids.dtype == .int64 ? ids.scalars(as: Int64.self).map(Int.init) : ids.scalars(as: Int32.self).map(Int.init)
        let segments = shape[0]
        for (i, k) in index.enumerated() where k >= segments {
            throw ctx.error("segment_ids[\(i)] = \(k) is out of range [0, \(segments))")
        }
        let inner = Shape.elementCount(Array(shape.dropFirst()))
        let out = Tensor(storage: TensorStorage(zeroedByteCount: Shape.elementCount(shape) * data.dtype.byteSize),
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
