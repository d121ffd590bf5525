import CZlib

/// Decompresses a gzip stream fed in pieces as they arrive, such as a gzip file still being written.
///
/// Pieces may be cut anywhere, including inside a member's header, deflate data or trailer; the
/// decoder returns the bytes it can decompress so far and waits for the rest. Concatenated members
/// (a multi-member stream, as written by ``GzipMemberWriter``) decompress as one stream. Damaged
/// data is thrown as ``ZlibError/damagedData(message:)``, and the decoder stays failed after it.
///
/// The decoder owns zlib state: use it from one task at a time.
public final class GzipStreamDecoder {
    /// The number of members decompressed and checked (CRC-32 and length) so far.
    public private(set) var completedMemberCount = 0

    /// Whether every byte fed so far belongs to complete members.
    public private(set) var isAtMemberBoundary = true

    private let stream: UnsafeMutablePointer<z_stream>
    private var memberEnded = false
    private var failure: ZlibError?
    private static let outputChunkLength = 64 << 10

    /// Creates a decoder.
    ///
    /// - Throws: ``ZlibError/initializationFailed(code:)``.
    public init() throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: gzip members only, with any window size up to 32 KiB.
        let code = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZlibError.initializationFailed(code: code)
        }
        self.stream = stream
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses the next piece of the stream, appending what it yields to `output`.
    ///
    /// - Throws: ``ZlibError`` if the stream is damaged; the bytes decompressed before the damage
    ///   are in `output`. Every later call throws the same error.
    public func decompress(_ input: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws {
        if let failure { throw failure }
        guard let base = input.baseAddress, !input.isEmpty else { return }
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            stream.pointee.next_out = nil
        }
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.outputChunkLength) { scratch in
            var consumed = 0
            while consumed < input.count {
                if memberEnded {
                    // The next bytes start another member.
                    inflateReset(stream)
                    memberEnded = false
                }
                isAtMemberBoundary = false
                let offered = min(input.count - consumed, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(
                    mutating: (base + consumed).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = UInt32(offered)
                var code: Int32
                repeat {
                    stream.pointee.next_out = scratch.baseAddress
                    stream.pointee.avail_out = UInt32(scratch.count)
                    code = inflate(stream, Z_NO_FLUSH)
                    let produced = scratch.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<produced]))
                    if code == Z_STREAM_END || code == Z_BUF_ERROR { break }
                    guard code == Z_OK else {
                        let error = ZlibError(code: code, stream: stream)
                        failure = error
                        throw error
                    }
                } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
                if code == Z_BUF_ERROR, stream.pointee.avail_in > 0 {
                    let error = ZlibError.unexpectedResult(code: code, message: "inflate made no progress")
                    failure = error
                    throw error
                }
                consumed += offered - Int(stream.pointee.avail_in)
                if code == Z_STREAM_END {
                    completedMemberCount += 1
                    memberEnded = true
                    isAtMemberBoundary = true
                }
            }
        }
    }

    /// Decompresses the next piece of the stream and returns what it yields.
    ///
    /// - Throws: ``ZlibError`` if the stream is damaged.
    public func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        try input.withUnsafeBytes { try decompress($0, appendingTo: &output) }
        return output
    }
}
