/// The TFRecord frame around one record's bytes.
///
/// A frame is a little-endian `UInt64` data length, the masked CRC-32C of those 8 bytes (`UInt32`,
/// little-endian), the data, and the masked CRC-32C of the data (`UInt32`, little-endian). Checksums
/// are masked with ``CRC32C/masked(_:)``.
public enum TFRecordFrame {
    /// Bytes before the data: the length and its masked checksum.
    public static let headerLength = 12

    /// Bytes after the data: the data's masked checksum.
    public static let footerLength = 4

    /// The largest data length readers accept by default (1 GiB). A header announcing more is
    /// reported as corrupt instead of being buffered, so bad input never allocates without bound.
    public static let defaultMaximumDataLength = 1 << 30

    /// Returns the size of the frame around `dataLength` bytes of data.
    public static func frameLength(dataLength: Int) -> Int {
        headerLength + dataLength + footerLength
    }

    /// Appends one framed record holding `data` to `buffer`.
    public static func append(_ data: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        let lengthStart = buffer.count
        appendLittleEndian(UInt64(data.count), to: &buffer)
        let lengthCRC = buffer.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[lengthStart..<lengthStart + 8]))
        }
        appendLittleEndian(CRC32C.masked(lengthCRC), to: &buffer)
        buffer.append(contentsOf: data)
        appendLittleEndian(CRC32C.masked(CRC32C.checksum(data)), to: &buffer)
    }

    /// Appends one framed record holding `data` to `buffer`.
    public static func append(_ data: [UInt8], to buffer: inout [UInt8]) {
        data.withUnsafeBytes { append($0, to: &buffer) }
    }

    private static func appendLittleEndian<Value: FixedWidthInteger>(_ value: Value, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}
