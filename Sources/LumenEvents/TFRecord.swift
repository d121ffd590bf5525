/// One record read from a TFRecord stream.
public struct TFRecord: Sendable, Hashable {
    /// Where the record's frame starts: a file offset for a plain file, an offset into the
    /// decompressed stream for a gzip file.
    public var offset: Int64

    /// The record's data, without its frame.
    public var data: [UInt8]

    /// Creates a record of `data` whose frame starts at `offset`.
    public init(offset: Int64, data: [UInt8]) {
        self.offset = offset
        self.data = data
    }
}
