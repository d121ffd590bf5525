import Foundation
import LumenEvents
import LumenTestSupport
import Testing

/// TensorFlow's own `tf.data.TFRecordDataset(…, compression_type="GZIP")` reads our compressed event
/// files, members ending at every flush. TensorFlow comes from `Repository.tensorFlowPython`
/// (`.venv-tf`, which `scripts/setup` installs); on CI a missing TensorFlow is a failure.
@Suite struct TensorFlowGzipTests {
    static let script = """
        import json, sys
        import tensorflow as tf
        out = []
        for record in tf.data.TFRecordDataset(sys.argv[1], compression_type="GZIP"):
            event = tf.compat.v1.Event.FromString(record.numpy())
            if event.HasField("summary"):
                value = event.summary.value[0]
                out.append([event.step, value.tag, repr(value.simple_value)])
            else:
                out.append([event.step, event.file_version, ""])
        print(json.dumps(out))
        """

    @Test(
        .enabled(
            if: Repository.isCI || Repository.tensorFlowPython != nil, "needs TensorFlow in .venv-tf (scripts/setup)"))
    func tensorFlowReadsOurGzipEventFiles() throws {
        let directory = try TemporaryDirectory(prefix: "lumen-tf-gzip")
        defer { directory.remove() }
        let logdir = directory.path
        let writer = try EventFileWriter(logdir: logdir, compression: .gzip)
        var expected: [[String]] = [["0", "brain.Event:2", ""]]
        for step in 0..<30 {
            let value = Float(step) * 0.25 - 3
            writer.writeScalar(tag: "loss", value: value, step: Int64(step))
            expected.append([String(step), "loss", String(Double(value))])
            if step % 7 == 0 { try writer.flush() }  // several gzip members
        }
        try writer.close()
        let result = try runProcess(
            try #require(Repository.tensorFlowPython, "no Python with TensorFlow: run scripts/setup"),
            ["-c", Self.script, writer.path])
        #expect(result.status == 0, "\(result.standardError)")
        let decoded = try JSONSerialization.jsonObject(with: result.standardOutput) as? [[Any]] ?? []
        let got = decoded.map { row in row.map { "\($0)" } }
        #expect(got == expected)
    }
}
