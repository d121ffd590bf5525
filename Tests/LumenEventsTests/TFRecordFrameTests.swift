import Foundation
import LumenEvents
import Testing
import LumenTestSupport

@Suite struct TFRecordFrameTests {
    static let lengths = [0, 1, 7, 8, 15, 16, 17, 100, 5_000, 70_000]

    var records: [[UInt8]] {
        Self.lengths.enumerated().map { pseudoRandomBytes(count: $1, seed: UInt64($0) + 1) }
    }

    @Test func frameLayout() {
        var buffer: [UInt8] = [0xAA]
        TFRecordFrame.append(Array("abc".utf8), to: &buffer)
        #expect(buffer.count == 1 + 12 + 3 + 4)
        #expect(Array(buffer[1..<9]) == [3, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = CRC32C.masked(CRC32C.checksum(buffer[1..<9]))
        #expect(Array(buffer[9..<13]) == withUnsafeBytes(of: lengthCRC.littleEndian, Array.init))
        #expect(Array(buffer[13..<16]) == Array("abc".utf8))
        let dataCRC = CRC32C.masked(CRC32C.checksum(Array("abc".utf8)))
        #expect(Array(buffer[16..<20]) == withUnsafeBytes(of: dataCRC.littleEndian, Array.init))
    }

    @Test func roundTrip() {
        var decoder = TFRecordDecoder()
        decoder.append(framed(records))
        var decoded: [[UInt8]] = []
        while case let .record(record) = decoder.next() { decoded.append(record.data) }
        #expect(decoded == records)
        #expect(decoder.next() == .needsMoreBytes)
        #expect(decoder.isAtRecordBoundary)
    }

    /// An independent reader, in pure Python, accepts our framing and sees the same records.
    @Test(.enabled(if: ReferenceTFRecordReader.python != nil, "python3 is not installed"))
    func pythonReferenceReadsOurFraming() throws {
        let records = self.records
        let stream = framed(records)
        try withTemporaryPath(suffix: ".tfrecord") { path in
            try Data(stream).write(to: URL(fileURLWithPath: path))
            let reference = try ReferenceTFRecordReader.records(inFileAt: path)
            var offset: Int64 = 0
            var expected: [ReferenceTFRecordReader.Record] = []
            for record in records {
                expected.append(.init(offset: offset, length: record.count, crc: CRC32C.checksum(record)))
                offset += Int64(TFRecordFrame.frameLength(dataLength: record.count))
            }
            #expect(reference == expected)
        }
    }
}
