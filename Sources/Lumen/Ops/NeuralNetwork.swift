extension WindowGeometry {
    /// Reads `strides`, `dilations`, `padding` (`VALID`, `SAME` or `EXPLICIT` with
    /// `explicit_paddings` = [top, bottom, left, right]) for an input of `height × width`.
    init(_ ctx: OpContext, _ attrs: Attributes, kernel: (Int, Int), height: Int, width: Int, dilated: Bool) throws {
        func pair(_ name: String, _ fallback: [Int]) throws -> (Int, Int) {
            let v = try attrs.ints(name, default: fallback, ctx)
            switch v.count {
            case 2: return (v[0], v[1])
            case 4: return (v[2], v[3])  // TensorFlow's NCHW form [1, 1, h, w]
            default: throw ctx.error("attribute '\(name)' must hold 2 (or 4) ints, got \(v)")
            }
        }
        self.kernel = kernel
        stride = try pair("strides", [1, 1])
        dilation = dilated ? try pair("dilations", [1, 1]) : (1, 1)
        guard stride.h > 0, stride.w > 0, dilation.h > 0, dilation.w > 0 else {
            throw ctx.error("strides and dilations must be positive")
        }
        let effectiveH = (kernel.0 - 1) * dilation.h + 1, effectiveW = (kernel.1 - 1) * dilation.w + 1
        switch try attrs.string("padding", default: "VALID", ctx).uppercased() {
        case "VALID": break
        case "SAME":
            let oh = (height + stride.h - 1) / stride.h, ow = (width + stride.w - 1) / stride.w
            let totalH = max((oh - 1) * stride.h + effectiveH - height, 0)
            let totalW = max((ow - 1) * stride.w + effectiveW - width, 0)
            (padTop, padBottom) = (totalH / 2, totalH - totalH / 2)
            (padLeft, padRight) = (totalW / 2, totalW - totalW / 2)
        case "EXPLICIT":
            let p = try attrs.ints("explicit_paddings", ctx)
            let q = p.count == 8 ? Array(p[4...]) : p  // TensorFlow's NCHW form lists all four dims
            guard q.count == 4, q.allSatisfy({ $0 >= 0 }) else {
                throw ctx.error("explicit_paddings must be [top, bottom, left, right], got \(p)")
            }
            (padTop, padBottom, padLeft, padRight) = (q[0], q[1], q[2], q[3])
        case let other:
            throw ctx.error("padding must be VALID, SAME or EXPLICIT, got \(other)")
        }
        if height >= 0 {
            outputHeight = (height + padTop + padBottom - effectiveH) / stride.h + 1
            guard height + padTop + padBottom >= effectiveH else {
                throw ctx.shapeError(
                    "the \(kernel.0)x\(kernel.1) window (dilated \(effectiveH)x\(effectiveW)) is larger than the padded input"
                )
            }
        } else {
            outputHeight = -1
        }
        if width >= 0 {
            outputWidth = (width + padLeft + padRight - effectiveW) / stride.w + 1
            guard width + padLeft + padRight >= effectiveW else {
                throw ctx.shapeError(
                    "the \(kernel.0)x\(kernel.1) window (dilated \(effectiveH)x\(effectiveW)) is larger than the padded input"
                )
            }
        } else {
            outputWidth = -1
        }
    }
}

