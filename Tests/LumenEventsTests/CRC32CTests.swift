import Testing
import LumenEvents
import LumenTestSupport

/// CRC-32C against published vectors: RFC 3720 appendix B.4 and the common check value.
@Suite struct CRC32CTests {
    @Test func rfc3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// Masked values computed with the pure-Python reference in `TFRecordFrameTests`.
    @Test func maskedValues() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        #expect(CRC32C.masked(0xE306_9283) == 0xC78A_B0E5)
        #expect(CRC32C.masked(CRC32C.checksum([UInt8](repeating: 0, count: 8))) == 0x0798_0329)
        for crc: UInt32 in [0, 1, 0xE306_9283, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678] {
            #expect(CRC32C.unmasked(CRC32C.masked(crc)) == crc)
        }
    }

    /// Every length around the 16-byte block, at every alignment, against a bytewise reference,
    /// and extending a checksum with a seed.
    @Test func matchesBytewiseReferenceAtEveryLengthAndAlignment() {
        let bytes = pseudoRandomBytes(count: 300, seed: 7)
        for start in 0..<17 {
            for length in 0...(bytes.count - start) {
                let slice = bytes[start..<start + length]
                #expect(CRC32C.checksum(slice) == bytewiseCRC32C(slice), "start \(start), length \(length)")
            }
        }
        let whole = CRC32C.checksum(bytes)
        for cut in [0, 1, 15, 16, 17, 150, 300] {
            #expect(CRC32C.checksum(bytes[cut...], seed: CRC32C.checksum(bytes[..<cut])) == whole)
        }
    }

    private func bytewiseCRC32C(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    /// The checksum (the CPU's CRC-32C instruction where there is one) equals the software
    /// slicing-by-16 on every length and alignment.
    @Test func hardwareMatchesSoftware() {
        let bytes = pseudoRandomBytes(count: 300, seed: 3)
        bytes.withUnsafeBytes { all in
            for start in 0..<9 {
                for length in 0..<(all.count - start) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<start + length])
                    #expect(CRC32C.checksum(slice) == CRC32C.softwareChecksum(slice), "\(start) \(length)")
                    #expect(
                        CRC32C.checksum(slice, seed: 0x1234_5678) == CRC32C.softwareChecksum(slice, seed: 0x1234_5678))
                }
            }
        }
    }

    /// A frame's two checksums in one call equal the checksums of its length bytes and its data,
    /// on every data length and alignment.
    @Test func frameChecksumsMatchTheTwoChecksums() {
        let bytes = pseudoRandomBytes(count: 300, seed: 5)
        bytes.withUnsafeBytes { all in
            guard let base = all.baseAddress else { return }
            for start in 0..<9 {
                for dataLength in 0...(all.count - start - TFRecordFrame.headerLength) {
                    let frame = base + start
                    let sums = CRC32C.frameChecksums(frame, dataLength: dataLength)
                    let data = UnsafeRawBufferPointer(start: frame + TFRecordFrame.headerLength, count: dataLength)
                    #expect(sums.length == bytewiseCRC32C(UnsafeRawBufferPointer(start: frame, count: 8)))
                    #expect(sums.data == bytewiseCRC32C(data), "\(start) \(dataLength)")
                }
            }
        }
    }
}
