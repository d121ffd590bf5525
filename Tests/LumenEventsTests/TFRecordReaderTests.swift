import Foundation
import LumenEvents
import Testing
import LumenTestSupport

@Suite struct TFRecordReaderTests {
    let first = pseudoRandomBytes(count: 10, seed: 1)
    let second = pseudoRandomBytes(count: 40, seed: 2)
    let third = pseudoRandomBytes(count: 25, seed: 3)

    /// The second record arrives in two pieces, split at every byte position: the reader returns
    /// nothing for it (not an error), then the whole record once the file has grown.
    @Test func recordSplitAtEveryBytePosition() throws {
        let head = framed([first])
        let frame = framed([second])
        for cut in 0..<frame.count {
            let source = ScriptedByteSource(head + frame[..<cut])
            var reader = TFRecordReader(source: source)
            let before = try reader.readAvailable()
            #expect(before.records.map(\.data) == [first])
            #expect(before.end == (cut == 0 ? .atRecordBoundary : .incompleteRecord))
            let again = try reader.readAvailable()
            #expect(again.records.isEmpty && again.end == before.end)
            #expect(reader.offset == Int64(head.count))

            source.bytes += frame[cut...]
            let after = try reader.readAvailable()
            #expect(after.records == [TFRecord(offset: Int64(head.count), data: second)], "cut at \(cut)")
            #expect(after.end == .atRecordBoundary)
            #expect(reader.offset == Int64(head.count + frame.count))
            #expect(reader.corruptRecordCount == 0)
        }
    }

    /// The record arrives in three pieces, split at every pair of byte positions.
    @Test func recordInThreePieces() throws {
        let frame = framed([second])
        for firstCut in 0..<frame.count {
            for secondCut in firstCut..<frame.count {
                let source = ScriptedByteSource(Array(frame[..<firstCut]))
                var reader = TFRecordReader(source: source)
                #expect(try reader.readAvailable().records.isEmpty)
                source.bytes += frame[firstCut..<secondCut]
                #expect(try reader.readAvailable().records.isEmpty)
                source.bytes += frame[secondCut...]
                let last = try reader.readAvailable()
                #expect(last.records.map(\.data) == [second], "cuts at \(firstCut), \(secondCut)")
                #expect(last.end == .atRecordBoundary)
            }
        }
    }

    @Test func badDataChecksumSkipsTheRecord() throws {
        var stream = framed([first, second, third])
        let secondOffset = TFRecordFrame.frameLength(dataLength: first.count)
        stream[secondOffset + TFRecordFrame.headerLength + 5] ^= 0x01
        var reader = TFRecordReader(source: ScriptedByteSource(stream))
        let batch = try reader.readAvailable()
        #expect(batch.records.map(\.data) == [first, third])
        #expect(batch.corruptions == [TFRecordCorruption(offset: Int64(secondOffset), kind: .dataChecksumMismatch)])
        #expect(batch.end == .atRecordBoundary)
        #expect(reader.corruptRecordCount == 1)
        #expect(try reader.readAvailable() == TFRecordBatch(end: .atRecordBoundary))
        #expect(reader.corruptRecordCount == 1)
    }

    @Test func badStoredDataChecksumSkipsTheRecord() throws {
        var stream = framed([first, second, third])
        let secondEnd =
            TFRecordFrame.frameLength(dataLength: first.count) + TFRecordFrame.frameLength(dataLength: second.count)
        stream[secondEnd - 1] ^= 0x80
        var reader = TFRecordReader(source: ScriptedByteSource(stream))
        let batch = try reader.readAvailable()
        #expect(batch.records.map(\.data) == [first, third])
        #expect(reader.corruptRecordCount == 1)
    }

