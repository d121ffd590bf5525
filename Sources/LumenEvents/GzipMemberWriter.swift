import CZlib

/// Compresses bytes into gzip members, one member per ``finishMember()``.
///
/// Concatenated members form one valid multi-member gzip stream (RFC 1952), so a file written
/// member by member is valid up to its last complete member even if the writer is killed.
/// Each member has a gzip header (no file name, modification time 0), deflate data, and the CRC-32
/// and length (ISIZE) trailer.
///
/// The writer owns zlib state: use it from one task at a time.
public final class GzipMemberWriter {
    /// The deflate level, 0 (store) through 9 (smallest).
    public let level: Int

    private let stream: UnsafeMutablePointer<z_stream>
    private var pending: [UInt8] = []
    private var memberHasInput = false
    private static let outputChunkLength = 64 << 10

    /// Creates a writer that deflates at `level`, 0 (store) through 9 (smallest); zlib's default is 6.
    ///
    /// - Throws: ``ZlibError/initializationFailed(code:)``.
    public init(level: Int = 6) throws {
        precondition((0...9).contains(level), "the gzip level is 0 through 9, not \(level)")
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: a 32 KiB window, with a gzip header and trailer instead of zlib's.
        let code = deflateInit2_(
            stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard code == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ZlibError.initializationFailed(code: code)
        }
        self.level = level
        self.stream = stream
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Whether bytes were appended since the last member was finished.
    public var hasUnfinishedMember: Bool { memberHasInput }

    /// Compresses `bytes` into the current member.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        memberHasInput = true
        var consumed = 0
        while consumed < bytes.count {
            let offered = min(bytes.count - consumed, Int(UInt32.max))
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: (base + consumed).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = UInt32(offered)
            try deflateAvailableInput(flush: Z_NO_FLUSH)
            consumed += offered - Int(stream.pointee.avail_in)
        }
        stream.pointee.next_in = nil
    }

    /// Compresses `bytes` into the current member.
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Ends the current member and returns all of its bytes, header to trailer; the next append
    /// starts a new member. Returns no bytes if nothing was appended since the last member.
    public func finishMember() throws -> [UInt8] {
        guard memberHasInput else { return [] }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try deflateAvailableInput(flush: Z_FINISH)
        let code = deflateReset(stream)
        guard code == Z_OK else { throw ZlibError(code: code, stream: stream) }
        memberHasInput = false
        defer { pending = [] }
        return pending
    }

    /// Runs deflate until it has taken all of `avail_in` (and, for `Z_FINISH`, ended the member),
    /// collecting its output in `pending`.
    private func deflateAvailableInput(flush: Int32) throws {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.outputChunkLength) { scratch in
            while true {
                stream.pointee.next_out = scratch.baseAddress
                stream.pointee.avail_out = UInt32(scratch.count)
                let code = deflate(stream, flush)
                let produced = scratch.count - Int(stream.pointee.avail_out)
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<produced]))
                stream.pointee.next_out = nil
                switch code {
                case Z_STREAM_END:
                    return
                case Z_OK, Z_BUF_ERROR:
                    let outputFull = stream.pointee.avail_out == 0
                    if flush == Z_NO_FLUSH, stream.pointee.avail_in == 0, !outputFull { return }
                    if code == Z_BUF_ERROR, !outputFull {
                        throw ZlibError.unexpectedResult(code: code, message: "deflate made no progress")
                    }
                default:
                    throw ZlibError(code: code, stream: stream)
                }
            }
        }
    }
}
