import Foundation
import Synchronization

/// An n × d embedding matrix of float32 values, row-major.
public struct EmbeddingMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "an n×d matrix needs n·d values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The matrix as little-endian float32 bytes (the `tensor` endpoints' body).
    public var littleEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return out
    }
}

/// Why an embedding's tensor file can't be read.
public struct EmbeddingFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Reads embedding tensors from the two file forms TensorBoard's projector reads: tab-separated
/// text (one row per line) and raw little-endian float32 (`.bytes`, shaped by `tensor_shape`).
public enum EmbeddingFiles {
    /// Reads `path`: raw float32 when it ends in `.bytes`, or when it isn't UTF-8 text and
    /// `shape` accounts for its size; tab-separated text otherwise.
    public static func read(path: String, shape: [Int]) throws(EmbeddingFileError) -> EmbeddingMatrix {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingFileError(description: "tensor file '\((path as NSString).lastPathComponent)' can't be read")
        }
        let bytes = [UInt8](data)
        let binary =
            path.hasSuffix(".bytes")
            || (byteCount(ofShape: shape) == bytes.count && String(validating: bytes, as: UTF8.self) == nil)
        return binary ? try parseBinary(bytes, shape: shape, name: path) : try parseTSV(bytes, name: path)
    }

    /// The bytes of a float32 tensor shaped `[n, d]`; `nil` for another rank, a negative size or
    /// one too large to exist (the shape comes from a config file).
    static func byteCount(ofShape shape: [Int]) -> Int? {
        guard shape.count == 2, shape[0] >= 0, shape[1] >= 0 else { return nil }
        let (elements, overflow) = shape[0].multipliedReportingOverflow(by: shape[1])
        let (bytes, overflow4) = elements.multipliedReportingOverflow(by: 4)
        return overflow || overflow4 ? nil : bytes
    }

    /// Raw little-endian float32 values shaped `[n, d]`.
    public static func parseBinary(_ bytes: [UInt8], shape: [Int], name: String) throws(EmbeddingFileError)
        -> EmbeddingMatrix
    {
        let file = (name as NSString).lastPathComponent
        guard shape.count == 2 else {
            throw EmbeddingFileError(
                description: "binary tensor file '\(file)' needs a 2-D tensor_shape in the config, got \(shape)")
        }
        guard let needed = byteCount(ofShape: shape) else {
            throw EmbeddingFileError(
                description: "binary tensor file '\(file)': tensor_shape \(shape) in the config is not a valid size")
        }
        guard needed == bytes.count else {
            throw EmbeddingFileError(
                description:
                    "binary tensor file '\(file)' has \(bytes.count) bytes; tensor_shape \(shape) needs \(needed)")
        }
        var values = [Float](repeating: 0, count: shape[0] * shape[1])
        bytes.withUnsafeBytes { raw in
            for i in values.indices {
                values[i] = Float(
                    bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
        return EmbeddingMatrix(rows: shape[0], columns: shape[1], values: values)
    }

    /// Tab-separated rows of numbers; empty lines are skipped, as TensorBoard does.
    public static func parseTSV(_ bytes: [UInt8], name: String) throws(EmbeddingFileError) -> EmbeddingMatrix {
        let file = (name as NSString).lastPathComponent
        var values: [Float] = []
        var columns = -1
        var rows = 0
        var line = 0
        var start = 0
        var failure: EmbeddingFileError?
        bytes.withUnsafeBufferPointer { buffer in
            var scratch = [CChar](repeating: 0, count: 64)
            while start < buffer.count {
                line += 1
                var end = start
                while end < buffer.count, buffer[end] != 10 { end += 1 }
                var lineEnd = end
                if lineEnd > start, buffer[lineEnd - 1] == 13 { lineEnd -= 1 }
                defer { start = end + 1 }
                if lineEnd == start { continue }
                var count = 0
                var fieldStart = start
                while fieldStart <= lineEnd {
                    var fieldEnd = fieldStart
                    while fieldEnd < lineEnd, buffer[fieldEnd] != 9 { fieldEnd += 1 }
                    let length = fieldEnd - fieldStart
                    if scratch.count < length + 1 { scratch = [CChar](repeating: 0, count: length + 1) }
                    for k in 0..<length { scratch[k] = CChar(bitPattern: buffer[fieldStart + k]) }
                    scratch[length] = 0
                    let parsed: Float? = scratch.withUnsafeMutableBufferPointer { s -> Float? in
                        guard let base = s.baseAddress else { return nil }
                        var endPointer: UnsafeMutablePointer<CChar>? = nil
                        // Leading/trailing spaces are allowed (Python's float() allows them).
                        let value = strtof(base, &endPointer)
                        guard let endPointer, endPointer != base else { return nil }
                        var rest = endPointer
                        while rest.pointee == 32 { rest += 1 }
                        return rest.pointee == 0 ? value : nil
                    }
                    guard let value = parsed else {
                        let text = String(decoding: buffer[fieldStart..<fieldEnd], as: UTF8.self)
                        failure = EmbeddingFileError(
                            description:
                                "tensor file '\(file)' line \(line), column \(count + 1): '\(text)' is not a number")
                        return
                    }
                    values.append(value)
                    count += 1
                    fieldStart = fieldEnd + 1
                }
                if columns < 0 { columns = count }
                if count != columns {
                    failure = EmbeddingFileError(
                        description:
                            "tensor file '\(file)' line \(line) has \(count) values; the first row has \(columns)")
                    return
                }
                rows += 1
            }
        }
        if let failure { throw failure }
        guard rows > 0 else { throw EmbeddingFileError(description: "tensor file '\(file)' has no rows") }
        return EmbeddingMatrix(rows: rows, columns: columns, values: values)
    }
}

/// The embeddings read so far, by file: a tensor is read once and kept while its file is
/// unchanged (the two most recently used ones), so the projector's endpoints share one reading.
public final class EmbeddingCache: Sendable {
    public static let shared = EmbeddingCache()

    private struct Entry: Sendable {
        var stamp: FileStamp
        var matrix: EmbeddingMatrix
        var lastUse: UInt64
    }
    private let entries = Mutex((clock: UInt64(0), items: [String: Entry]()))
    /// How many matrices are kept.
    public let capacity: Int

    public init(capacity: Int = 2) { self.capacity = capacity }

    /// The matrix of `embedding`'s tensor file, read now if it isn't kept or its file changed.
    public func matrix(for embedding: ProjectorIndex.Embedding) throws(EmbeddingFileError) -> EmbeddingMatrix {
        guard let stamp = FileStamp(path: embedding.tensorPath) else {
            throw EmbeddingFileError(
                description: "tensor file '\((embedding.tensorPath as NSString).lastPathComponent)' does not exist")
        }
        let kept: EmbeddingMatrix? = entries.withLock { state in
            guard let entry = state.items[embedding.tensorPath], entry.stamp == stamp else { return nil }
            state.clock += 1
            state.items[embedding.tensorPath]?.lastUse = state.clock
            return entry.matrix
        }
        if let kept { return kept }
        let matrix = try EmbeddingFiles.read(path: embedding.tensorPath, shape: embedding.declaredShape)
        entries.withLock { state in
            state.clock += 1
            state.items[embedding.tensorPath] = Entry(stamp: stamp, matrix: matrix, lastUse: state.clock)
            while state.items.count > capacity,
                let oldest = state.items.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                state.items[oldest.key] = nil
            }
        }
        return matrix
    }
}
