import Foundation
import LumenTestSupport

/// An independent TFRecord reader in pure Python (its own CRC-32C, no packages), run with `python3`.
///
/// Given a file, it checks every frame's length and data checksums and prints a JSON array with
/// `[offset, length, crc32c of the data]` for each record; on any damage it exits non-zero.
/// It also produced the expected record count of the TensorFlow fixture in `FixtureTests`.
enum ReferenceTFRecordReader {
    static let script = #"""
        import json, struct, sys

        def make_table():
            table = []
            for byte in range(256):
                crc = byte
                for _ in range(8):
                    crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
                table.append(crc)
            return table

        TABLE = make_table()

        def crc32c(data):
            crc = 0xFFFFFFFF
            for byte in data:
                crc = TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
            return crc ^ 0xFFFFFFFF

        def masked(crc):
            return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

        data = open(sys.argv[1], 'rb').read()
        records, offset = [], 0
        while offset < len(data):
            if offset + 12 > len(data):
                sys.exit('truncated header at %d' % offset)
            length, length_crc = struct.unpack_from('<QI', data, offset)
            if length_crc != masked(crc32c(data[offset:offset + 8])):
                sys.exit('bad length checksum at %d' % offset)
            end = offset + 12 + length
            if end + 4 > len(data):
                sys.exit('truncated record at %d' % offset)
            (data_crc,) = struct.unpack_from('<I', data, end)
            payload = data[offset + 12:end]
            if data_crc != masked(crc32c(payload)):
                sys.exit('bad data checksum at %d' % offset)
            records.append([offset, length, crc32c(payload)])
            offset = end + 4
        print(json.dumps(records))
        """#

    /// One record as the Python reader saw it.
    struct Record: Equatable {
        var offset: Int64
        var length: Int
        var crc: UInt32
    }

    static var python: String? {
        executable(["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"])
            ?? ProcessInfo.processInfo.environment["PATH"]?
            .split(separator: ":")
            .map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Reads the TFRecord file at `path` with the Python reader.
    static func records(inFileAt path: String) throws -> [Record] {
        guard let python else { throw ReferenceError.pythonNotFound }
        let output = try runProcess(python, ["-c", script, path])
        guard output.status == 0 else { throw ReferenceError.failed(output.standardError) }
        let rows = try JSONDecoder().decode([[UInt64]].self, from: output.standardOutput)
        return rows.map { Record(offset: Int64($0[0]), length: Int($0[1]), crc: UInt32($0[2])) }
    }

    enum ReferenceError: Error {
        case pythonNotFound
        case failed(String)
    }
}
