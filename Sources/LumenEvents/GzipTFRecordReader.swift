/// Reads the records of a gzip-compressed TFRecord file, including one still being written.
///
/// The file is a TFRecord stream inside gzip, usually as several concatenated members (one per
/// writer flush). Each call to ``readAvailable(limit:)`` is one pass: it decompresses the bytes the
/// file gained since the previous pass and returns every complete record they finish. A file that
/// ends inside a member or inside a record is not an error: the pass ends with
/// ``TFRecordBatch/End/atRecordBoundary`` or ``TFRecordBatch/End/incompleteRecord`` and the next
/// pass goes on once the file has grown.
///
/// Damaged frames follow the rules of ``TFRecordDecoder``, with offsets into the decompressed
/// stream. Decompressed bytes are never read twice, so a frame with a bad length checksum stays
/// where it is: every later pass ends at it with ``TFRecordBatch/End/corruptLength(offset:)``, and
/// no more compressed bytes are read. Damaged compressed data ends the stream: the pass returns the
/// records decompressed before the damage was detected and ends with
/// ``TFRecordBatch/End/damagedStream(_:)``, as does every later pass. (gzip checks a member's CRC-32
/// only at its end, so damaged bytes may be decompressed first and show up as corrupt records.)
///
/// The reader owns zlib state: use it from one task at a time.
public final class GzipTFRecordReader<Source: ByteSource> {
    /// Where the compressed bytes come from.
    public let source: Source

    /// How many compressed bytes have been read from the source.
    public private(set) var compressedOffset: Int64 = 0

    /// The number of damaged frames found so far.
    public private(set) var corruptRecordCount = 0

    private let gzip: GzipStreamDecoder
    private var decoder: TFRecordDecoder
    private var damage: ZlibError?
    private let chunkLength: Int

    /// Creates a reader of the gzip stream in `source`, from its first byte.
    ///
    /// - Parameters:
    ///   - source: The compressed bytes.
    ///   - maximumDataLength: Records longer than this are reported as corrupt and skipped.
    ///   - chunkLength: How many compressed bytes to read from `source` at a time.
    /// - Throws: ``ZlibError`` if zlib can't set up a stream.
    public init(
        source: Source,
        maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength,
        chunkLength: Int = 64 << 10
    ) throws {
        precondition(chunkLength > 0, "the chunk length must be positive")
        self.source = source
        self.gzip = try GzipStreamDecoder()
        self.decoder = TFRecordDecoder(maximumDataLength: maximumDataLength)
        self.chunkLength = chunkLength
    }

    /// The offset, in the decompressed stream, of the first frame not yet returned.
    public var offset: Int64 { decoder.offset }

    /// Whether every compressed byte read so far belongs to complete gzip members.
    public var isAtMemberBoundary: Bool { gzip.isAtMemberBoundary }

    /// Reads the records available now, from where the previous pass stopped.
    ///
    /// - Parameter limit: The most records to return; the pass ends with
    ///   ``TFRecordBatch/End/limitReached`` when it returns this many.
    /// - Throws: The source's errors, such as ``FileByteSourceError``. Damaged data is reported in
    ///   the batch, never thrown.
    public func readAvailable(limit: Int = .max) throws -> TFRecordBatch {
        let size = try source.size
        return try decoder.readPass(limit: limit, damage: damage, corruptRecordCount: &corruptRecordCount) { decoder in
            let wanted = min(Int64(chunkLength), size - compressedOffset)
            guard wanted > 0 else { return .exhausted }
            let chunk = try source.read(at: compressedOffset, maxLength: Int(wanted))
            guard !chunk.isEmpty else { return .exhausted }
            compressedOffset += Int64(chunk.count)
            var decompressed: [UInt8] = []
            defer { decoder.append(decompressed) }
            do {
                try chunk.withUnsafeBytes { try gzip.decompress($0, appendingTo: &decompressed) }
            } catch let error as ZlibError {
                damage = error
                return .damaged(error)
            }
            return .fed
        }
    }
}

extension GzipTFRecordReader where Source == FileByteSource {
    /// Creates a reader of the gzip-compressed TFRecord file at `path`.
    ///
    /// - Throws: ``FileByteSourceError`` if the file can't be opened, ``ZlibError`` if zlib can't
    ///   set up a stream.
    public convenience init(path: String, maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength) throws {
        try self.init(source: try FileByteSource(path: path), maximumDataLength: maximumDataLength)
    }
}
