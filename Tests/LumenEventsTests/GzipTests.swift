import Foundation
import LumenEvents
import Testing
import LumenTestSupport

@Suite struct GzipTests {
    /// Records in three flushes, each flush one gzip member.
    let flushes: [[[UInt8]]] = [
        [pseudoRandomBytes(count: 30, seed: 1), Array(repeating: 7, count: 500)],
        [pseudoRandomBytes(count: 5, seed: 2)],
        [Array("brain.Event:2".utf8), pseudoRandomBytes(count: 2_000, seed: 3), []],
    ]

    var allRecords: [[UInt8]] { flushes.flatMap { $0 } }

    /// The compressed members, one per flush.
    func members() throws -> [[UInt8]] {
        let writer = try GzipMemberWriter()
        return try flushes.map { records in
            for record in records {
                var frame: [UInt8] = []
                TFRecordFrame.append(record, to: &frame)
                try writer.append(frame)
            }
            return try writer.finishMember()
        }
    }

    static var gzip: String? { executable(["/usr/bin/gzip", "/bin/gzip"]) }

    @Test(.enabled(if: gzip != nil, "gzip is not installed"))
    func systemGzipDecompressesTheMembers() throws {
        let members = try members()
        #expect(members.allSatisfy { $0.starts(with: [0x1F, 0x8B]) })
        try withTemporaryPath(suffix: ".gz") { path in
            try Data(members.joined()).write(to: URL(fileURLWithPath: path))
            let output = try runProcess(try #require(Self.gzip), ["-dc", path])
            #expect(output.status == 0, "\(output.standardError)")
            #expect(Array(output.standardOutput) == framed(allRecords))
        }
    }

    @Test func finishingAnEmptyMemberWritesNothing() throws {
        let writer = try GzipMemberWriter()
        #expect(try writer.finishMember().isEmpty)
        try writer.append([1, 2, 3])
        #expect(writer.hasUnfinishedMember)
        let member = try writer.finishMember()
        #expect(!writer.hasUnfinishedMember)
        #expect(try GzipStreamDecoder().decompress(member) == [1, 2, 3])
        #expect(try writer.finishMember().isEmpty)
    }

    /// The compressed stream fed in two pieces, cut at every byte position, decompresses whole.
    @Test func decoderAcceptsPiecesCutAnywhere() throws {
        let stream = Array(try members().joined())
        let expected = framed(allRecords)
        for cut in 0...stream.count {
            let decoder = try GzipStreamDecoder()
            var output = try decoder.decompress(Array(stream[..<cut]))
            output += try decoder.decompress(Array(stream[cut...]))
            #expect(output == expected, "cut at \(cut)")
            #expect(decoder.completedMemberCount == flushes.count)
            #expect(decoder.isAtMemberBoundary)
        }
        let decoder = try GzipStreamDecoder()
        let byteByByte = try stream.flatMap { try decoder.decompress([$0]) }
        #expect(byteByByte == expected)
    }

    /// A file cut anywhere, as by `kill -9` or a write in progress, yields every record of its
    /// complete members, reports the rest as not there yet, and finishes when the file grows.
    @Test func truncatedFileYieldsCompleteMembersThenTheRest() throws {
        let members = try members()
        let stream = Array(members.joined())
        let all = allRecords
        var memberEnds: [Int] = []
        for member in members { memberEnds.append((memberEnds.last ?? 0) + member.count) }
        for cut in 0...stream.count {
            let source = ScriptedByteSource(Array(stream[..<cut]))
            let reader = try GzipTFRecordReader(source: source, chunkLength: 17)
            let before = try reader.readAvailable()
            let completeMembers = memberEnds.filter { $0 <= cut }.count
            let guaranteed = flushes[..<completeMembers].reduce(0) { $0 + $1.count }
            #expect(before.records.count >= guaranteed, "cut at \(cut)")
            #expect(before.records.map(\.data) == Array(all.prefix(before.records.count)))
            #expect([.atRecordBoundary, .incompleteRecord].contains(before.end))
            #expect(before.corruptions.isEmpty)

            source.bytes = stream
            let after = try reader.readAvailable()
            #expect((before.records + after.records).map(\.data) == all, "cut at \(cut)")
            #expect(after.end == .atRecordBoundary)
            #expect(reader.isAtMemberBoundary)
            #expect(reader.corruptRecordCount == 0)
            #expect(reader.offset == Int64(framed(all).count))
        }
    }

    @Test func damagedMemberHeaderEndsTheStream() throws {
        let members = try members()
        var stream = Array(members.joined())
        stream[members[0].count] = 0x00  // the second member's magic number
        let reader = try GzipTFRecordReader(source: ScriptedByteSource(stream))
        let batch = try reader.readAvailable()
        #expect(batch.records.map(\.data) == flushes[0])
        #expect(batch.end == .damagedStream(.damagedData(message: "incorrect header check")))
        #expect(try reader.readAvailable() == TFRecordBatch(end: batch.end))
    }

    @Test func damagedDeflateDataEndsTheStream() throws {
        let members = try members()
        var stream = Array(members.joined())
        // Inside the third member's deflate data (past its 10-byte header).
        stream[members[0].count + members[1].count + 20] ^= 0x55
        let reader = try GzipTFRecordReader(source: ScriptedByteSource(stream))
        let batch = try reader.readAvailable()
        #expect(Array(batch.records.map(\.data).prefix(3)) == flushes[0] + flushes[1])
        guard case .damagedStream(.damagedData) = batch.end else {
            Issue.record("expected a damaged stream, got \(batch.end)")
            return
        }
    }

    @Test func decoderReportsGarbageAsAnError() throws {
        let decoder = try GzipStreamDecoder()
        #expect(throws: ZlibError.damagedData(message: "incorrect header check")) {
            _ = try decoder.decompress(Array("not gzip at all".utf8))
        }
        #expect(throws: ZlibError.self) { _ = try decoder.decompress(try members()[0]) }
    }

    /// A real `.gz` file grows member by member while the reader reads it through `pread`.
    @Test func readsAGrowingGzipFile() throws {
        let members = try members()
        try withTemporaryPath(suffix: ".gz") { path in
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            let reader = try GzipTFRecordReader(path: path)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            for (member, records) in zip(members, flushes) {
                try handle.write(contentsOf: member)
                let batch = try reader.readAvailable()
                #expect(batch.records.map(\.data) == records)
                #expect(batch.end == .atRecordBoundary)
            }
        }
    }
}
