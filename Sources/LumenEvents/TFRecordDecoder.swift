/// Splits a TFRecord byte stream, fed in pieces of any size, into records, frame by frame with
/// ``TFRecordScanner``.
///
/// Feed bytes with `append(_:)` and call ``next()`` until it returns
/// ``Step/needsMoreBytes`` or ``Step/stalled(offset:)``. A frame cut anywhere simply waits for
/// the rest of its bytes.
///
/// Damaged frames are reported once each, as ``Step/corruption(_:)``, by these rules:
/// - **Data checksum mismatch:** the length is trustworthy, so the record is skipped and decoding
///   goes on with the next frame.
/// - **Length above ``maximumDataLength``** (with a valid length checksum): the record is skipped
///   without being buffered, its bytes discarded as they arrive; decoding goes on after it.
/// - **Length checksum mismatch:** the length can't be trusted, so the next frame can't be found.
///   Decoding stops at that frame: every later ``next()`` returns ``Step/stalled(offset:)`` and the
///   frame is not reported again. A reader of a file still being written may drop the buffered
///   bytes with ``discardBufferedBytes()`` and feed them again from ``offset``: if the header now
///   checks out (a torn read of a write in progress has healed), decoding resumes; if it is still
///   bad, decoding stays stalled without a second report.
public struct TFRecordDecoder: Sendable {
    /// The outcome of one ``TFRecordDecoder/next()`` call.
    public enum Step: Sendable, Equatable {
        /// An intact record.
        case record(TFRecord)
        /// A damaged frame, reported once.
        case corruption(TFRecordCorruption)
        /// The buffered bytes hold no further complete frame: append more.
        case needsMoreBytes
        /// Decoding is stopped at a frame, at this offset, whose length checksum does not match.
        case stalled(offset: Int64)
    }

    /// The largest data length accepted; longer records are reported and skipped.
    public let maximumDataLength: Int

    /// The stream offset of the first byte not yet consumed: the start of the next frame, except
    /// while an over-long record is being skipped.
    public private(set) var offset: Int64

    private var buffer: [UInt8] = []
    /// Index in `buffer` of the byte at `offset`.
    private var start = 0
    /// Bytes of an over-long record still to be discarded.
    private var bytesToDiscard: UInt64 = 0
    /// The offset of the last frame reported for a length checksum mismatch.
    private var reportedLengthMismatchOffset: Int64?

    /// Creates a decoder for a stream whose first byte fed will be at `offset`.
    public init(offset: Int64 = 0, maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength) {
        precondition(offset >= 0, "a stream offset is never negative")
        precondition(maximumDataLength >= 0, "the maximum data length is never negative")
        self.offset = offset
        self.maximumDataLength = maximumDataLength
    }

    /// The number of bytes fed but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Whether decoding is between frames: nothing is buffered and no record is being skipped.
    public var isAtRecordBoundary: Bool { bufferedByteCount == 0 && bytesToDiscard == 0 }

    /// Feeds the next bytes of the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Feeds the next bytes of the stream.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Drops the buffered bytes, keeping ``offset``, so that they can be fed again from there.
    public mutating func discardBufferedBytes() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Decodes the next frame from the buffered bytes.
    public mutating func next() -> Step {
        if bytesToDiscard > 0 {
            let discarded = min(bytesToDiscard, UInt64(bufferedByteCount))
            consume(Int(discarded))
            bytesToDiscard -= discarded
            if bytesToDiscard > 0 { return .needsMoreBytes }
        }
        let frameOffset = offset
        let frame = buffer.withUnsafeBytes {
            TFRecordScanner.frame(
                at: UnsafeRawBufferPointer(rebasing: $0[start...]), maximumDataLength: maximumDataLength)
        }
        switch frame {
        case .incomplete:
            return .needsMoreBytes
        case .corruptLength:
            if reportedLengthMismatchOffset == frameOffset { return .stalled(offset: frameOffset) }
            reportedLengthMismatchOffset = frameOffset
            return .corruption(TFRecordCorruption(offset: frameOffset, kind: .lengthChecksumMismatch))
        case .tooLong(let dataLength):
            consume(TFRecordFrame.headerLength)
            let (remaining, overflow) = dataLength.addingReportingOverflow(UInt64(TFRecordFrame.footerLength))
            bytesToDiscard = overflow ? .max : remaining
            return .corruption(
                TFRecordCorruption(
                    offset: frameOffset, kind: .lengthExceedsLimit(length: dataLength, limit: maximumDataLength)))
        case .record(let dataLength, let frameLength):
            let dataStart = start + TFRecordFrame.headerLength
            let record = TFRecord(offset: frameOffset, data: Array(buffer[dataStart..<dataStart + dataLength]))
            consume(frameLength)
            return .record(record)
        case .corruptData(let frameLength):
            consume(frameLength)
            return .corruption(TFRecordCorruption(offset: frameOffset, kind: .dataChecksumMismatch))
        }
    }

    private mutating func consume(_ count: Int) {
        start += count
        offset += Int64(count)
    }

    /// Moves the unconsumed bytes to the front once at least half of the buffer is consumed, so
    /// each byte is moved at most a bounded number of times.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 0, start >= buffer.count - start {
            buffer.removeSubrange(0..<start)
            start = 0
        }
    }
}

/// What a reader did when its ``TFRecordDecoder`` needed more bytes.
enum TFRecordFeedResult {
    /// More bytes were appended.
    case fed
    /// No more bytes are available now.
    case exhausted
    /// The bytes underneath are damaged; nothing more will come.
    case damaged(ZlibError)
}

extension TFRecordDecoder {
    /// Runs one reading pass for a reader: decodes frames, calling `feed` whenever the decoder
    /// needs more bytes, until `limit` records, a stall, or the end of the available bytes.
    ///
    /// - Parameters:
    ///   - limit: The most records to return.
    ///   - damage: Damage already found underneath, reported once the decoder runs dry.
    ///   - corruptRecordCount: Incremented once for each damaged frame found.
    ///   - feed: Appends more bytes to the decoder it is given, or says why it can't.
    mutating func readPass(
        limit: Int,
        damage: ZlibError?,
        corruptRecordCount: inout Int,
        feed: (inout TFRecordDecoder) throws -> TFRecordFeedResult
    ) rethrows -> TFRecordBatch {
        precondition(limit > 0, "a pass returns at least one record")
        var damage = damage
        var batch = TFRecordBatch()
        while true {
            switch next() {
            case let .record(record):
                batch.records.append(record)
                if batch.records.count >= limit {
                    batch.end = .limitReached
                    return batch
                }
            case let .corruption(corruption):
                batch.corruptions.append(corruption)
                corruptRecordCount += 1
            case let .stalled(offset):
                // Damage found further on is the likelier cause, and also permanent.
                batch.end = damage.map { .damagedStream($0) } ?? .corruptLength(offset: offset)
                return batch
            case .needsMoreBytes:
                if let damage {
                    batch.end = .damagedStream(damage)
                    return batch
                }
                switch try feed(&self) {
                case .fed:
                    continue
                case .exhausted:
                    batch.end = isAtRecordBoundary ? .atRecordBoundary : .incompleteRecord
                    return batch
                case let .damaged(error):
                    // Decode what arrived before the damage; report it when the bytes run out.
                    damage = error
                }
            }
        }
    }
}
