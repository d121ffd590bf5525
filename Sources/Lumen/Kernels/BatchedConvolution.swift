/// A convolution and its two gradients lowered to one matrix product per group over the whole batch:
/// the windows of every image are unfolded side by side into one column matrix
/// `[patch, batch·plane]`, so a batch of small images makes one well-shaped product instead of many
/// tiny ones. Outputs and output gradients are moved between NCHW and the channel-major
/// `[channels, batch·plane]` layout of the product by a copy of whole planes.
///
/// The per-image kernels of ``Convolution`` remain for inputs whose column matrix would be too large.
struct BatchedConvolution<T: FloatElement> {
    let batch: Int, channels: Int, height: Int, width: Int
    let outChannels: Int, groups: Int
    let geometry: WindowGeometry
    /// Output positions per image.
    let plane: Int
    let groupChannels: Int, groupOut: Int
    /// Rows of the column matrix: (channel, kh, kw) of one group.
    let patch: Int
    /// Columns of the column matrix: every output position of every image.
    var columns: Int { batch * plane }

    /// The most elements the column matrix may hold for the batched lowering (64 MiB of floats).
    static var maximumColumnElements: Int { 1 << 24 }

    /// The lowering of a convolution of an NCHW input of `inputShape` into `outChannels` channels,
    /// or `nil` when it does not apply (empty tensors, or a column matrix over the size limit).
    init?(inputShape: [Int], outChannels: Int, groups: Int, geometry g: WindowGeometry) {
        (batch, channels, height, width) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        self.outChannels = outChannels
        self.groups = groups
        geometry = g
        plane = g.outputHeight * g.outputWidth
        groupChannels = channels / groups
        groupOut = outChannels / groups
        patch = groupChannels * g.kernel.h * g.kernel.w
        let elements = patch * batch * plane
        guard elements > 0, groupOut > 0, elements <= Self.maximumColumnElements else { return nil }
    }

    // MARK: The three products

    /// `out = W ⊛ x`, out shaped [N, O, OH, OW].
    func forward(input x: UnsafePointer<T>, filter w: UnsafePointer<T>, output out: UnsafeMutablePointer<T>) {
        let unfolded = Scratch<T>(count: patch * columns), product = Scratch<T>(count: groupOut * columns)
        defer { withExtendedLifetime((unfolded, product)) {} }
        for group in 0..<groups {
            unfold(x, group: group, into: unfolded.pointer)
            // [groupOut × patch] · [patch × N·plane]
            MatrixProduct.multiply(
                m: groupOut, n: columns, k: patch,
                MatrixOperand(pointer: w + group * groupOut * patch, leadingDimension: patch),
                MatrixOperand(pointer: UnsafePointer(unfolded.pointer), leadingDimension: columns),
                into: product.pointer, leadingDimension: columns)
            movePlanes(channelMajor: product.pointer, nchw: out, channelOffset: group * groupOut, toNCHW: true)
        }
    }

    /// dX = fold(Wᵀ · dY), dX shaped like the input.
    func inputGradient(
        filter w: UnsafePointer<T>, outputGradient dy: UnsafePointer<T>, into dx: UnsafeMutablePointer<T>
    ) {
        let unfolded = Scratch<T>(count: patch * columns), gradient = Scratch<T>(count: groupOut * columns)
        defer { withExtendedLifetime((unfolded, gradient)) {} }
        dx.update(repeating: 0, count: batch * channels * height * width)
        for group in 0..<groups {
            movePlanes(
                channelMajor: gradient.pointer, nchw: UnsafeMutablePointer(mutating: dy),
                channelOffset: group * groupOut, toNCHW: false)
            // [patch × groupOut] (W_g stored [groupOut × patch]) · [groupOut × N·plane]
            MatrixProduct.multiply(
                m: patch, n: columns, k: groupOut,
                MatrixOperand(pointer: w + group * groupOut * patch, leadingDimension: patch, isTransposed: true),
                MatrixOperand(pointer: UnsafePointer(gradient.pointer), leadingDimension: columns),
                into: unfolded.pointer, leadingDimension: columns)
            fold(unfolded.pointer, group: group, into: dx)
        }
    }

