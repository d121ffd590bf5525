import Foundation

/// A fresh temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "lumen") throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `relative` inside the directory.
    public func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    /// Writes `bytes` to `relative`, creating folders on the way.
    public func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    /// Appends `bytes` to the existing file `relative`.
    public func append(_ relative: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file(relative)))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A fresh path in the temporary directory; whatever is there is removed when `body` returns.
public func withTemporaryPath<Result>(suffix: String = "", _ body: (String) throws -> Result) rethrows -> Result {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("lumen-\(UUID().uuidString)\(suffix)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
public func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
