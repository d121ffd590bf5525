import LumenEvents

/// Fuzzer-chosen parameters, read from the front of an input; the rest of the input is the payload.
///
/// Reading past the end gives zeros, so every input, however short, is a valid choice of parameters.
public struct FuzzParameters {
    private let bytes: [UInt8]
    private var position = 0

    /// Takes the first `count` bytes of `input` as parameters.
    public init(_ input: [UInt8], count: Int) {
        bytes = Array(input.prefix(count))
    }

    /// The next parameter byte.
    public mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    /// The next two parameter bytes, little-endian.
    public mutating func uint16() -> UInt16 {
        UInt16(byte()) | UInt16(byte()) << 8
    }
}

/// A reproducible sequence of numbers from a seed (SplitMix64), for fuzzer-chosen split points.
public struct SplitMix {
    private var state: UInt64

    /// Creates a sequence from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next number in `1...bound` (`bound` ≥ 1).
    public mutating func next(upTo bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return 1 + Int(z % UInt64(bound))
    }
}

/// In-memory bytes of which only a prefix is visible, like a file still being written.
public final class GrowingByteSource: ByteSource {
    /// Every byte the source will ever hold.
    public let bytes: [UInt8]

    /// How many bytes are visible now.
    public var visible: Int

    /// Creates a source over `bytes` with the first `visible` of them visible.
    public init(_ bytes: [UInt8], visible: Int) {
        self.bytes = bytes
        self.visible = min(visible, bytes.count)
    }

    public var size: Int64 { Int64(visible) }

    public func read(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        check(offset >= 0 && maxLength >= 0, "read(at: \(offset), maxLength: \(maxLength)) out of range")
        guard offset < Int64(visible) else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(visible, start + maxLength)])
    }
}

/// Stops the fuzzer with `message` (a finding) when `condition` is false.
public func check(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #file, line: UInt = #line
) {
    if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}

/// What an independent, one-shot reading of a whole TFRecord stream finds: the specification that
/// the resumable readers are checked against.
public struct ReferenceTFRecords: Equatable {
    public var records: [TFRecord] = []
    public var corruptions: [TFRecordCorruption] = []
    /// Whether the bytes end exactly at a frame boundary (nothing cut off, no stall).
    public var endsAtBoundary = true
    /// The offset of a frame with a bad length checksum, where reading stops.
    public var stalledAt: Int64?

    /// Reads `bytes` by the TFRecord rules of ``TFRecordDecoder``.
    public init(_ bytes: [UInt8], maximumDataLength: Int) {
        var position = 0
        while position < bytes.count {
            guard bytes.count - position >= TFRecordFrame.headerLength else { endsAtBoundary = false; return }
            let length = Self.littleEndian(bytes, position, 8)
            let lengthCRC = UInt32(truncatingIfNeeded: Self.littleEndian(bytes, position + 8, 4))
            let expected = bytes[position..<position + 8].withUnsafeBytes { CRC32C.masked(CRC32C.checksum($0)) }
            guard lengthCRC == expected else {
                corruptions.append(TFRecordCorruption(offset: Int64(position), kind: .lengthChecksumMismatch))
                stalledAt = Int64(position)
                endsAtBoundary = false
                return
            }
            let remaining = UInt64(bytes.count - position - TFRecordFrame.headerLength)
            if length > UInt64(maximumDataLength) {
                corruptions.append(
                    TFRecordCorruption(
                        offset: Int64(position), kind: .lengthExceedsLimit(length: length, limit: maximumDataLength)))
                // The skipped bytes: the data and its checksum.
                guard length <= UInt64.max - 4, length + 4 <= remaining else { endsAtBoundary = false; return }
                position += TFRecordFrame.headerLength + Int(length) + 4
                continue
            }
            guard length + 4 <= remaining else { endsAtBoundary = false; return }
            let dataStart = position + TFRecordFrame.headerLength
            let data = Array(bytes[dataStart..<dataStart + Int(length)])
            let dataCRC = UInt32(truncatingIfNeeded: Self.littleEndian(bytes, dataStart + Int(length), 4))
            if dataCRC == data.withUnsafeBytes({ CRC32C.masked(CRC32C.checksum($0)) }) {
                records.append(TFRecord(offset: Int64(position), data: data))
            } else {
                corruptions.append(TFRecordCorruption(offset: Int64(position), kind: .dataChecksumMismatch))
            }
            position = dataStart + Int(length) + 4
        }
    }

    private static func littleEndian(_ bytes: [UInt8], _ start: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<count).reversed() { value = value << 8 | UInt64(bytes[start + i]) }
        return value
    }
}

/// What a resumable reader returned over all its passes.
public struct ReaderOutcome {
    public var records: [TFRecord] = []
    public var corruptions: [TFRecordCorruption] = []
    public var lastEnd: TFRecordBatch.End = .atRecordBoundary

    public init() {}

    /// Adds one pass's batch.
    public mutating func add(_ batch: TFRecordBatch) {
        records += batch.records
        corruptions += batch.corruptions
        lastEnd = batch.end
    }
}

/// libFuzzer's entry point for programs with a `main` of their own.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments over `test`, which gets each input (a null
/// pointer for an empty one) and returns 0. SwiftPM gives executables a `main` of their own, so
/// the targets start libFuzzer from there instead of using libFuzzer's `main`.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, test)
}

/// The bytes of one fuzzer input.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let data, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: count))
}
