import LumenEvents

/// A growing file scripted by a test: the test appends or replaces bytes between reading passes.
final class ScriptedByteSource: ByteSource {
    var bytes: [UInt8]
    private(set) var readCount = 0

    init(_ bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    var size: Int64 { Int64(bytes.count) }

    func read(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        readCount += 1
        let start = min(Int(offset), bytes.count)
        let end = min(start + maxLength, bytes.count)
        return Array(bytes[start..<end])
    }
}
