/// What one reading pass over a TFRecord stream found.
public struct TFRecordBatch: Sendable, Equatable {
    /// Why a pass ended.
    public enum End: Sendable, Equatable {
        /// Every available byte was read, and the bytes end at a record boundary.
        case atRecordBoundary
        /// The available bytes end inside a record. Not an error: a later pass finishes the record
        /// once the file has grown.
        case incompleteRecord
        /// The pass returned as many records as it was asked for; more may be available now.
        case limitReached
        /// The pass stopped at a frame whose length checksum does not match, at this offset.
        /// The next pass looks at the same offset again; see ``TFRecordDecoder`` for the rule.
        case corruptLength(offset: Int64)
        /// The compressed stream is damaged; nothing after the damage can be read.
        case damagedStream(ZlibError)
    }

    /// The complete, intact records, in stream order.
    public var records: [TFRecord]

    /// The damaged frames found in this pass, in stream order. Each damaged frame is reported once.
    public var corruptions: [TFRecordCorruption]

    /// Why the pass ended.
    public var end: End

    /// Creates a batch.
    public init(records: [TFRecord] = [], corruptions: [TFRecordCorruption] = [], end: End = .atRecordBoundary) {
        self.records = records
        self.corruptions = corruptions
        self.end = end
    }
}
