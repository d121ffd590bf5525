import Foundation
import LumenEvents
import LumenTestSupport

/// A fresh directory in the temporary directory; removed when `body` returns.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lumen-writer-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The event files in `directory` (not in subdirectories), sorted.
func eventFiles(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.contains("tfevents") }.sorted().map { directory + "/" + $0 }
}

/// Every event of the event file at `path` read with our readers (gzip when the name ends in `.gz`),
/// requiring the stream to end at a record boundary with no corruption.
func readEvents(_ path: String) throws -> [Event] {
    let batch: TFRecordBatch
    if path.hasSuffix(".gz") {
        batch = try GzipTFRecordReader(path: path).readAvailable()
    } else {
        var reader = try TFRecordReader(path: path)
        batch = try reader.readAvailable()
    }
    guard batch.end == .atRecordBoundary, batch.corruptions.isEmpty else {
        throw EventReadError(reason: "\(path) ended with \(batch.end), \(batch.corruptions.count) corrupt records")
    }
    return try batch.records.map { try Event(serializedBytes: $0.data) }
}

struct EventReadError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

extension Event {
    /// The simple values of the event's summary, as (tag, value) pairs.
    var scalars: [(String, Float)] {
        summary.value.compactMap { value in
            if case let .simpleValue(number)? = value.value { return (value.tag, number) }
            return nil
        }
    }
}
