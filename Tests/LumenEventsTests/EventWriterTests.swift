import Foundation
import LumenEvents
import Testing
import LumenTestSupport

@Suite struct EventWriterTests {
    @Test(arguments: [EventFileWriter.Compression.gzip, .none])
    func writesAFileVersionThenEveryEventInOrder(compression: EventFileWriter.Compression) throws {
        try withTemporaryDirectory { logdir in
            let writer = try EventFileWriter(logdir: logdir + "/run", compression: compression)
            for step in 0..<1_000 {
                writer.writeScalar(
                    tag: "loss", value: Float(step) / 8, step: Int64(step), wallTime: 1_700_000_000 + Double(step))
            }
            try writer.close()
            let files = try eventFiles(in: logdir + "/run")
            #expect(files == [writer.path])
            let name = (writer.path as NSString).lastPathComponent
            let pattern =
                #"^events\.out\.tfevents\.\d{10}\.[^.]+(\.[^.]+)*\.\d+\.\d+"# + (compression == .gzip ? #"\.gz$"# : "$")
            #expect(name.range(of: pattern, options: .regularExpression) != nil, "\(name)")
            let events = try readEvents(writer.path)
            #expect(events.count == 1_001)
            #expect(events.first?.fileVersion == "brain.Event:2")
            for (step, event) in events.dropFirst().enumerated() {
                #expect(event.step == Int64(step))
                #expect(event.wallTime == 1_700_000_000 + Double(step))
                #expect(event.scalars.count == 1 && event.scalars[0] == ("loss", Float(step) / 8))
            }
        }
    }

    @Test func scalarFastPathMatchesSwiftProtobuf() throws {
        let cases: [(String, Float, Int64, Double)] = [
            ("loss", 0.5, 7, 1_700_000_000.25), ("", 0, 0, 0), ("损失/λ ✓", -.infinity, -3, 1),
            (String(repeating: "t", count: 300), .nan, Int64.max, -0.0), ("a", 1, 1 << 40, 12),
        ]
        for (tag, value, step, wallTime) in cases {
            var event = Event()
            event.wallTime = wallTime
            event.step = step
            event.summary = Summary(values: [.scalar(tag: tag, value: value)])
            let expected: [UInt8] = try event.serializedBytes()
            #expect(
                EventEncoding.scalarEvent(tag: tag, value: value, step: step, wallTime: wallTime) == expected, "\(tag)")
        }
    }

    @Test func systemGzipReadsTheCompressedFileAsAValidTFRecordStream() throws {
        let gzip = try #require(executable(["/usr/bin/gzip", "/bin/gzip"]), "gzip is not installed")
        try withTemporaryDirectory { logdir in
            let writer = try EventFileWriter(logdir: logdir, compression: .gzip)
            for round in 0..<5 {
                for index in 0..<200 { writer.writeScalar(tag: "r\(round)", value: Float(index), step: Int64(index)) }
                try writer.flush()
            }
            var event = Event()
            event.graphDef = Data(pseudoRandomBytes(count: 100_000, seed: 9))
            writer.write(event)
            try writer.close()
            let output = try runProcess(gzip, ["-dc", writer.path])
            #expect(output.status == 0, "\(output.standardError)")
            let plainPath = logdir + "/plain.tfrecord"
            try output.standardOutput.write(to: URL(fileURLWithPath: plainPath))
            let fromPlain = try readEvents(plainPath)
            let fromGzip = try readEvents(writer.path)
            #expect(fromPlain.count == 1 + 5 * 200 + 1)
            #expect(fromPlain == fromGzip)
            #expect(fromGzip.last?.graphDef == event.graphDef)
        }
    }

    @Test func timedFlushWritesWithoutAnExplicitFlush() throws {
        try withTemporaryDirectory { logdir in
            let writer = try EventFileWriter(logdir: logdir, compression: .gzip, flushInterval: 0.2)
            for step in 0..<10 { writer.writeScalar(tag: "x", value: 1, step: Int64(step)) }
            var events: [Event] = []
            for _ in 0..<50 where events.count < 11 {
                Thread.sleep(forTimeInterval: 0.1)
                events = (try? readEvents(writer.path)) ?? []
            }
            #expect(events.count == 11)
            try writer.close()
        }
    }

    @Test func manyThreadsWritingThroughASmallQueueLoseNothing() throws {
        try withTemporaryDirectory { logdir in
            let writer = try EventFileWriter(logdir: logdir, compression: .gzip, maxQueue: 4)
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for index in 0..<5_000 {
                    writer.writeScalar(tag: "t\(thread)", value: Float(index), step: Int64(index))
                }
            }
            try writer.close()
            let events = try readEvents(writer.path).dropFirst()
            #expect(events.count == 20_000)
            for thread in 0..<4 {
                let steps = events.filter { $0.scalars.first?.0 == "t\(thread)" }.map(\.step)
                #expect(steps == (0..<5_000).map(Int64.init), "thread \(thread) in order")
            }
        }
    }

    @Test func writesAfterCloseAreIgnoredAndCloseIsIdempotent() throws {
        try withTemporaryDirectory { logdir in
            let writer = try EventFileWriter(logdir: logdir, compression: .none)
            writer.writeScalar(tag: "a", value: 1, step: 1)
            try writer.close()
            writer.writeScalar(tag: "a", value: 2, step: 2)
            try writer.close()
            try writer.flush()
            #expect(try readEvents(writer.path).count == 2)
        }
    }

    // MARK: Errors

    @Test func aLogdirUnderAFileIsAClearError() throws {
        try withTemporaryDirectory { directory in
            let file = directory + "/not-a-directory"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            #expect {
                _ = try EventFileWriter(logdir: file + "/run")
            } throws: { error in
                guard case let .cannotCreateDirectory(path, code)? = error as? EventFileWriterError else {
                    return false
                }
                return path == file + "/run" && code == ENOTDIR
                    && "\(error)".contains("cannot create the log directory") && "\(error)".contains("Not a directory")
            }
        }
    }

    @Test func aDeletedLogdirIsAClearErrorFromFlushAndClose() throws {
        try withTemporaryDirectory { directory in
            let logdir = directory + "/run"
            let writer = try EventFileWriter(logdir: logdir, compression: .gzip)
            writer.writeScalar(tag: "a", value: 1, step: 1)
            try writer.flush()
            try FileManager.default.removeItem(atPath: logdir)
            writer.writeScalar(tag: "a", value: 2, step: 2)
            #expect(throws: EventFileWriterError.fileRemoved(path: writer.path)) { try writer.flush() }
            #expect(writer.lastError == .fileRemoved(path: writer.path))
            #expect("\(writer.lastError.map { "\($0)" } ?? "")".contains("was deleted while being written"))
            writer.writeScalar(tag: "a", value: 3, step: 3)  // dropped, no crash
            #expect(throws: EventFileWriterError.fileRemoved(path: writer.path)) { try writer.close() }
        }
    }

    @Test(.enabled(if: FileManager.default.isWritableFile(atPath: "/dev/full"), "/dev/full is not available"))
    func aFullDiskIsAClearError() throws {
        let writer = try EventFileWriter(path: "/dev/full", compression: .none)
        for step in 0..<100 { writer.writeScalar(tag: "a", value: 1, step: Int64(step)) }
        #expect(throws: EventFileWriterError.writeFailed(path: "/dev/full", errno: ENOSPC)) { try writer.flush() }
        #expect("\(writer.lastError.map { "\($0)" } ?? "")".contains("No space left on device"))
        #expect(throws: EventFileWriterError.self) { try writer.close() }
    }
}
