import Foundation
import LumenEvents
import Testing

/// TensorFlow's own `tf.data.TFRecordDataset(…, compression_type="GZIP")` reads our compressed event
/// files, members ending at every flush. Runs when a Python with TensorFlow is at hand:
/// `LUMEN_TENSORFLOW_PYTHON`, or `.venv/bin/python` if it imports tensorflow (`bench/run` installs
/// tensorflow-cpu there); skipped with that reason otherwise.
@Suite struct TensorFlowGzipTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["LUMEN_TENSORFLOW_PYTHON"],
                          root.appendingPathComponent(".venv/bin/python").path].compactMap { $0 }
        return candidates.first { path in
            guard FileManager.default.isExecutableFile(atPath: path),
                  let result = try? runProcess(path, ["-c", "import tensorflow"]) else { return false }
            return result.status == 0
        }
    }()

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

    @Test(.enabled(if: python != nil, "needs a Python with tensorflow (LUMEN_TENSORFLOW_PYTHON or .venv)"))
    func tensorFlowReadsOurGzipEventFiles() throws {
        let logdir = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-tf-gzip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: logdir) }
        let writer = try EventFileWriter(logdir: logdir, compression: .gzip)
        var expected: [[String]] = [["0", "brain.Event:2", ""]]
        for step in 0..<30 {
            let value = Float(step) * 0.25 - 3
            writer.writeScalar(tag: "loss", value: value, step: Int64(step))
            expected.append([String(step), "loss", String(Double(value))])
            if step % 7 == 0 { try writer.flush() }  // several gzip members
        }
        try writer.close()
        let result = try runProcess(try #require(Self.python), ["-c", Self.script, writer.path])
        #expect(result.status == 0, "\(result.standardError)")
        let decoded = try JSONSerialization.jsonObject(with: result.standardOutput) as? [[Any]] ?? []
        let got = decoded.map { row in row.map { "\($0)" } }
        #expect(got == expected)
    }
}
