import COpenBLAS
import Foundation
import Lumen

/// The tensor-core figures of issue 2, each against a reference measured in this process.
enum CoreBenchmarks {
    static func runAll(tinyOpReferenceNanoseconds: Double?) {
        matmul(m: 1024, n: 1024, k: 1024, name: "matmul-1024", aim: ">=0.95")
        matmul(m: 64, n: 64, k: 64, name: "matmul-64", aim: ">=0.8")
        // A 784→256 layer's forward pass over a batch of 64, and its weight gradient: products with a
        // small dimension, which go to the unpacked kernel (MatrixProduct.Unpacked).
        matmul(m: 64, n: 256, k: 784, name: "matmul-64x784x256", aim: ">=0.95")
        matmul(m: 784, n: 256, k: 64, transposeA: true, name: "matmul-784x64x256-transposed", aim: ">=0.95")
        elementwiseAdd()
        fullSum()
        convolution()
        tinyOp(referenceNanoseconds: tinyOpReferenceNanoseconds)
    }

    /// Our float32 matmul (`[m, k] · [k, n]`, or `[k, m]ᵀ · [k, n]` when `transposeA`) against calling
    /// `cblas_sgemm` directly on preallocated buffers, with OpenBLAS's threads.
    static func matmul(m: Int, n: Int, k: Int, transposeA: Bool = false, name: String, aim: String) {
        var generator = RandomGenerator(seed: 1)
        let a = Tensor.uniform(transposeA ? [k, m] : [m, k], using: &generator)
        let b = Tensor.uniform([k, n], using: &generator)
        let pa = a.scalars(as: Float.self), pb = b.scalars(as: Float.self)
        var pc = [Float](repeating: 0, count: m * n)
        let (ours, reference) = Measure.compare(
            ours: {
                _ = a.matmul(b, transposeSelf: transposeA)
            },
            reference: {
                cblas_sgemm(
                    CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1,
                    pa, Int32(transposeA ? m : k), pb, Int32(n), 0, &pc, Int32(n))
            })
        let flops = 2 * Double(m * n * k)
        report(
            name, ours: format(flops / ours / 1e9, " GFLOP/s"), reference: format(flops / reference / 1e9, " GFLOP/s"),
            ratio: reference / ours, aim: aim)
    }

    /// memcpy of a 64 MB buffer: its traffic (bytes read plus written per second) is the yardstick
    /// for the memory-bound figures.
    static func memcpyTraffic(bytes: Int) -> (seconds: Double, traffic: Double) {
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { source.deallocate(); destination.deallocate() }
        memset(source, 1, bytes)
        memset(destination, 0, bytes)
        let seconds = Measure.secondsPerIteration(iterations: 5) { opaqueCopy(destination, source, bytes) }
        return (seconds, 2 * Double(bytes) / seconds)
    }

    static func elementwiseAdd() {
        let count = 16 << 20
        var generator = RandomGenerator(seed: 2)
        let a = Tensor.uniform([count], using: &generator), b = Tensor.uniform([count], using: &generator)
        let bytes = count * 4
        var ours = 0.0, reference = 0.0
        var oursSamples: [Double] = [], referenceSamples: [Double] = []
        for _ in 0..<5 {
            oursSamples.append(Measure.secondsPerIteration(runs: 1, iterations: 5) { _ = a + b })
            referenceSamples.append(memcpyTraffic(bytes: bytes).traffic)
        }
        oursSamples.sort(); referenceSamples.sort()
        ours = 3 * Double(bytes) / oursSamples[2]
        reference = referenceSamples[2]
        report(
            "add-16M", ours: format(ours / 1e9, " GB/s"), reference: format(reference / 1e9, " GB/s (memcpy)"),
            ratio: ours / reference, aim: ">=0.7")
    }

    static func fullSum() {
        let count = 16 << 20
        var generator = RandomGenerator(seed: 3)
        let a = Tensor.uniform([count], using: &generator)
        let bytes = count * 4
        var oursSamples: [Double] = [], referenceSamples: [Double] = []
        for _ in 0..<5 {
            oursSamples.append(Measure.secondsPerIteration(runs: 1, iterations: 10) { _ = a.sum() })
            referenceSamples.append(memcpyTraffic(bytes: bytes).traffic)
        }
        oursSamples.sort(); referenceSamples.sort()
        let ours = Double(bytes) / oursSamples[2], reference = referenceSamples[2]
        report(
            "sum-16M", ours: format(ours / 1e9, " GB/s"), reference: format(reference / 1e9, " GB/s (memcpy)"),
            ratio: ours / reference, aim: ">=0.7")
    }

    /// Batch 32, 16→32 channels, 28×28, 3×3, stride 1, same padding, against one sgemm on the
    /// batch's im2col matrix alone ([32 × 144] · [144 × 32·784]).
    static func convolution() {
        var generator = RandomGenerator(seed: 4)
        let x = Tensor.uniform([32, 16, 28, 28], using: &generator)
        let w = Tensor.uniform([32, 16, 3, 3], using: &generator)
        let m = 32, k = 16 * 9, n = 32 * 28 * 28
        let weights = w.scalars(as: Float.self)
        let columns = [Float](repeating: 0.5, count: k * n)
        var output = [Float](repeating: 0, count: m * n)
        let (ours, reference) = Measure.compare(
            ours: {
                _ = conv2d(x, w, padding: .same)
            },
            reference: {
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                    weights, Int32(k), columns, Int32(n), 0, &output, Int32(n))
            })
        report(
            "conv2d", ours: format(ours * 1e3, " ms"), reference: format(reference * 1e3, " ms (sgemm on im2col)"),
            ratio: reference / ours, aim: ">=0.7")
    }

    /// Adding two 4-element tensors: the per-op overhead.
    static func tinyOp(referenceNanoseconds: Double?) {
        let a = Tensor([1, 2, 3, 4] as [Float]), b = Tensor([5, 6, 7, 8] as [Float])
        var sink = 0
        let seconds = Measure.secondsPerIteration(iterations: 1_000_000) {
            let c = a + b
            sink &+= c.count
        }
        let ours = seconds * 1e9
        if let referenceNanoseconds {
            report(
                "tiny-op", ours: format(ours, " ns", digits: 0),
                reference: format(referenceNanoseconds, " ns (PyTorch eager)", digits: 0),
                ratio: referenceNanoseconds / ours, aim: "<=300 ns")
        } else {
            print(
                "tiny-op: ours=\(format(ours, " ns", digits: 0)) ref=unmeasured (PyTorch not installed; bench/run measures it) aim=<=300 ns"
            )
        }
        if sink == 42 { print("") }
    }
}

/// memcpy behind a call the optimizer cannot see through, so repeated identical copies are not
/// merged into one.
@inline(never) @_optimize(none)
func opaqueCopy(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ count: Int) {
    memcpy(destination, source, count)
}
