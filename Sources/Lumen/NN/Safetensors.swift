import Foundation

/// Reading and writing the safetensors format (Hugging Face's `safetensors`).
///
/// A file is an 8-byte little-endian header length N, N bytes of a JSON object mapping each tensor
/// name to its `dtype` (`F32`, `F64`, `I32`, `I64`, `U8`, `BOOL`), `shape` and `data_offsets`
/// (begin and end, relative to the data section) plus an optional `__metadata__` object of strings,
/// padded with spaces to a multiple of 8 bytes, then the tensors' raw little-endian bytes.
///
/// ```swift
/// try Safetensors.write(["weight": w, "bias": b], to: url)
/// let tensors = try Safetensors.read(from: url)
/// ```
///
/// Reading also accepts `F16` and `BF16` tensors, converted to `float32`.
public enum Safetensors {
    /// Writes `tensors` (and `metadata`, if any) to `url`, replacing it atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to url: URL) throws {
        try encode(tensors, metadata: metadata).write(to: url, options: .atomic)
    }

    /// The tensors stored at `url`, by name.
    public static func read(from url: URL) throws -> [String: Tensor] {
        try decode(Data(contentsOf: url, options: .mappedIfSafe)).tensors
    }

    /// The `__metadata__` strings stored at `url` (empty when there are none).
    public static func readMetadata(from url: URL) throws -> [String: String] {
        try decode(Data(contentsOf: url, options: .mappedIfSafe)).metadata
    }

    /// The safetensors bytes of `tensors` and `metadata`. Header keys are sorted; the data is laid out
    /// by decreasing element size, then by name, so every tensor is aligned to its element size.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String]? = nil) throws -> Data {
        if tensors["__metadata__"] != nil { throw SafetensorsError.reservedName("__metadata__") }
        let layout = tensors.sorted { a, b in
            a.value.dtype.byteSize != b.value.dtype.byteSize
                ? a.value.dtype.byteSize > b.value.dtype.byteSize : a.key < b.key
        }
        var offsets: [String: (Int, Int)] = [:]
        var position = 0
        for (name, tensor) in layout {
            offsets[name] = (position, position + tensor.byteCount)
            position += tensor.byteCount
        }
        var header = "{"
        var fields: [String] = []
        if let metadata {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(entries.joined(separator: ","))}")
        }
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!, (begin, end) = offsets[name]!
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(jsonString(name)):{\"dtype\":\"\(fileDType(tensor.dtype))\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(end)]}"
            )
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8))

        var data = Data(capacity: 8 + headerBytes.count + position)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for (_, tensor) in layout where tensor.byteCount > 0 {
            // Lumen runs on little-endian hosts only, so the storage is already in file order.
            data.append(
                UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount).bindMemory(to: UInt8.self))
        }
        return data
    }

    /// The tensors and metadata in safetensors `data`.
    public static func decode(_ data: Data) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else {
            throw SafetensorsError.truncated("\(data.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        }
        guard headerLength <= 100_000_000 else {
            throw SafetensorsError.invalidHeader("header length \(headerLength) exceeds 100 MB")
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= data.count else {
            throw SafetensorsError.truncated(
                "the header is \(headerLength) bytes but only \(data.count - 8) follow the length")
        }
        let base = data.startIndex
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data[(base + 8)..<(base + dataStart)])
        } catch let error as SafetensorsError {
            throw error
        } catch {
            throw SafetensorsError.invalidHeader("\(error)")
        }
        let dataCount = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, entry) in header.entries {
            guard let (fileType, dtype) = lumenDType(entry.dtype) else {
                throw SafetensorsError.unsupportedDType(name: name, dtype: entry.dtype)
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError.invalidTensor(name: name, reason: "negative dimension in shape \(entry.shape)")
            }
            guard entry.dataOffsets.count == 2, entry.dataOffsets[0] >= 0, entry.dataOffsets[0] <= entry.dataOffsets[1]
            else {
                throw SafetensorsError.invalidTensor(
                    name: name, reason: "data_offsets must be [begin, end] with begin ≤ end, got \(entry.dataOffsets)")
            }
            let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
            guard end <= dataCount else {
                throw SafetensorsError.truncated(
                    "tensor \(name) ends at byte \(end) of a \(dataCount)-byte data section")
            }
            var elements = 1
            for dimension in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw SafetensorsError.invalidTensor(name: name, reason: "shape \(entry.shape) is too large")
                }
                elements = product
            }
            guard elements.multipliedReportingOverflow(by: fileType.byteSize) == (end - begin, false) else {
                throw SafetensorsError.invalidTensor(
                    name: name,
                    reason:
                        "\(end - begin) bytes cannot hold shape \(entry.shape) of \(entry.dtype) (\(elements) × \(fileType.byteSize) bytes)"
                )
            }
            tensors[name] = data.withUnsafeBytes { raw in
                makeTensor(
                    UnsafeRawBufferPointer(rebasing: raw[(dataStart + begin)..<(dataStart + end)]),
                    fileType: fileType, dtype: dtype, shape: entry.shape)
            }
        }
        return (tensors, header.metadata)
    }

    // MARK: Types

    /// Element types as stored in a file.
    private enum FileType {
        case native(DType), float16, bfloat16

        var byteSize: Int {
            switch self {
            case .native(let dtype): dtype.byteSize
            case .float16, .bfloat16: 2
            }
        }
    }

    private static func fileDType(_ dtype: DType) -> String {
        switch dtype {
        case .float32: "F32"
        case .float64: "F64"
        case .int32: "I32"
        case .int64: "I64"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    private static func lumenDType(_ name: String) -> (FileType, DType)? {
        switch name {
        case "F32": (.native(.float32), .float32)
        case "F64": (.native(.float64), .float64)
        case "I32": (.native(.int32), .int32)
        case "I64": (.native(.int64), .int64)
        case "U8": (.native(.uint8), .uint8)
        case "BOOL": (.native(.bool), .bool)
        case "F16": (.float16, .float32)
        case "BF16": (.bfloat16, .float32)
        default: nil
        }
    }

    private static func makeTensor(_ bytes: UnsafeRawBufferPointer, fileType: FileType, dtype: DType, shape: [Int])
        -> Tensor
    {
        let tensor = Tensor(uninitializedShape: shape, dtype: dtype)
        let count = tensor.count
        guard count > 0 else { return tensor }
        switch fileType {
        case .native(.bool):
            let out = tensor.storage.bytes.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { out[i] = bytes[i] == 0 ? 0 : 1 }  // any non-zero byte is true
        case .native:
            tensor.storage.bytes.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        case .float16, .bfloat16:
            let out = tensor.storage.bytes.assumingMemoryBound(to: Float.self)
            for i in 0..<count {
                let half = UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8
                if case .bfloat16 = fileType {
                    out[i] = Float(bitPattern: UInt32(half) << 16)
                } else {
                    out[i] = floatFromHalf(half)
                }
            }
        }
        return tensor
    }

    /// The IEEE binary16 value with bit pattern `bits`.
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let negative = bits & 0x8000 != 0
        let exponent = Int((bits >> 10) & 0x1F), mantissa = UInt32(bits & 0x3FF)
        let magnitude: Float
        switch exponent {
        case 0: magnitude = Float(mantissa) * 0x1p-24
        case 31: magnitude = mantissa == 0 ? .infinity : .nan
        default: magnitude = Float(bitPattern: UInt32(exponent + 112) << 23 | mantissa << 13)
        }
        return negative ? -magnitude : magnitude
    }

    // MARK: Header

    private struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    private struct Header: Decodable {
        var entries: [(String, Entry)] = []
        var metadata: [String: String] = [:]

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    if try !container.decodeNil(forKey: key) {
                        metadata = try container.decode([String: String].self, forKey: key)
                    }
                } else {
                    entries.append((key.stringValue, try container.decode(Entry.self, forKey: key)))
                }
            }
        }
    }

    /// `string` as a JSON string literal.
    private static func jsonString(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