/// `Conv2D` (NCHW input, OIHW filter, `strides`, `dilations`, `padding`, `groups`), `MaxPool`,
/// `AvgPool` (`ksize`, `strides`, `padding`, `count_include_pad`), `Softmax`, `LogSoftmax` (`axis`),
/// their gradients, and the backprop ops those gradients are built from, under TensorFlow's names:
/// `Conv2DBackpropInput`, `Conv2DBackpropFilter`, `MaxPoolGrad`, `AvgPoolGrad`. The loops are in
/// `Kernels/` (``Convolution``, ``Pooling``, ``SoftmaxKernel``).
///
/// Where TensorFlow passes a shape as an int32 tensor (`input_sizes`, `filter_sizes`,
/// `orig_input_shape`, `shape`), these ops take, in the same input position, a tensor *of that shape*
/// (the forward op's original input or filter) and read only its shape. Its values are never read,
/// so shapes unknown until run time work in graph mode. A GraphDef importer meeting TensorFlow's
/// form replaces the constant sizes by a tensor of that shape.
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
enum NeuralNetworkOps {
    static let definitions: [OpDefinition] = [
        OpDefinition(
            "Conv2D", infer: { ctx, attrs in [try inferConv(ctx, attrs).0] },
            compute: { call in
                let (spec, geometry, groups) = try inferConv(call.context, call.attributes)
                return [
                    Convolution.forward(
                        call.inputs[0], call.inputs[1], geometry: geometry, groups: groups, shape: spec.shape)
                ]
            }
        )
        .gradient(Conv2DGradient()),
        OpDefinition(
            "MaxPool", infer: { ctx, attrs in [try inferPool(ctx, attrs).0] },
            compute: { call in
                let (spec, geometry) = try inferPool(call.context, call.attributes)
                return [
                    Pooling.forward(call.inputs[0], geometry: geometry, shape: spec.shape, max: true, includePad: false)
                ]
            }
        )
        .gradient(MaxPoolGradient()),
        OpDefinition(
            "AvgPool", infer: { ctx, attrs in [try inferPool(ctx, attrs).0] },
            compute: { call in
                let (spec, geometry) = try inferPool(call.context, call.attributes)
                let include = try call.attributes.bool("count_include_pad", default: false, call.context)
                return [
                    Pooling.forward(
                        call.inputs[0], geometry: geometry, shape: spec.shape, max: false, includePad: include)
                ]
            }
        )
        .gradient(AvgPoolGradient()),
        OpDefinition(
            "Softmax", infer: softmaxInfer,
            compute: { call in
                [
                    SoftmaxKernel.forward(
                        call.inputs[0],
                        axis: try call.context.axis(
                            try call.attributes.int("axis", default: -1, call.context), rank: call.inputs[0].rank),
                        log: false)
                ]
            }
        )
        .gradient(SoftmaxGradient(isLog: false))
        .tensorFlow(TensorFlowInterop(lumenOnlyAttributes: ["axis"], importDefaults: ["axis": .int(-1)])),
        OpDefinition(
            "LogSoftmax", infer: softmaxInfer,
            compute: { call in
                [
                    SoftmaxKernel.forward(
                        call.inputs[0],
                        axis: try call.context.axis(
                            try call.attributes.int("axis", default: -1, call.context), rank: call.inputs[0].rank),
                        log: true)
                ]
            }
        )
        .gradient(SoftmaxGradient(isLog: true))
        .tensorFlow(TensorFlowInterop(lumenOnlyAttributes: ["axis"], importDefaults: ["axis": .int(-1)])),
        // The backprop ops the gradients below are built from.
        OpDefinition(
            "Conv2DBackpropInput",
            infer: { ctx, attrs in
                [try inferConvBackprop(ctx, attrs).input]
            },
            compute: { call in
                let (_, _, geometry, groups) = try inferConvBackprop(call.context, call.attributes)
                return [
                    Convolution.inputGradient(
                        filter: call.inputs[1], outputGradient: call.inputs[2],
                        inputShape: call.inputs[0].shape, geometry: geometry, groups: groups)
                ]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "Conv2DBackpropFilter",
            infer: { ctx, attrs in
                [try inferConvBackprop(ctx, attrs).filter]
            },
            compute: { call in
                let (_, _, geometry, groups) = try inferConvBackprop(call.context, call.attributes)
                return [
                    Convolution.filterGradient(
                        input: call.inputs[0], outputGradient: call.inputs[2],
                        filterShape: call.inputs[1].shape, geometry: geometry, groups: groups)
                ]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "MaxPoolGrad",
            infer: { ctx, attrs in
                try ctx.expectInputs(3)
                let (spec, _) = try inferPoolBackprop(ctx, attrs, gradients: [1, 2])
                return [spec]
            },
            compute: { call in
                let (_, geometry) = try inferPoolBackprop(call.context, call.attributes, gradients: [1, 2])
                return [
                    Pooling.maxPoolGradient(input: call.inputs[0], outputGradient: call.inputs[2], geometry: geometry)
                ]
            }
        )
        .notDifferentiable(),
        OpDefinition(
            "AvgPoolGrad",
            infer: { ctx, attrs in
                try ctx.expectInputs(2)
                let (spec, _) = try inferPoolBackprop(ctx, attrs, gradients: [1])
                _ = try attrs.bool("count_include_pad", default: false, ctx)
                return [spec]
            },
            compute: { call in
                let (_, geometry) = try inferPoolBackprop(call.context, call.attributes, gradients: [1])
                let include = try call.attributes.bool("count_include_pad", default: false, call.context)
                return [
                    Pooling.avgPoolGradient(
                        inputShape: call.inputs[0].shape, outputGradient: call.inputs[1],
                        geometry: geometry, countIncludePad: include)
                ]
            }
        )
        .notDifferentiable(),
    ]

    static let softmaxInfer: @Sendable (OpContext, Attributes) throws -> [TensorSpec] = { ctx, attrs in
        try ctx.expectInputs(1)
        let x = ctx.inputs[0]
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count >= 1 else { throw ctx.shapeError("Softmax needs at least rank 1") }
        _ = try ctx.axis(try attrs.int("axis", default: -1, ctx), rank: x.shape.count)
        return [x]
    }

    static func inferConv(_ ctx: OpContext, _ attrs: Attributes) throws -> (TensorSpec, WindowGeometry, Int) {
        try ctx.expectInputs(2)
        let x = ctx.inputs[0], w = ctx.inputs[1]
        guard x.dtype == w.dtype else { throw ctx.dtypeMismatch(x.dtype, w.dtype) }
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count == 4 else {
            throw ctx.shapeError("input must be rank 4 (NCHW) but is rank \(x.shape.count)")
        }
        guard w.shape.count == 4 else {
            throw ctx.shapeError("filter must be rank 4 (OIHW) but is rank \(w.shape.count)")
        }
        let groups = try attrs.int("groups", default: 1, ctx)
        guard groups >= 1 else { throw ctx.error("groups must be positive, got \(groups)") }
        let channels = x.shape[1], out = w.shape[0]
        if channels >= 0, w.shape[1] >= 0, channels != w.shape[1] * groups {
            throw ctx.dimensionsMustBeEqual(channels, w.shape[1] * groups)
        }
        if out >= 0, out % groups != 0 {
            throw ctx.shapeError("output channels \(out) are not divisible by groups \(groups)")
        }
        let g = try WindowGeometry(
            ctx, attrs, kernel: (w.shape[2], w.shape[3]), height: x.shape[2], width: x.shape[3], dilated: true)
        return (TensorSpec(dtype: x.dtype, shape: [x.shape[0], out, g.outputHeight, g.outputWidth]), g, groups)
    }

    static func inferPool(_ ctx: OpContext, _ attrs: Attributes) throws -> (TensorSpec, WindowGeometry) {
        try ctx.expectInputs(1)
        let x = ctx.inputs[0]
        guard x.dtype.isFloatingPoint else { throw ctx.unsupported(x.dtype, expected: "float32 or float64") }
        guard x.shape.count == 4 else {
            throw ctx.shapeError("input must be rank 4 (NCHW) but is rank \(x.shape.count)")
        }
        let k = try attrs.ints("ksize", ctx)
        let kernel: (Int, Int)
        switch k.count {
        case 2: kernel = (k[0], k[1])
        case 4: kernel = (k[2], k[3])
        default: throw ctx.error("attribute 'ksize' must hold 2 (or 4) ints, got \(k)")
        }
        guard kernel.0 > 0, kernel.1 > 0 else { throw ctx.error("ksize must be positive, got \(k)") }
        let g = try WindowGeometry(ctx, attrs, kernel: kernel, height: x.shape[2], width: x.shape[3], dilated: false)
        return (TensorSpec(dtype: x.dtype, shape: [x.shape[0], x.shape[1], g.outputHeight, g.outputWidth]), g)
    }

    /// The input spec, the filter spec, the forward geometry and the groups of a convolution
    /// backprop op with inputs (input, filter, out_backprop).
    static func inferConvBackprop(_ ctx: OpContext, _ attrs: Attributes) throws -> (
        input: TensorSpec, filter: TensorSpec, WindowGeometry, Int
    ) {
        try ctx.expectInputs(3)
        let (x, w, dy) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
        let forward = OpContext(opType: ctx.opType, nodeName: ctx.nodeName, inputs: [x, w])
        let (spec, geometry, groups) = try inferConv(forward, attrs)
        guard dy.dtype == x.dtype else { throw ctx.dtypeMismatch(x.dtype, dy.dtype) }
        try ctx.expectShape(dy.shape, spec.shape, "out_backprop")
        return (x, w, geometry, groups)
    }

    /// The input spec and forward geometry of a pool backprop op whose input 0 is the pooled input;
    /// the inputs at `gradients` must have the pool's output shape.
    static func inferPoolBackprop(_ ctx: OpContext, _ attrs: Attributes, gradients: [Int]) throws -> (
        TensorSpec, WindowGeometry
    ) {
        let x = ctx.inputs[0]
        let forward = OpContext(opType: ctx.opType, nodeName: ctx.nodeName, inputs: [x])
        let (spec, geometry) = try inferPool(forward, attrs)
        for i in gradients {
            guard ctx.inputs[i].dtype == x.dtype else { throw ctx.dtypeMismatch(x.dtype, ctx.inputs[i].dtype) }
            try ctx.expectShape(ctx.inputs[i].shape, spec.shape, "input \(i)")
        }
        return (x, geometry)
    }
}

// MARK: Gradients

/// The backprop ops take the forward attributes and read only the shapes of x and w.
struct Conv2DGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let (x, w) = (op.inputs[0], op.inputs[1])
        return [
            op.needsGradient(0) ? try b.op("Conv2DBackpropInput", x, w, g, attributes: op.attributes) : nil,
            op.needsGradient(1) ? try b.op("Conv2DBackpropFilter", x, w, g, attributes: op.attributes) : nil,
        ]
    }
}

struct MaxPoolGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.op("MaxPoolGrad", op.inputs[0], op.outputs[0], g, attributes: op.attributes)]
    }
}

struct AvgPoolGradient: OutputGradientFunction {
    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        [try b.op("AvgPoolGrad", op.inputs[0], g, attributes: op.attributes)]
    }
}

/// `Softmax`: y · (g − Σ g·y); `LogSoftmax` (`isLog`): g − exp(y) · Σ g; sums along the op's axis.
struct SoftmaxGradient: OutputGradientFunction {
    let isLog: Bool

    func gradients<B: GradientBuilder>(_ b: B, _ op: GradientInput<B.Value>, _ g: B.Value) throws -> [B.Value?] {
        let y = op.outputs[0]
        var axis = -1
        if case .int(let a) = op.attributes["axis"] { axis = a }
        let sum: Attributes = ["axes": .ints([axis]), "keep_dims": .bool(true)]
        if isLog {
            let total = try b.op("Sum", g, attributes: sum)
            return [try b.subtract(g, b.multiply(b.op("Exp", y), total))]
        }
        let dot = try b.op("Sum", b.multiply(g, y), attributes: sum)
        return [try b.multiply(y, b.subtract(g, dot))]
    }
}
