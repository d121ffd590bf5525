import LumenEvents

/// The board's use of LumenEvents' ``TFRecordScanner``: each intact record of a buffer goes
/// straight into the run (decoded in place, without copying), and each frame with a bad data
/// checksum is counted in the run's corrupt records.
enum RecordScanner {
    /// The largest record accepted.
    static let maximumDataLength = TFRecordFrame.defaultMaximumDataLength

    /// Scans the frames of `buffer` into `run` until the buffer ends or at least `limit` bytes are
    /// consumed; see ``TFRecordScanner/scan(_:limit:maximumDataLength:onRecord:onCorruptData:)``.
    @inline(__always)
    static func scan(_ buffer: UnsafeRawBufferPointer, limit: Int = .max, into run: inout RunData)
        -> (consumed: Int, records: Int, stop: TFRecordScanner.Stop)
    {
        TFRecordScanner.scan(
            buffer, limit: limit, maximumDataLength: maximumDataLength,
            onRecord: { run.add(serializedEvent: $0) }, onCorruptData: { run.corruptRecords += 1 })
    }

    /// The frame length announced at the start of `buffer`; see
    /// ``TFRecordScanner/announcedFrameLength(_:maximumDataLength:)``.
    static func announcedFrameLength(_ buffer: UnsafeRawBufferPointer) -> Int? {
        TFRecordScanner.announcedFrameLength(buffer, maximumDataLength: maximumDataLength)
    }
}
