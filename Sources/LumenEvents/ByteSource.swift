/// Random-access bytes that may grow over time, such as an event file still being written.
///
/// Readers take their input through this seam, so tests can script a growing file.
public protocol ByteSource {
    /// The number of bytes available now.
    var size: Int64 { get throws }

    /// Returns up to `maxLength` bytes starting at `offset`: fewer at the end of the available
    /// bytes, none at or past it.
    func read(at offset: Int64, maxLength: Int) throws -> [UInt8]
}
