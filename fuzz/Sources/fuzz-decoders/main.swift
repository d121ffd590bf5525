// libFuzzer target: the decoders added for the plugin dashboards, the projector and S3 logdirs.
//
// `LUMEN_FUZZ_DECODER` picks one decoder for the whole run (fuzz/run sets it); without it, the
// first input byte does. The input is that decoder's bytes:
// - prcurves, audio, customscalars, meshes: up to four summary values of that plugin, each a
//   2-byte little-endian length and that many bytes of plugin content (the plugin's metadata),
//   then a 2-byte length and a serialized `TensorProto`. They go into one `Event` (tags `t0`…),
//   the `Event` into a `RunData`, and every endpoint of the JSON API is asked about the run (see
//   `exerciseRun`). Audio values whose tensor doesn't decode are offered as a legacy `Summary.Audio`
//   clip instead.
// - projector: a `projector_config.pbtxt` text, a NUL byte, then tensor file bytes. The config is
//   parsed (an error must name a line within the text); the tensor bytes are read as
//   tab-separated text and, with each embedding's `tensor_shape`, as raw float32: whatever is
//   read must have rows × columns values.
// - s3list: a `ListObjectsV2` answer. The page must have no negative size and no empty token,
//   and its objects must come back unchanged from a listing written from them; `S3XML`'s escaping
//   must round-trip the input's text.
import Foundation
import FuzzSupport
import LumenBoard
import LumenEvents

enum Decoder: String, CaseIterable {
    case prcurves, audio, customscalars, meshes, projector, s3list

    var pluginName: String {
        switch self {
        case .prcurves: "pr_curves"
        case .audio: "audio"
        case .customscalars: "custom_scalars"
        case .meshes: "mesh"
        case .projector, .s3list: ""
        }
    }
}

let fixedDecoder: Decoder? = {
    guard let name = ProcessInfo.processInfo.environment["LUMEN_FUZZ_DECODER"], !name.isEmpty else { return nil }
    guard let decoder = Decoder(rawValue: name) else {
        FileHandle.standardError.write(
            Data("LUMEN_FUZZ_DECODER='\(name)' is none of \(Decoder.allCases.map(\.rawValue))\n".utf8))
        exit(2)
    }
    return decoder
}()

func fuzzDecoders(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = inputBytes(data, count)[...]
    let decoder: Decoder
    if let fixedDecoder {
        decoder = fixedDecoder
    } else {
        guard let first = input.popFirst() else { return 0 }
        decoder = Decoder.allCases[Int(first) % Decoder.allCases.count]
    }
    switch decoder {
    case .projector: fuzzProjector(Array(input))
    case .s3list: fuzzListing(Array(input))
    default: fuzzPlugin(decoder, Array(input))
    }
    return 0
}

/// The length-prefixed pieces of `bytes`: a 2-byte little-endian length, then that many bytes
/// (fewer at the end).
func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var position = 0
    while position + 2 <= bytes.count {
        let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8
        let end = min(bytes.count, position + 2 + length)
        out.append(Array(bytes[position + 2..<end]))
        position = end
    }
    return out
}

func fuzzPlugin(_ decoder: Decoder, _ bytes: [UInt8]) {
    let parts = pieces(bytes)
    var summary = Summary()
    for index in stride(from: 0, to: min(parts.count, 8), by: 2) {
        var value = Summary.Value()
        value.tag = "t\(index / 2)"
        value.metadata.pluginData.pluginName = decoder.pluginName
        value.metadata.pluginData.content = Data(parts[index])
        let tensorBytes = index + 1 < parts.count ? parts[index + 1] : []
        if let tensor = try? TensorProto(serializedBytes: tensorBytes) {
            value.tensor = tensor
        } else if decoder == .audio {
            var audio = Summary.Audio()
            audio.encodedAudioString = Data(tensorBytes)
            audio.contentType = "audio/wav"
            audio.sampleRate = 44100
            value.audio = audio
        } else {
            continue
        }
        summary.value.append(value)
    }
    var event = Event()
    event.wallTime = 1
    event.step = 1
    event.summary = summary
    guard let serialized = try? event.serializedBytes() as [UInt8] else {
        return check(false, "an Event made of decoded parts did not serialize")
    }
    var run = RunData(limits: SampleLimits(histograms: 3, images: 2, text: 2))
    run.add(serializedEvent: serialized)
    check(run.corruptRecords == 0, "an Event made of decoded parts was counted as corrupt")
    // The same values again at a later step: reservoirs and per-step merging see two steps.
    event.step = 2
    if let again = try? event.serializedBytes() as [UInt8] { run.add(serializedEvent: again) }
    exerciseRun(run)
}

func fuzzProjector(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let text = String(decoding: bytes[..<split], as: UTF8.self)
    let tensorBytes = Array(bytes[min(bytes.count, split + 1)...])
    var shapes: [[Int]] = [[1, tensorBytes.count / 4], [tensorBytes.count / 4, 1]]
    do {
        let config = try ProjectorConfig(parsing: text)
        shapes += config.embeddings.map(\.tensorShape)
    } catch {
        // Counted in bytes: a Swift string takes "\r\n" as one character, which `split` would not cut.
        let lines = 1 + text.utf8.count { $0 == UInt8(ascii: "\n") }
        check(error.line >= 1 && error.line <= lines, "a config error names line \(error.line) of \(lines): \(error)")
        check(!error.message.isEmpty, "a config error without a message")
    }
    func checkMatrix(_ matrix: EmbeddingMatrix, _ form: String) {
        check(
            matrix.rows >= 0 && matrix.columns >= 0 && matrix.values.count == matrix.rows * matrix.columns,
            "\(form): \(matrix.rows) × \(matrix.columns) with \(matrix.values.count) values")
    }
    if let matrix = try? EmbeddingFiles.parseTSV(tensorBytes, name: "tensors.tsv") { checkMatrix(matrix, "TSV") }
    for shape in shapes {
        if let matrix = try? EmbeddingFiles.parseBinary(tensorBytes, shape: shape, name: "tensors.bytes") {
            checkMatrix(matrix, "float32 \(shape)")
            check(matrix.littleEndianBytes == tensorBytes, "float32 \(shape): the bytes don't round-trip")
        }
    }
}

func fuzzListing(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    check(S3XML.unescape(S3XML.escape(text)) == text, "escaping then unescaping changed the text")
    let page = S3ListPage(xml: text)
    check(page.objects.allSatisfy { $0.size >= 0 }, "a listed object with a negative size")
    check(page.continuationToken?.isEmpty != true, "an empty continuation token")
    // A listing written from the page's objects reads back as the same objects.
    var written = "<ListBucketResult>"
    for object in page.objects {
        written += "<Contents><Key>\(S3XML.escape(object.key))</Key><Size>\(object.size)</Size>"
        written += "<ETag>\(S3XML.escape(object.etag))</ETag>"
        written += "<LastModified>\(S3XML.escape(object.lastModified))</LastModified></Contents>"
    }
    if let token = page.continuationToken {
        written +=
            "<IsTruncated>true</IsTruncated><NextContinuationToken>\(S3XML.escape(token))</NextContinuationToken>"
    }
    written += "</ListBucketResult>"
    let reread = S3ListPage(xml: written)
    check(
        reread == page,
        "a listing written from \(page.objects) read back as \(reread.objects), token \(String(describing: page.continuationToken)) / \(String(describing: reread.continuationToken))"
    )
}

exit(runFuzzer(fuzzDecoders))
