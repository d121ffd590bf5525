import CZstd
import Foundation
import LumenEvents

/// Compression of HTTP answers: which content coding a client accepts, and the compression
/// itself (gzip for every client, Zstandard for those that list it).
public enum BoardCompression {
    /// A content coding of an HTTP answer (RFC 9110 §8.4.1; `zstd` is RFC 8878).
    public enum Coding: String, Sendable, CaseIterable {
        case identity, gzip, zstd

        /// The `Content-Encoding` value, `nil` for identity.
        public var header: String? { self == .identity ? nil : rawValue }
    }

    /// The coding to answer a request whose `Accept-Encoding` is `header` with: `zstd` when it
    /// is listed with a weight at least gzip's (it compresses about 2.5 times as fast as gzip's
    /// fastest level and its output is smaller and faster to decode), else gzip when accepted,
    /// else identity. `*` stands for gzip when gzip isn't listed (not for zstd, which a client
    /// that only sends `*` may not read); `q=0` refuses a coding, and weights are clamped to 0–1.
    public static func preferredCoding(_ header: String?) -> Coding {
        let weights = weights(header)
        let zstd = weights["zstd"] ?? 0
        let gzip = gzipWeight(weights)
        if zstd > 0, zstd >= gzip { return .zstd }
        return gzip > 0 ? .gzip : .identity
    }

    /// Each coding an `Accept-Encoding` header lists (lowercased), with its weight clamped to 0–1.
    private static func weights(_ header: String?) -> [String: Double] {
        var weights: [String: Double] = [:]
        for item in (header ?? "").lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first, !coding.isEmpty else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            weights[coding] = q.isNaN ? 0 : Swift.min(Swift.max(q, 0), 1)
        }
        return weights
    }

    /// gzip's weight: its own (or `x-gzip`'s) when listed, else that of `*`.
    private static func gzipWeight(_ weights: [String: Double]) -> Double {
        weights["gzip"] ?? weights["x-gzip"] ?? weights["*"] ?? 0
    }

    /// Whether an `Accept-Encoding` header accepts gzip: listed (or, when not, `*`) without `q=0`.
    public static func acceptsGzip(_ header: String?) -> Bool {
        gzipWeight(weights(header)) > 0
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

    /// `bytes` as one Zstandard frame at `level` (1 is the fastest of the standard levels), with
    /// its content size and checksum, or `nil` if the library fails.
    public static func zstd(_ bytes: [UInt8], level: Int32 = 1) -> [UInt8]? {
        guard let context = ZSTD_createCCtx() else { return nil }
        defer { ZSTD_freeCCtx(context) }
        guard ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)) == 0,
            ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)) == 0
        else { return nil }
        // Into scratch room of the worst case, then copied into an array of exactly its size: the
        // response cache counts an answer by its bytes, and an array keeps the room it was made with.
        let bound = ZSTD_compressBound(bytes.count)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(bound, 1), alignment: 16)
        defer { scratch.deallocate() }
        let written = bytes.withUnsafeBytes { source in
            ZSTD_compress2(context, scratch.baseAddress, bound, source.baseAddress, source.count)
        }
        guard ZSTD_isError(written) == 0 else { return nil }
        return [UInt8](UnsafeRawBufferPointer(rebasing: scratch[..<written]))
    }
}
