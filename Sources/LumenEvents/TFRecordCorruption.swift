/// A record that a reader could not return because its frame is damaged.
public struct TFRecordCorruption: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with a frame.
    public enum Kind: Sendable, Hashable {
        /// The header's length checksum does not match its length. The length can't be trusted, so
        /// nothing after this point can be framed; the reader stops here (see ``TFRecordDecoder``).
        case lengthChecksumMismatch
        /// The data's checksum does not match. The record is skipped; reading goes on after it.
        case dataChecksumMismatch
        /// The header announces more data than the reader's limit. The length checksum is valid, so
        /// the record is skipped without being buffered and reading goes on after it.
        case lengthExceedsLimit(length: UInt64, limit: Int)
    }

    /// Where the damaged frame starts (a file offset, or an offset into the decompressed stream).
    public var offset: Int64

    /// What is wrong with the frame.
    public var kind: Kind

    /// Creates a report of a `kind` problem in the frame at `offset`.
    public init(offset: Int64, kind: Kind) {
        self.offset = offset
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .lengthChecksumMismatch:
            "corrupt TFRecord at offset \(offset): the length checksum does not match; stopped there"
        case .dataChecksumMismatch:
            "corrupt TFRecord at offset \(offset): the data checksum does not match; record skipped"
        case let .lengthExceedsLimit(length, limit):
            "TFRecord at offset \(offset) announces \(length) bytes, more than the limit of \(limit); record skipped"
        }
    }
}