    /// A bad length checksum stops the pass; later passes look again without counting it twice,
    /// and go on if the header has healed (as after a torn read of a write in progress).
    @Test func badLengthChecksumStopsThePass() throws {
        let stream = framed([first, second, third])
        let secondOffset = TFRecordFrame.frameLength(dataLength: first.count)
        var damaged = stream
        damaged[secondOffset + 2] ^= 0x10
        let source = ScriptedByteSource(damaged)
        var reader = TFRecordReader(source: source)
        let batch = try reader.readAvailable()
        #expect(batch.records.map(\.data) == [first])
        #expect(batch.corruptions == [TFRecordCorruption(offset: Int64(secondOffset), kind: .lengthChecksumMismatch)])
        #expect(batch.end == .corruptLength(offset: Int64(secondOffset)))

        let again = try reader.readAvailable()
        #expect(again == TFRecordBatch(end: .corruptLength(offset: Int64(secondOffset))))
        #expect(reader.corruptRecordCount == 1)
        #expect(reader.offset == Int64(secondOffset))

        source.bytes = stream
        let healed = try reader.readAvailable()
        #expect(healed.records.map(\.data) == [second, third])
        #expect(healed.end == .atRecordBoundary)
        #expect(reader.corruptRecordCount == 1)
    }

    /// A record longer than the limit is reported and skipped as it streams past, never buffered.
    @Test func overLongRecordIsSkipped() throws {
        let long = pseudoRandomBytes(count: 1_000, seed: 4)
        let stream = framed([first, long, third])
        let source = ScriptedByteSource()
        var reader = TFRecordReader(source: source, maximumDataLength: 100, chunkLength: 64)
        var records: [[UInt8]] = []
        var corruptions: [TFRecordCorruption] = []
        for end in stride(from: 0, through: stream.count, by: 37) + [stream.count] {
            source.bytes = Array(stream[..<end])
            let batch = try reader.readAvailable()
            records += batch.records.map(\.data)
            corruptions += batch.corruptions
        }
        #expect(records == [first, third])
        let longOffset = Int64(TFRecordFrame.frameLength(dataLength: first.count))
        #expect(
            corruptions == [
                TFRecordCorruption(offset: longOffset, kind: .lengthExceedsLimit(length: 1_000, limit: 100))
            ])
        #expect(reader.offset == Int64(stream.count))
    }

    /// A header with a valid checksum that announces 2^64 - 1 bytes is reported, not trusted.
    @Test func hugeAnnouncedLengthIsReportedWithoutAllocating() throws {
        var header = withUnsafeBytes(of: UInt64.max.littleEndian, Array.init)
        let lengthCRC = CRC32C.masked(CRC32C.checksum(header))
        header += withUnsafeBytes(of: lengthCRC.littleEndian, Array.init)
        var reader = TFRecordReader(source: ScriptedByteSource(header + framed([first])))
        let batch = try reader.readAvailable()
        #expect(batch.records.isEmpty)
        #expect(
            batch.corruptions == [
                TFRecordCorruption(
                    offset: 0, kind: .lengthExceedsLimit(length: .max, limit: TFRecordFrame.defaultMaximumDataLength))
            ])
        #expect(batch.end == .incompleteRecord)
    }

    @Test func limitEndsThePassEarly() throws {
        let records = (0..<5).map { pseudoRandomBytes(count: $0 * 3, seed: UInt64($0)) }
        var reader = TFRecordReader(source: ScriptedByteSource(framed(records)))
        let batches = try (0..<3).map { _ in try reader.readAvailable(limit: 2) }
        #expect(batches.map(\.records.count) == [2, 2, 1])
        #expect(batches.map(\.end) == [.limitReached, .limitReached, .atRecordBoundary])
        #expect(batches.flatMap(\.records).map(\.data) == records)
    }

    @Test func resumesFromAnOffset() throws {
        let source = ScriptedByteSource(framed([first, second, third]))
        var reader = TFRecordReader(source: source)
        _ = try reader.readAvailable(limit: 1)
        var resumed = TFRecordReader(source: source, offset: reader.offset)
        #expect(try resumed.readAvailable().records.map(\.data) == [second, third])
    }

    /// A real file grows while the reader reads it through `pread`.
    @Test func readsAGrowingFile() throws {
        let stream = framed([first, second, third])
        try withTemporaryPath(suffix: ".tfrecord") { path in
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            var reader = try TFRecordReader(path: path)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            var seen: [[UInt8]] = []
            for start in stride(from: 0, to: stream.count, by: 13) {
                try handle.write(contentsOf: stream[start..<min(start + 13, stream.count)])
                seen += try reader.readAvailable().records.map(\.data)
            }
            #expect(seen == [first, second, third])
            #expect(reader.offset == Int64(stream.count))
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: FileByteSourceError.openFailed(path: "/nonexistent/events", errno: ENOENT)) {
            _ = try TFRecordReader(path: "/nonexistent/events")
        }
    }
}
