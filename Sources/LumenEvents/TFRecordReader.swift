/// Reads the records of a plain (uncompressed) TFRecord file, including one still being written.
///
/// Each call to ``readAvailable(limit:)`` is one pass: it returns every complete record that the
/// source holds now, from where the previous pass stopped. A record cut off at the end of the
/// available bytes is not an error: the pass ends with ``TFRecordBatch/End/incompleteRecord`` and
/// the next pass reads it again from its start, once the file has grown. Damaged frames follow the
/// rules of ``TFRecordDecoder``: a bad data checksum skips the record, a bad length checksum stops
/// the pass at that frame, and the next pass looks at that frame again (reading it afresh from
/// the source, so a torn read of a write in progress can heal) without counting it twice.
public struct TFRecordReader<Source: ByteSource> {
    /// Where the records come from.
    public let source: Source

    /// The number of damaged frames found so far.
    public private(set) var corruptRecordCount = 0

    private var decoder: TFRecordDecoder
    private let chunkLength: Int

    /// Creates a reader of `source` that starts at `offset`, which must be the start of a frame.
    ///
    /// - Parameters:
    ///   - source: The bytes to read.
    ///   - offset: Where the first frame starts; a previous reader's ``offset`` to resume it.
    ///   - maximumDataLength: Records longer than this are reported as corrupt and skipped.
    ///   - chunkLength: How many bytes to read from `source` at a time.
    public init(
        source: Source,
        offset: Int64 = 0,
        maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength,
        chunkLength: Int = 256 << 10
    ) {
        precondition(chunkLength > 0, "the chunk length must be positive")
        self.source = source
        self.decoder = TFRecordDecoder(offset: offset, maximumDataLength: maximumDataLength)
        self.chunkLength = chunkLength
    }

    /// Where the next pass starts reading: the start of the first frame not yet returned.
    public var offset: Int64 { decoder.offset }

    /// Reads the records available now, from where the previous pass stopped.
    ///
    /// - Parameter limit: The most records to return; the pass ends with
    ///   ``TFRecordBatch/End/limitReached`` when it returns this many.
    /// - Throws: The source's errors, such as ``FileByteSourceError``. Damaged data is reported in
    ///   the batch, never thrown.
    public mutating func readAvailable(limit: Int = .max) throws -> TFRecordBatch {
        // Bytes buffered by the previous pass are read again, so that a pass never trusts bytes
        // seen while a writer may have been halfway through writing them.
        decoder.discardBufferedBytes()
        let source = self.source
        let chunkLength = self.chunkLength
        let size = try source.size
        var fedOffset = decoder.offset
        return try decoder.readPass(limit: limit, damage: nil, corruptRecordCount: &corruptRecordCount) { decoder in
            let wanted = min(Int64(chunkLength), size - fedOffset)
            guard wanted > 0 else { return .exhausted }
            let chunk = try source.read(at: fedOffset, maxLength: Int(wanted))
            guard !chunk.isEmpty else { return .exhausted }
            decoder.append(chunk)
            fedOffset += Int64(chunk.count)
            return .fed
        }
    }
}

extension TFRecordReader: Sendable where Source: Sendable {}

extension TFRecordReader where Source == FileByteSource {
    /// Creates a reader of the plain TFRecord file at `path`, starting at `offset`.
    ///
    /// - Throws: ``FileByteSourceError`` if the file can't be opened.
    public init(path: String, offset: Int64 = 0, maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength) throws
    {
        self.init(source: try FileByteSource(path: path), offset: offset, maximumDataLength: maximumDataLength)
    }
}
