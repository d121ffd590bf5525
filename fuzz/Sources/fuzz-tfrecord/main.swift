// libFuzzer target: the plain TFRecord reader over in-memory bytes.
//
// Input: 8 parameter bytes, then the stream. The parameters choose the record length limit, the
// chunk length, the records per pass and how the visible file grows between passes. A one-shot
// read and a read of the growing file must both find exactly what an independent one-shot parser
// (`ReferenceTFRecords`) finds: the same records at the same offsets, the same damaged frames, the
// same ending. So must a read of the growing file by readers restarted at the previous one's offset.
import Foundation
import FuzzSupport
import LumenEvents

func fuzzTFRecord(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = inputBytes(data, count)
    var parameters = FuzzParameters(input, count: 8)
    let payload = Array(input.dropFirst(8))

    let limitChoice = parameters.byte()
    let maximumDataLength = limitChoice & 1 == 0 ? TFRecordFrame.defaultMaximumDataLength : Int(parameters.byte()) * 4
    if limitChoice & 1 == 0 { _ = parameters.byte() }
    let chunkChoice = parameters.byte()
    let chunkLength = chunkChoice == 255 ? 256 << 10 : 1 + Int(chunkChoice)
    let passChoice = parameters.byte()
    let passLimit = passChoice % 4 == 0 ? Int.max : 1 + Int(passChoice % 7)
    let growthDivisor = 1 + Int(parameters.byte() % 16)
    var growth = SplitMix(seed: UInt64(parameters.uint16()) | UInt64(parameters.byte()) << 16)

    let reference = ReferenceTFRecords(payload, maximumDataLength: maximumDataLength)
    let expectedEnd: TFRecordBatch.End =
        reference.stalledAt.map { .corruptLength(offset: $0) }
        ?? (reference.endsAtBoundary ? .atRecordBoundary : .incompleteRecord)

    func drain(_ reader: inout TFRecordReader<GrowingByteSource>, into outcome: inout ReaderOutcome) {
        while true {
            do {
                let batch = try reader.readAvailable(limit: passLimit)
                check(batch.records.count <= passLimit, "a pass returned \(batch.records.count) > \(passLimit) records")
                for record in batch.records {
                    check(record.data.count <= maximumDataLength, "a record longer than the limit was returned")
                }
                outcome.add(batch)
                if batch.end != .limitReached { return }
            } catch {
                check(false, "an in-memory source never throws, but reading threw \(error)")
            }
        }
    }

    func compare(_ outcome: ReaderOutcome, _ reader: TFRecordReader<GrowingByteSource>, _ name: String) {
        check(
            outcome.records == reference.records,
            "\(name): \(outcome.records.count) records, the reference finds \(reference.records.count)")
        check(
            outcome.corruptions == reference.corruptions,
            "\(name): corruptions \(outcome.corruptions), the reference finds \(reference.corruptions)")
        check(
            reader.corruptRecordCount == reference.corruptions.count,
            "\(name): corruptRecordCount \(reader.corruptRecordCount) != \(reference.corruptions.count)")
        check(outcome.lastEnd == expectedEnd, "\(name): ended with \(outcome.lastEnd), expected \(expectedEnd)")
        if expectedEnd == .atRecordBoundary {
            check(
                reader.offset == Int64(payload.count),
                "\(name): offset \(reader.offset) at the end of \(payload.count) bytes")
        }
    }

    // The whole file at once.
    var oneShot = TFRecordReader(
        source: GrowingByteSource(payload, visible: payload.count), maximumDataLength: maximumDataLength,
        chunkLength: chunkLength)
    var oneShotOutcome = ReaderOutcome()
    drain(&oneShot, into: &oneShotOutcome)
    compare(oneShotOutcome, oneShot, "one-shot read")

    // The file growing by fuzzer-chosen steps, with a pass (or several) after each step.
    let source = GrowingByteSource(payload, visible: 0)
    var growing = TFRecordReader(source: source, maximumDataLength: maximumDataLength, chunkLength: chunkLength)
    var growingOutcome = ReaderOutcome()
    let stepBound = max(1, payload.count / growthDivisor)
    while true {
        drain(&growing, into: &growingOutcome)
        if source.visible == payload.count { break }
        source.visible = min(payload.count, source.visible + growth.next(upTo: stepBound))
    }
    // Once more with nothing new: nothing may be returned or reported twice.
    drain(&growing, into: &growingOutcome)
    compare(growingOutcome, growing, "growing read")

    // The file growing again, and a new reader resuming at the old one's offset (as a reader that
    // was restarted would) whenever a pass ends between records.
    source.visible = 0
    var resumed = TFRecordReader(source: source, maximumDataLength: maximumDataLength, chunkLength: chunkLength)
    var resumedOutcome = ReaderOutcome()
    var earlierCorruptions = 0
    while true {
        drain(&resumed, into: &resumedOutcome)
        if resumedOutcome.lastEnd == .atRecordBoundary, growth.next(upTo: 2) == 1 {
            earlierCorruptions += resumed.corruptRecordCount
            resumed = TFRecordReader(
                source: source, offset: resumed.offset, maximumDataLength: maximumDataLength, chunkLength: chunkLength)
        }
        if source.visible == payload.count { break }
        source.visible = min(payload.count, source.visible + growth.next(upTo: stepBound))
    }
    drain(&resumed, into: &resumedOutcome)
    check(
        resumedOutcome.records == reference.records && resumedOutcome.corruptions == reference.corruptions
            && resumedOutcome.lastEnd == expectedEnd
            && earlierCorruptions + resumed.corruptRecordCount == reference.corruptions.count,
        "resumed read: \(resumedOutcome.records.count) records, \(resumedOutcome.corruptions) ending \(resumedOutcome.lastEnd)"
    )
    return 0
}

exit(runFuzzer(fuzzTFRecord))
