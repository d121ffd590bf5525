/// The one place TFRecord frames are recognized: in place, in a buffer of bytes, without copying.
///
/// ``frame(at:maximumDataLength:)`` classifies the frame at the start of a buffer; ``scan(_:limit:maximumDataLength:onRecord:onCorruptData:)``
/// walks a buffer frame by frame and hands each intact record's bytes to its caller. Both checksums
/// go through ``CRC32C`` (the CPU's instruction where there is one). ``TFRecordDecoder`` (and so
/// every reader) and the board's loader are built on them, so they all follow the same rules:
///
/// - a frame whose **data checksum** fails is skipped (its length is trustworthy) and reported;
/// - a frame announcing more than the limit (with a valid length checksum) is skipped whole and
///   reported, without buffering it;
/// - a frame whose **length checksum** fails can't be skipped (its length is unknown): scanning
///   stops there.
public enum TFRecordScanner {
    /// The frame at the start of a buffer.
    public enum Frame: Equatable, Sendable {
        /// Fewer bytes than the whole frame (or its header) are there yet.
        case incomplete
        /// The header's length checksum does not match.
        case corruptLength
        /// The header announces `dataLength` bytes, more than the limit; the whole frame is
        /// ``TFRecordFrame/frameLength(dataLength:)`` of it (which may not fit an `Int`).
        case tooLong(dataLength: UInt64)
        /// An intact record: its data starts ``TFRecordFrame/headerLength`` bytes in; the frame is
        /// `frameLength` bytes.
        case record(dataLength: Int, frameLength: Int)
        /// A frame of `frameLength` bytes whose data checksum does not match.
        case corruptData(frameLength: Int)
    }

    /// Why a scan stopped.
    public enum Stop: Equatable, Sendable {
        /// The buffer ends inside a frame (or at its end), or the limit was reached: feed more
        /// bytes from `consumed`.
        case needsMoreBytes
        /// The frame at `consumed` has a bad length checksum.
        case corruptLength
        /// The frame at `consumed` announces more than the limit: skip `bytes` bytes (its whole
        /// frame), counted as one corrupt record.
        case skip(bytes: UInt64)
    }

    /// Classifies the frame at the start of `buffer`.
    @inlinable
    public static func frame(at buffer: UnsafeRawBufferPointer, maximumDataLength: Int) -> Frame {
        guard buffer.count >= TFRecordFrame.headerLength, let header = buffer.baseAddress else { return .incomplete }
        let length = UInt64(littleEndian: header.loadUnaligned(as: UInt64.self))
        let lengthCRC = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        // A whole frame of an accepted length in the buffer: both checksums in one call.
        if length <= UInt64(maximumDataLength) {
            let dataLength = Int(length)
            let frameLength = TFRecordFrame.frameLength(dataLength: dataLength)
            if buffer.count >= frameLength {
                let sums = CRC32C.frameChecksums(header, dataLength: dataLength)
                guard CRC32C.masked(sums.length) == lengthCRC else { return .corruptLength }
                let dataCRC = UInt32(
                    littleEndian: header.loadUnaligned(
                        fromByteOffset: TFRecordFrame.headerLength + dataLength, as: UInt32.self))
                guard CRC32C.masked(sums.data) == dataCRC else { return .corruptData(frameLength: frameLength) }
                return .record(dataLength: dataLength, frameLength: frameLength)
            }
        }
        guard CRC32C.masked(CRC32C.checksum(UnsafeRawBufferPointer(start: header, count: 8))) == lengthCRC else {
            return .corruptLength
        }
        // Otherwise the length is checked alone: the frame is too long or not all here yet.
        guard length <= UInt64(maximumDataLength) else { return .tooLong(dataLength: length) }
        return .incomplete
    }

    /// Scans the frames of `buffer` until it ends, a frame can't be passed, or at least `limit`
    /// bytes are consumed: calls `onRecord` with each intact record's bytes (valid only during the
    /// call) and `onCorruptData` for each frame whose data checksum fails. Returns how many bytes
    /// were consumed (whole frames), how many records were handed over, and why the scan stopped.
    @inlinable
    public static func scan(
        _ buffer: UnsafeRawBufferPointer, limit: Int = .max,
        maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength,
        onRecord: (UnsafeRawBufferPointer) -> Void, onCorruptData: () -> Void
    ) -> (consumed: Int, records: Int, stop: Stop) {
        guard let base = buffer.baseAddress else { return (0, 0, .needsMoreBytes) }
        var position = 0
        var records = 0
        while position < limit {
            let rest = UnsafeRawBufferPointer(start: base + position, count: buffer.count - position)
            switch frame(at: rest, maximumDataLength: maximumDataLength) {
            case .incomplete:
                return (position, records, .needsMoreBytes)
            case .corruptLength:
                return (position, records, .corruptLength)
            case .tooLong(let dataLength):
                let (frame, overflow) = dataLength.addingReportingOverflow(
                    UInt64(TFRecordFrame.headerLength + TFRecordFrame.footerLength))
                return (position, records, .skip(bytes: overflow ? .max : frame))
            case .record(let dataLength, let frameLength):
                onRecord(UnsafeRawBufferPointer(start: base + position + TFRecordFrame.headerLength, count: dataLength))
                records += 1
                position += frameLength
            case .corruptData(let frameLength):
                onCorruptData()
                position += frameLength
            }
        }
        return (position, records, .needsMoreBytes)
    }

    /// The length of the frame that starts `buffer` as its header announces it (the length checksum
    /// is not checked), or `nil` if the header is incomplete or announces more than the limit.
    @inlinable
    public static func announcedFrameLength(
        _ buffer: UnsafeRawBufferPointer, maximumDataLength: Int = TFRecordFrame.defaultMaximumDataLength
    ) -> Int? {
        guard buffer.count >= TFRecordFrame.headerLength, let base = buffer.baseAddress else { return nil }
        let length = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(maximumDataLength) else { return nil }
        return TFRecordFrame.frameLength(dataLength: Int(length))
    }
}
