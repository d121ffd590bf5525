import Foundation
import LumenEvents

/// gzip for HTTP answers: whether a client accepts it, and the compression itself.
public enum BoardCompression {
    /// Whether an `Accept-Encoding` header lists gzip (or `*`) without `q=0`.
    public static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    /// `bytes` as one gzip member at deflate `level` (0–9), or `nil` if zlib fails.
    public static func gzip(_ bytes: [UInt8], level: Int = 6) -> [UInt8]? {
        guard let writer = try? GzipMemberWriter(level: level) else { return nil }
        do {
            try writer.append(bytes)
            return try writer.finishMember()
        } catch {
            return nil
        }
    }
}
