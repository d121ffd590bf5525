import Foundation
import LumenEvents
import LumenTestSupport

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
