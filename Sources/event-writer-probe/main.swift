import Foundation
import LumenEvents

// event-writer-probe: writes scalar events to a fresh event file and waits to be killed, for the
// crash-safety test of EventFileWriter (Tests/LumenEventsTests/EventWriterCrashTests.swift).
//
//   event-writer-probe LOGDIR gzip|none ROUNDS PER_ROUND EXTRA
//
// Prints `file PATH`, then for each of ROUNDS rounds writes PER_ROUND scalars (tag `probe`,
// step = value = running index), flushes, and prints `flushed K` (K events so far). Then writes
// EXTRA more without flushing, prints `buffered`, and sleeps until killed.
//
//   event-writer-probe LOGDIR gzip|none stream PER_FLUSH [PAUSE_MS]
//
// Prints `file PATH`, then writes scalars (same tag and values) without end, flushing after every
// PER_FLUSH, printing `flushed K` and pausing PAUSE_MS milliseconds (default 0), for the board's
// test of a writer killed at random moments (Tests/LumenBoardTests/FaultTests.swift) and the load
// test's steady writer (bench/load).
//
//   event-writer-probe LOGDIR gzip|none full BATCH [FILE_SIZE_LIMIT]
//
// For the full-disk test (Tests/LumenBoardTests/FullDiskTests.swift). Prints `file PATH`, then
// (with FILE_SIZE_LIMIT, after limiting the process's file size to that many bytes) writes
// batches of BATCH scalars, flushing after each and printing `flushed K`, until a flush fails:
// prints `full K ERROR` (K events written so far) and reads commands from standard input, one a
// line: `flush` (flushes: prints `flushed K` or `full K ERROR`), `unlimit` (lifts the file size
// limit), `write` (one more batch and a flush, printed the same way) and `close` (sets the file
// size limit to the file's size, if one was set, writes one more batch and closes: prints
// `closed K` or `close-failed K ERROR`, then exits).
let arguments = CommandLine.arguments
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
enum Mode {
    case rounds(count: Int, perRound: Int, extra: Int)
    case stream(perFlush: Int, pauseMilliseconds: Int)
    case full(batch: Int, fileSizeLimit: UInt64?)
}
let parsed: Mode?
if (5...6).contains(arguments.count), arguments[3] == "full", let batch = Int(arguments[4]), batch > 0 {
    if arguments.count == 6, let limit = UInt64(arguments[5]) {
        parsed = .full(batch: batch, fileSizeLimit: limit)
    } else {
        parsed = arguments.count == 5 ? .full(batch: batch, fileSizeLimit: nil) : nil
    }
} else if (5...6).contains(arguments.count), arguments[3] == "stream", let perFlush = Int(arguments[4]), perFlush > 0,
    let pause = arguments.count == 6 ? Int(arguments[5]) : 0, pause >= 0
{
    parsed = .stream(perFlush: perFlush, pauseMilliseconds: pause)
} else if arguments.count == 6, let rounds = Int(arguments[3]), let perRound = Int(arguments[4]),
    let extra = Int(arguments[5])
{
    parsed = .rounds(count: rounds, perRound: perRound, extra: extra)
} else {
    parsed = nil
}
guard let mode = parsed else {
    FileHandle.standardError.write(
        Data(
            "usage: event-writer-probe LOGDIR gzip|none ROUNDS PER_ROUND EXTRA\n       event-writer-probe LOGDIR gzip|none stream PER_FLUSH [PAUSE_MS]\n       event-writer-probe LOGDIR gzip|none full BATCH [FILE_SIZE_LIMIT]\n"
                .utf8))
    exit(2)
}
guard ["gzip", "none"].contains(arguments[2]) else {
    FileHandle.standardError.write(
        Data("event-writer-probe: compression must be gzip or none, not \(arguments[2])\n".utf8))
    exit(2)
}
do {
    let writer = try EventFileWriter(
        logdir: arguments[1], compression: arguments[2] == "gzip" ? .gzip : .none,
        flushInterval: 3600, maxQueue: 1_000_000)
    say("file \(writer.path)")
    var index: Int64 = 0
    func write(_ count: Int) {
        for _ in 0..<count {
            writer.writeScalar(tag: "probe", value: Float(index), step: index)
            index += 1
        }
    }
    switch mode {
    case .stream(let perFlush, let pause):
        while true {
            write(perFlush)
            try writer.flush()
            say("flushed \(index)")
            if pause > 0 { usleep(useconds_t(pause * 1000)) }
        }
    case .full(let batch, let fileSizeLimit):
        // Over the limit, write(2) fails with EFBIG instead of the process being killed.
        signal(SIGXFSZ, SIG_IGN)
        func limitFileSize(to bytes: UInt64?) {
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit)
            limit.rlim_cur = bytes.map { rlim_t($0) } ?? limit.rlim_max
            setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit)
        }
        func flushAndSay() -> Bool {
            do {
                try writer.flush()
                say("flushed \(index)")
                return true
            } catch {
                say("full \(index) \(error)")
                return false
            }
        }
        if let fileSizeLimit { limitFileSize(to: fileSizeLimit) }
        repeat { write(batch) } while flushAndSay()
        while let command = readLine() {
            switch command {
            case "flush":
                _ = flushAndSay()
            case "unlimit":
                limitFileSize(to: nil)
            case "write":
                write(batch)
                _ = flushAndSay()
            case "close":
                if fileSizeLimit != nil {
                    var status = stat()
                    stat(writer.path, &status)
                    limitFileSize(to: UInt64(status.st_size))
                }
                write(batch)
                do {
                    try writer.close()
                    say("closed \(index)")
                } catch {
                    say("close-failed \(index) \(error)")
                }
                exit(0)
            default:
                say("unknown command \(command)")
            }
        }
    case .rounds(let count, let perRound, let extra):
        for _ in 0..<count {
            write(perRound)
            try writer.flush()
            say("flushed \(index)")
        }
        write(extra)
        say("buffered")
        while true { sleep(60) }
    }
} catch {
    FileHandle.standardError.write(Data("event-writer-probe: \(error)\n".utf8))
    exit(1)
}
