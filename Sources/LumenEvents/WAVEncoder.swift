/// Encodes audio as a 16-bit PCM WAV file (RIFF `WAVE` with a 16-byte `fmt ` chunk and one `data`
/// chunk, the 44-byte header Python's `wave` module writes), and reads the format back.
public enum WAVEncoder {
    /// What a WAV file's `fmt ` chunk says.
    public struct Format: Sendable, Equatable {
        /// Frames per second.
        public var sampleRate: Int
        /// Interleaved channels per frame.
        public var channels: Int
        /// Bits per sample.
        public var bitsPerSample: Int
        /// Frames in the `data` chunk.
        public var frames: Int

        public init(sampleRate: Int, channels: Int, bitsPerSample: Int, frames: Int) {
            self.sampleRate = sampleRate
            self.channels = channels
            self.bitsPerSample = bitsPerSample
            self.frames = frames
        }
    }

    /// The largest total size a RIFF chunk can state.
    static let maximumDataBytes = Int(UInt32.max) - 36

    /// Returns the WAV file of `samples`, frame by frame (`channels` interleaved samples per frame),
    /// each in [-1, 1]: clipped to it, then scaled by 32767 and truncated toward zero, as PyTorch's
    /// `add_audio` does. A NaN sample is written as 0.
    ///
    /// - Throws: ``WAVEncoderError`` for a channel count below 1, a sample count that isn't a
    ///   whole number of frames, a sample rate outside 1…2³²−1, or more data than a WAV file holds.
    public static func encode(samples: [Float], channels: Int, sampleRate: Int) throws(WAVEncoderError) -> [UInt8] {
        guard channels >= 1, channels <= Int(UInt16.max) else { throw .invalidChannelCount(channels) }
        guard samples.count % channels == 0 else {
            throw .incompleteFrame(samples: samples.count, channels: channels)
        }
        guard sampleRate >= 1, sampleRate <= Int(UInt32.max), sampleRate * channels * 2 <= Int(UInt32.max) else {
            throw .invalidSampleRate(sampleRate)
        }
        let dataBytes = samples.count * 2
        guard dataBytes <= maximumDataBytes else { throw .tooLong(samples: samples.count) }
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataBytes)
        func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { out.append(contentsOf: $0) } }
        func append16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8))
        append32(36 + dataBytes)
        out.append(contentsOf: Array("WAVEfmt ".utf8))
        append32(16)
        append16(1)  // PCM
        append16(channels)
        append32(sampleRate)
        append32(sampleRate * channels * 2)  // bytes per second
        append16(channels * 2)  // bytes per frame
        append16(16)
        out.append(contentsOf: Array("data".utf8))
        append32(dataBytes)
        for sample in samples {
            let clipped = sample.isNaN ? 0 : Swift.min(Swift.max(sample, -1), 1)
            let value = Int16(clipped * 32767)
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The format of the WAV file `bytes`, from its `fmt ` and `data` chunks; `nil` if it isn't a
    /// RIFF `WAVE` file with both (a `data` chunk longer than the file counts what is there).
    public static func format<Bytes: RandomAccessCollection>(of bytes: Bytes) -> Format?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        let start = bytes.startIndex
        func u32(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            var value = 0
            for i in (0..<4).reversed() { value = value << 8 | Int(bytes[start + at + i]) }
            return value
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            return Int(bytes[start + at]) | Int(bytes[start + at + 1]) << 8
        }
        func tag(_ at: Int, _ text: String) -> Bool {
            guard at + 4 <= bytes.count else { return false }
            return zip(bytes[(start + at)..<(start + at + 4)], text.utf8).allSatisfy { $0 == $1 }
        }
        guard tag(0, "RIFF"), tag(8, "WAVE") else { return nil }
        var offset = 12
        var format: (rate: Int, channels: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            guard let size = u32(offset + 4) else { return nil }
            let body = offset + 8
            if tag(offset, "fmt ") {
                guard size >= 16, let channels = u16(body + 2), let rate = u32(body + 4), let bits = u16(body + 14)
                else { return nil }
                format = (rate, channels, bits)
            } else if tag(offset, "data") {
                guard let format, format.channels > 0, format.bits > 0 else { return nil }
                let available = Swift.min(size, bytes.count - body)
                let frameBytes = format.channels * ((format.bits + 7) / 8)
                return Format(
                    sampleRate: format.rate, channels: format.channels, bitsPerSample: format.bits,
                    frames: available / frameBytes)
            }
            offset = body + size + (size & 1)
        }
        return nil
    }
}

/// Why audio couldn't be encoded as WAV.
public enum WAVEncoderError: Error, Equatable, CustomStringConvertible {
    case invalidChannelCount(Int)
    case incompleteFrame(samples: Int, channels: Int)
    case invalidSampleRate(Int)
    case tooLong(samples: Int)

    public var description: String {
        switch self {
        case .invalidChannelCount(let channels):
            "a WAV file has 1 to 65535 channels, not \(channels)"
        case .incompleteFrame(let samples, let channels):
            "\(samples) samples are not a whole number of frames of \(channels) channels"
        case .invalidSampleRate(let rate):
            "the sample rate \(rate) Hz is outside what a WAV file holds (1 Hz up, at most 2^32-1 bytes a second)"
        case .tooLong(let samples):
            "\(samples) 16-bit samples are more than a WAV file holds (4 GiB)"
        }
    }
}
