// libFuzzer target: event decoding, plain and gzip, into the board's run data.
//
// Input: 4 parameter bytes, then a payload whose meaning the first parameter picks:
// - mode 0: the payload is one serialized `Event`: decoded, added to a `RunData`, then every
//   endpoint of the JSON API is asked about every tag it made (see `exerciseRun`).
// - mode 1: the payload is a list of records, each a 1-byte length and its bytes; they are framed
//   (plain TFRecord, or gzip members split at fuzzer-chosen records) and read back with
//   fuzzer-chosen chunk lengths: exactly the same records must come back, and each goes into a
//   `RunData`.
// - mode 2: the payload is a gzip file, whole or growing by fuzzer-chosen steps: `GzipTFRecordReader`
//   with fuzzer-chosen chunk lengths must find exactly what the reference parser finds in the same
//   bytes decompressed in one piece (unless the stream is damaged), and every record goes into a
//   `RunData`.
import Foundation
import FuzzSupport
import LumenBoard
import LumenEvents

func fuzzEvents(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = inputBytes(data, count)
    var parameters = FuzzParameters(input, count: 4)
    let payload = Array(input.dropFirst(4))
    let mode = parameters.byte() % 3
    let chunkChoice = parameters.byte()
    let chunkLength = chunkChoice == 255 ? 64 << 10 : 1 + Int(chunkChoice)
    let splitSeed = parameters.uint16()
    var run = RunData(limits: SampleLimits(histograms: 3, images: 2, text: 2))
    switch mode {
    case 0:
        run.add(serializedEvent: payload)
    case 1:
        roundTrip(payload, chunkLength: chunkLength, splitSeed: splitSeed, into: &run)
    default:
        readGzip(payload, chunkLength: chunkLength, splitSeed: splitSeed, into: &run)
    }
    exerciseRun(run)
    return 0
}

/// Frames the records of `payload`, plain or gzip, reads them back and adds them to `run`.
func roundTrip(_ payload: [UInt8], chunkLength: Int, splitSeed: UInt16, into run: inout RunData) {
    var records: [[UInt8]] = []
    var position = 0
    while position < payload.count {
        let length = Int(payload[position])
        let end = min(payload.count, position + 1 + length)
        records.append(Array(payload[position + 1..<end]))
        position = end
    }
    var framed: [UInt8] = []
    for record in records { TFRecordFrame.append(record, to: &framed) }
    var got: [[UInt8]] = []
    if splitSeed & 1 == 0 {
        var reader = TFRecordReader(source: GrowingByteSource(framed, visible: framed.count), chunkLength: chunkLength)
        guard let batch = try? reader.readAvailable() else { return check(false, "reading in-memory bytes threw") }
        check(batch.corruptions.isEmpty && batch.end == .atRecordBoundary, "clean records read as \(batch)")
        got = batch.records.map(\.data)
    } else {
        // Gzip members, each ending after a fuzzer-chosen number of records.
        var compressed: [UInt8] = []
        var splits = SplitMix(seed: UInt64(splitSeed))
        do {
            let writer = try GzipMemberWriter(level: Int((splitSeed >> 1) % 10))
            var index = 0
            while index < records.count {
                let n = min(records.count - index, splits.next(upTo: 4))
                var bytes: [UInt8] = []
                for record in records[index..<index + n] { TFRecordFrame.append(record, to: &bytes) }
                try writer.append(bytes)
                compressed += try writer.finishMember()
                index += n
            }
            let reader = try GzipTFRecordReader(
                source: GrowingByteSource(compressed, visible: compressed.count), chunkLength: chunkLength)
            let batch = try reader.readAvailable()
            check(batch.corruptions.isEmpty && batch.end == .atRecordBoundary, "clean gzip records read as \(batch)")
            check(reader.isAtMemberBoundary, "a complete gzip stream does not end at a member boundary")
            got = batch.records.map(\.data)
        } catch {
            check(false, "gzip round trip threw \(error)")
        }
    }
    check(got == records, "wrote \(records.count) records, read back \(got.count) different ones")
    for record in got { run.add(serializedEvent: record) }
}

/// Reads the gzip file `payload` in chunks and adds its records to `run`. With an odd `splitSeed`
/// the file grows by seeded steps, with passes in between, as a file still being written does.
func readGzip(_ payload: [UInt8], chunkLength: Int, splitSeed: UInt16, into run: inout RunData) {
    let growing = splitSeed & 1 == 1
    let source = GrowingByteSource(payload, visible: growing ? 0 : payload.count)
    guard let reader = try? GzipTFRecordReader(source: source, maximumDataLength: 1 << 20, chunkLength: chunkLength)
    else { return check(false, "zlib could not set up a stream") }
    var outcome = ReaderOutcome()
    var steps = SplitMix(seed: UInt64(splitSeed))
    let stepBound = max(1, payload.count / (1 + Int(splitSeed >> 1 & 7)))
    do {
        while true {
            repeat { outcome.add(try reader.readAvailable(limit: 50)) } while outcome.lastEnd == .limitReached
            if source.visible == payload.count { break }
            source.visible = min(payload.count, source.visible + steps.next(upTo: stepBound))
        }
        // Once more with nothing new: nothing may be returned or reported twice.
        repeat { outcome.add(try reader.readAvailable(limit: 50)) } while outcome.lastEnd == .limitReached
    } catch {
        return check(false, "reading in-memory bytes threw \(error)")
    }
    // The same bytes decompressed in one piece, and parsed by the reference.
    var decompressed: [UInt8] = []
    var damaged = false
    do {
        let decoder = try GzipStreamDecoder()
        try payload.withUnsafeBytes { try decoder.decompress($0, appendingTo: &decompressed) }
    } catch {
        damaged = true
    }
    if case .damagedStream = outcome.lastEnd {
        check(damaged, "chunked decompression found damage that a one-piece one did not")
    } else if case .corruptLength = outcome.lastEnd {
        // Stalled at a bad frame: the rest of the compressed bytes are never read, so damage
        // further on is not seen; the records before the stall must still be the reference's.
        if !damaged {
            let reference = ReferenceTFRecords(decompressed, maximumDataLength: 1 << 20)
            check(outcome.records == reference.records, "gzip: records before a stall differ from the reference")
        }
    } else {
        check(!damaged, "a one-piece decompression found damage that chunked decompression did not")
        let reference = ReferenceTFRecords(decompressed, maximumDataLength: 1 << 20)
        check(
            outcome.records == reference.records,
            "gzip: \(outcome.records.count) records, reference \(reference.records.count)")
        check(outcome.corruptions == reference.corruptions, "gzip: corruptions differ from the reference")
    }
    for record in outcome.records { run.add(serializedEvent: record.data) }
}

exit(runFuzzer(fuzzEvents))
