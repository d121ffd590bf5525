import CLumenCRC32C

/// CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), the checksum of TFRecord framing,
/// and TFRecord's checksum mask.
///
/// The checksum uses the CPU's CRC-32C instruction where there is one (SSE 4.2 on x86-64, through
/// the small C target `CLumenCRC32C`, since Swift can't reach it), and otherwise software
/// slicing-by-16: sixteen 256-entry tables let the loop fold 16 input bytes per iteration with
/// independent table loads. Both give the same results (tested on every length and alignment).
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    public static let polynomial: UInt32 = 0x82F6_3B78

    /// The constant TFRecord adds after rotating a checksum (see ``masked(_:)``).
    public static let maskDelta: UInt32 = 0xA282_EAD8

    /// Returns the CRC-32C of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The bytes to checksum.
    ///   - seed: The checksum of the bytes that precede `bytes`, to extend it; `0` to start afresh.
    ///     `checksum(b, seed: checksum(a))` equals the checksum of `a` followed by `b`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard usesHardware, let base = bytes.baseAddress else { return softwareChecksum(bytes, seed: seed) }
        return lumen_crc32c_hardware(seed, base, bytes.count)
    }

    /// The unmasked checksums of a TFRecord frame in place: of the 8 length bytes at `frame` and
    /// of the `dataLength` data bytes that start ``TFRecordFrame/headerLength`` bytes after it
    /// (the caller makes sure they are there). Equal to two ``checksum(_:seed:)`` calls, in one.
    @inlinable
    public static func frameChecksums(_ frame: UnsafeRawPointer, dataLength: Int) -> (length: UInt32, data: UInt32) {
        var length: UInt32 = 0
        var data: UInt32 = 0
        if lumen_crc32c_frame(frame, dataLength, &length, &data) != 0 { return (length, data) }
        return (
            softwareChecksum(UnsafeRawBufferPointer(start: frame, count: 8)),
            softwareChecksum(UnsafeRawBufferPointer(start: frame + TFRecordFrame.headerLength, count: dataLength))
        )
    }

    /// Whether ``checksum(_:seed:)`` uses the CPU's CRC-32C instruction.
    public static var usesHardware: Bool { lumen_crc32c_hardware_present() != 0 }

    /// Returns the CRC-32C of `bytes` computed in software (slicing-by-16), whatever the CPU has;
    /// ``checksum(_:seed:)`` gives the same result.
    public static func softwareChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard var pointer = bytes.baseAddress, !bytes.isEmpty else { return seed }
        var remaining = bytes.count
        var crc = ~seed
        table.withUnsafeBufferPointer { tableBuffer in
            // `table` is never empty, so the base address exists.
            let t = tableBuffer.baseAddress.unsafelyUnwrapped
            while remaining >= 16 {
                let low = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)) ^ UInt64(crc)
                let high = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                let a =
                    t[15 &* 256 &+ Int(truncatingIfNeeded: low & 0xFF)]
                    ^ t[14 &* 256 &+ Int(truncatingIfNeeded: (low &>> 8) & 0xFF)]
                    ^ t[13 &* 256 &+ Int(truncatingIfNeeded: (low &>> 16) & 0xFF)]
                    ^ t[12 &* 256 &+ Int(truncatingIfNeeded: (low &>> 24) & 0xFF)]
                let b =
                    t[11 &* 256 &+ Int(truncatingIfNeeded: (low &>> 32) & 0xFF)]
                    ^ t[10 &* 256 &+ Int(truncatingIfNeeded: (low &>> 40) & 0xFF)]
                    ^ t[9 &* 256 &+ Int(truncatingIfNeeded: (low &>> 48) & 0xFF)]
                    ^ t[8 &* 256 &+ Int(truncatingIfNeeded: low &>> 56)]
                let c =
                    t[7 &* 256 &+ Int(truncatingIfNeeded: high & 0xFF)]
                    ^ t[6 &* 256 &+ Int(truncatingIfNeeded: (high &>> 8) & 0xFF)]
                    ^ t[5 &* 256 &+ Int(truncatingIfNeeded: (high &>> 16) & 0xFF)]
                    ^ t[4 &* 256 &+ Int(truncatingIfNeeded: (high &>> 24) & 0xFF)]
                let d =
                    t[3 &* 256 &+ Int(truncatingIfNeeded: (high &>> 32) & 0xFF)]
                    ^ t[2 &* 256 &+ Int(truncatingIfNeeded: (high &>> 40) & 0xFF)]
                    ^ t[1 &* 256 &+ Int(truncatingIfNeeded: (high &>> 48) & 0xFF)]
                    ^ t[Int(truncatingIfNeeded: high &>> 56)]
                crc = (a ^ b) ^ (c ^ d)
                pointer += 16
                remaining &-= 16
            }
            while remaining > 0 {
                let index = Int(truncatingIfNeeded: (crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)
                crc = t[index] ^ (crc &>> 8)
                pointer += 1
                remaining &-= 1
            }
        }
        return ~crc
    }

    /// Returns the CRC-32C of `bytes`; see the `UnsafeRawBufferPointer` overload.
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes, seed: UInt32 = 0) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0), seed: seed) }) {
            return crc
        }
        return Array(bytes).withUnsafeBytes { checksum($0, seed: seed) }
    }

    /// Returns `crc` masked the way TFRecord stores it: rotated right by 15 bits, plus ``maskDelta``.
    ///
    /// TFRecord masks checksums so that a checksum of data that itself holds checksums stays well mixed.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc &>> 15) | (crc &<< 17)) &+ maskDelta
    }

    /// Returns the checksum that ``masked(_:)`` turned into `maskedCRC`.
    public static func unmasked(_ maskedCRC: UInt32) -> UInt32 {
        let rotated = maskedCRC &- maskDelta
        return (rotated &>> 17) | (rotated &<< 15)
    }

    /// Sixteen tables of 256 entries, table `k` at `k * 256`: entry `i` of table `k` is the CRC
    /// register after byte `i` followed by `k` zero bytes.
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 16 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc &>> 1) ^ polynomial : crc &>> 1
            }
            table[byte] = crc
        }
        for slice in 1..<16 {
            for byte in 0..<256 {
                let previous = table[(slice - 1) * 256 + byte]
                table[slice * 256 + byte] = (previous &>> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()
}
