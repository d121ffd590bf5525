import Foundation
import LumenEvents
import Testing

/// Reading an event file written by TensorFlow itself.
@Suite struct FixtureTests {
    /// A copy of `fixtures/interop/tf2_summary/`'s file (see `Fixtures/README.md`): written by
    /// `tf.summary` under `create_file_writer` in TensorFlow 2.21.0.
    static let tensorFlowEventFile = "events.out.tfevents.1796393081.fixture.7039.0.v2"

    /// 47 records: the `file_version` event, scalars `loss` and `learning_rate` at steps 0–19,
    /// histogram `weights` at steps 0, 5, 10, 15, one image event and one text event. Obtained by
    /// running the pure-Python reader of `ReferenceTFRecordReader` on the file (which also checks
    /// every checksum); `referenceReaderAgrees` runs it again.
    static let tensorFlowRecordCount = 47

    static var fixturePath: String? {
        Bundle.module.url(forResource: tensorFlowEventFile, withExtension: nil, subdirectory: "Fixtures")?.path
    }

    @Test func readsEveryRecordOfATensorFlowEventFile() throws {
        let path = try #require(Self.fixturePath)
        var reader = try TFRecordReader(path: path)
        let batch = try reader.readAvailable()
        #expect(batch.records.count == Self.tensorFlowRecordCount)
        #expect(batch.corruptions.isEmpty)
        #expect(reader.corruptRecordCount == 0)
        #expect(batch.end == .atRecordBoundary)
        #expect(reader.offset == Int64(try FileByteSource(path: path).size))
        // The first event carries file_version "brain.Event:2" (field 3, a string).
        let firstEvent = try #require(batch.records.first).data
        let version = Array("brain.Event:2".utf8)
        #expect(firstEvent.indices.contains { firstEvent[$0...].starts(with: version) })
    }

    @Test(.enabled(if: ReferenceTFRecordReader.python != nil, "python3 is not installed"))
    func referenceReaderAgrees() throws {
        let path = try #require(Self.fixturePath)
        let reference = try ReferenceTFRecordReader.records(inFileAt: path)
        #expect(reference.count == Self.tensorFlowRecordCount)
        var reader = try TFRecordReader(path: path)
        let records = try reader.readAvailable().records
        #expect(records.map(\.offset) == reference.map(\.offset))
        #expect(records.map { CRC32C.checksum($0.data) } == reference.map(\.crc))
    }
}
