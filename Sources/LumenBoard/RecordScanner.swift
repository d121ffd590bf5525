import CLumenCRC32C
import LumenEvents

/// Splits TFRecord frames out of a buffer in place and hands each intact record's bytes to the
/// run, without copying them. The rules are those of LumenEvents' `TFRecordDecoder`: a frame whose
/// data checksum fails is skipped and counted; a frame announcing more than the limit (with a
/// valid length checksum) is skipped and counted; a frame whose length checksum fails can't be
/// skipped (its length is unknown), so scanning stops there, reported once.
enum RecordScanner {
    /// Why a scan stopped.
    enum Stop: Equatable {
        /// The buffer ends inside a frame (or at its end): feed more bytes from `consumed`.
        case needsMoreBytes
        /// The frame at `consumed` has a bad length checksum.
        case corruptLength
        /// The frame at `consumed` announces more than the limit: skip `bytes` bytes (its whole
        /// frame), counted as one corrupt record.
        case skip(bytes: UInt64)
    }

    /// Whether the CPU's CRC-32C instruction is used.
    static let hardwareChecksum = lumen_crc32c_has_hardware() != 0

    /// The CRC-32C of `bytes`: with the CPU's instruction where there is one (a small C target,
    /// since Swift can't reach it), else LumenEvents' table-driven ``CRC32C/checksum(_:seed:)``.
    @inline(__always)
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard hardwareChecksum, let base = bytes.baseAddress else { return CRC32C.checksum(bytes) }
        return lumen_crc32c_hardware(0, base, bytes.count)
    }

    /// The largest record accepted.
    static let maximumDataLength = TFRecordFrame.defaultMaximumDataLength

    /// Scans the frames of `buffer`, adding each intact record to `run` and counting data checksum
    /// failures in it, until the buffer ends or at least `limit` bytes are consumed. Returns how
    /// many bytes were consumed (whole frames), how many records were added and why the scan
    /// stopped (`needsMoreBytes` also when the limit was reached).
    static func scan(_ buffer: UnsafeRawBufferPointer, limit: Int = .max, into run: inout RunData)
        -> (consumed: Int, records: Int, stop: Stop)
    {
        guard let base = buffer.baseAddress else { return (0, 0, .needsMoreBytes) }
        let count = buffer.count
        var position = 0
        var records = 0
        while count - position >= TFRecordFrame.headerLength, position < limit {
            let header = base + position
            let length = UInt64(littleEndian: header.loadUnaligned(as: UInt64.self))
            let lengthCRC = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            guard CRC32C.masked(checksum(UnsafeRawBufferPointer(start: header, count: 8))) == lengthCRC else {
                return (position, records, .corruptLength)
            }
            guard length <= UInt64(maximumDataLength) else {
                return (position, records, .skip(bytes: length + UInt64(TFRecordFrame.headerLength + TFRecordFrame.footerLength)))
            }
            let frame = TFRecordFrame.frameLength(dataLength: Int(length))
            guard count - position >= frame else { break }
            let data = UnsafeRawBufferPointer(start: header + TFRecordFrame.headerLength, count: Int(length))
            let dataCRC = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: TFRecordFrame.headerLength + Int(length), as: UInt32.self))
            if CRC32C.masked(checksum(data)) == dataCRC {
                run.add(serializedEvent: data)
                records += 1
            } else {
                run.corruptRecords += 1
            }
            position += frame
        }
        return (position, records, .needsMoreBytes)
    }

    /// The frame length announced at the start of `buffer` (which holds at least a header), or
    /// `nil` if fewer than a header's bytes are there.
    static func announcedFrameLength(_ buffer: UnsafeRawBufferPointer) -> Int? {
        guard buffer.count >= TFRecordFrame.headerLength, let base = buffer.baseAddress else { return nil }
        let length = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(maximumDataLength) else { return nil }
        return TFRecordFrame.frameLength(dataLength: Int(length))
    }
}