    /// dW = dY · unfold(x)ᵀ, dW shaped [O, C/groups, KH, KW].
    func filterGradient(
        input x: UnsafePointer<T>, outputGradient dy: UnsafePointer<T>, into dw: UnsafeMutablePointer<T>
    ) {
        let unfolded = Scratch<T>(count: patch * columns), gradient = Scratch<T>(count: groupOut * columns)
        defer { withExtendedLifetime((unfolded, gradient)) {} }
        for group in 0..<groups {
            unfold(x, group: group, into: unfolded.pointer)
            movePlanes(
                channelMajor: gradient.pointer, nchw: UnsafeMutablePointer(mutating: dy),
                channelOffset: group * groupOut, toNCHW: false)
            // [groupOut × N·plane] · [N·plane × patch] (columns stored [patch × N·plane])
            MatrixProduct.multiply(
                m: groupOut, n: patch, k: columns,
                MatrixOperand(pointer: UnsafePointer(gradient.pointer), leadingDimension: columns),
                MatrixOperand(pointer: UnsafePointer(unfolded.pointer), leadingDimension: columns, isTransposed: true),
                into: dw + group * groupOut * patch, leadingDimension: patch)
        }
    }

    // MARK: Layout moves

    /// Images per parallel chunk so that a chunk moves at least about 16K elements.
    private func imagesPerChunk(_ elementsPerImage: Int) -> Int {
        Swift.max(1, (1 << 14) / Swift.max(elementsPerImage, 1))
    }

    /// im2col of one group's channels of every image, image `n` in columns `n·plane ..< (n+1)·plane`.
    private func unfold(_ x: UnsafePointer<T>, group: Int, into columnMatrix: UnsafeMutablePointer<T>) {
        let imageSize = channels * height * width, columns = self.columns
        Threading.parallelFor(batch, minimumChunk: imagesPerChunk(patch * plane)) { images in
            for n in images {
                Convolution.im2col(
                    x + n * imageSize + group * groupChannels * height * width,
                    channels: groupChannels, height: height, width: width, geometry,
                    into: columnMatrix + n * plane, rowStride: columns)
            }
        }
    }

    /// col2im of the column matrix into one group's channels of every image (added, so `dx` must be
    /// zeroed first); the column matrix is consumed.
    private func fold(_ columnMatrix: UnsafeMutablePointer<T>, group: Int, into dx: UnsafeMutablePointer<T>) {
        let imageSize = channels * height * width, columns = self.columns
        Threading.parallelFor(batch, minimumChunk: imagesPerChunk(patch * plane)) { images in
            for n in images {
                Convolution.col2im(
                    columnMatrix + n * plane, channels: groupChannels, height: height, width: width,
                    geometry, into: dx + n * imageSize + group * groupChannels * height * width,
                    rowStride: columns)
            }
        }
    }

    /// Copies the planes of output channels `channelOffset ..< channelOffset + groupOut` between an
    /// NCHW output-shaped tensor and the channel-major `[groupOut, N·plane]` matrix.
    private func movePlanes(
        channelMajor matrix: UnsafeMutablePointer<T>, nchw: UnsafeMutablePointer<T>,
        channelOffset: Int, toNCHW: Bool
    ) {
        let columns = self.columns, plane = self.plane, groupOut = self.groupOut, outChannels = self.outChannels
        Threading.parallelFor(batch, minimumChunk: imagesPerChunk(groupOut * plane)) { images in
            for n in images {
                for o in 0..<groupOut {
                    let image = nchw + (n * outChannels + channelOffset + o) * plane
                    let row = matrix + o * columns + n * plane
                    if toNCHW { image.update(from: row, count: plane) } else { row.update(from: image, count: plane) }
                }
            }
        }
    }
}

/// A temporary buffer of `count` elements drawn from (and returned to) the ``StoragePool``, so the
/// large scratch matrices of a training loop are reused instead of mapped and faulted in each step.
/// Keep it alive (`withExtendedLifetime`) for as long as `pointer` is used.
struct Scratch<T> {
    private let storage: TensorStorage
    let pointer: UnsafeMutablePointer<T>

    init(count: Int) {
        storage = TensorStorage(byteCount: count * MemoryLayout<T>.stride)
        pointer = storage.bytes.bindMemory(to: T.self, capacity: count)
    }
}
