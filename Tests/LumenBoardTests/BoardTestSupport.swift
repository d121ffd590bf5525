import Foundation
import LumenEvents

/// Helpers for writing event files in tests.
enum EventBytes {
    static func scalar(_ tag: String, step: Int64, value: Float, wallTime: Double = 1000) -> [UInt8] {
        var event = Event()
        event.step = step
        event.wallTime = wallTime + Double(step)
        var v = Summary.Value()
        v.tag = tag
        v.simpleValue = value
        var summary = Summary()
        summary.value = [v]
        event.summary = summary
        return try! event.serializedBytes()
    }

    static func histogram(_ tag: String, step: Int64) -> [UInt8] {
        var event = Event()
        event.step = step
        var h = HistogramProto()
        h.min = 0
        h.max = 1
        h.num = 1
        h.bucketLimit = [1]
        h.bucket = [1]
        var v = Summary.Value()
        v.tag = tag
        v.histo = h
        var summary = Summary()
        summary.value = [v]
        event.summary = summary
        return try! event.serializedBytes()
    }

    static func sessionStart(step: Int64) -> [UInt8] {
        var event = Event()
        event.step = step
        var log = SessionLog()
        log.status = .start
        event.sessionLog = log
        return try! event.serializedBytes()
    }

    static func framed(_ records: [[UInt8]]) -> [UInt8] {
        var buffer: [UInt8] = []
        for record in records { TFRecordFrame.append(record, to: &buffer) }
        return buffer
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("lumenboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    func append(_ relative: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file(relative)))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The path of the package's executable `name` that `swift test` built next to the test bundle,
/// or `nil` if it isn't there.
func builtExecutable(named name: String) -> String? {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()]
        + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    return candidates.map { $0.appendingPathComponent(name).path }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
