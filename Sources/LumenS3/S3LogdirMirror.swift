import Foundation
import Synchronization

/// How a grown file is sent to the store, which can't append to an object.
public enum S3UploadStrategy: Sendable, Equatable {
    /// Upload the whole file again.
    case reupload
    /// Once at least `threshold` bytes (≥ 5 MiB, S3's smallest part) are stored, copy them inside
    /// the store (multipart upload with `UploadPartCopy`) and send only the new bytes; smaller
    /// files are uploaded again.
    case copyOnceLarger(threshold: Int64)
}

/// A local spool directory standing in for an `s3://` logdir: writers write their files under
/// ``spool`` as usual, and each ``upload()`` stores every file that changed since its last upload
/// at the same relative key under the logdir's prefix.
///
/// A failed upload throws and leaves the file marked as not uploaded, so the next ``upload()``
/// sends it again; the spool keeps every byte until then.
public final class S3LogdirMirror: Sendable {
    /// The logdir in the store.
    public let location: S3Location
    /// The local directory the files are written to.
    public let spool: String
    /// How grown files are sent.
    public let strategy: S3UploadStrategy
    private let client: S3Client
    /// Relative path → size stored by the last successful upload.
    private let uploaded = Mutex<[String: Int64]>([:])
    /// One upload at a time.
    private let uploading = Mutex<Void>(())

    /// Mirrors `url` (`s3://BUCKET/PREFIX`) from a new spool directory under `spoolRoot` (the
    /// temporary directory by default).
    ///
    /// - Throws: ``S3Error`` when no credentials are found or the endpoint is malformed, or
    ///   ``S3Error/failed(bucket:status:code:message:)`` if `url` is not an `s3://` URL or the spool
    ///   can't be created.
    public init(
        url: String, client: S3Client? = nil, spoolRoot: String? = nil,
        strategy: S3UploadStrategy = .reupload
    ) throws(S3Error) {
        guard let location = S3Location(url: url) else {
            throw .failed(bucket: url, status: 0, code: "InvalidURL", message: "not an s3://BUCKET/PREFIX URL")
        }
        self.location = location
        if let client {
            self.client = client
        } else {
            self.client = S3Client(configuration: try S3Configuration.resolve(bucket: location.bucket))
        }
        self.strategy = strategy
        let root = spoolRoot ?? FileManager.default.temporaryDirectory.path
        let spool = (root as NSString).appendingPathComponent("lumen-s3-spool-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        } catch {
            throw .failed(
                bucket: location.bucket, status: 0, code: "SpoolFailed",
                message: "can't create the spool \(spool): \(error)")
        }
        self.spool = spool
    }

    /// The key of the spool file at `relative`.
    public func key(for relative: String) -> String {
        location.prefix.isEmpty
            ? relative : (location.prefix.hasSuffix("/") ? location.prefix : location.prefix + "/") + relative
    }

    /// Uploads every spool file whose size changed since its last upload.
    ///
    /// - Throws: The first ``S3Error``; the files not stored are sent again by the next call.
    public func upload() throws(S3Error) {
        try uploading.withLock { _ throws(S3Error) in
            var firstError: S3Error?
            for relative in files() {
                let path = (spool as NSString).appendingPathComponent(relative)
                guard let bytes = FileManager.default.contents(atPath: path).map({ [UInt8]($0) }) else { continue }
                let stored = uploaded.withLock { $0[relative] }
                guard stored != Int64(bytes.count) else { continue }
                do throws(S3Error) {
                    try send(bytes, key: key(for: relative), stored: stored ?? 0)
                    uploaded.withLock { $0[relative] = Int64(bytes.count) }
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
        }
    }

    /// Removes the spool directory (after a last successful ``upload()``).
    public func removeSpool() {
        try? FileManager.default.removeItem(atPath: spool)
    }

    private func send(_ bytes: [UInt8], key: String, stored: Int64) throws(S3Error) {
        let (client, bucket) = (client, location.bucket)
        if case .copyOnceLarger(let threshold) = strategy, stored >= max(threshold, 5 << 20),
            stored < Int64(bytes.count)
        {
            let tail = Array(bytes[Int(stored)...])
            try runBlocking { () async throws(S3Error) in
                try await client.appendByCopy(bucket: bucket, key: key, copyLength: stored, tail: tail)
            }
        } else {
            try runBlocking { () async throws(S3Error) in
                try await client.putObject(bucket: bucket, key: key, bytes: bytes)
            }
        }
    }

    /// The spool's regular files, relative to it, sorted.
    private func files() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: spool) else { return [] }
        var out: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: (spool as NSString).appendingPathComponent(relative), isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                out.append(relative)
            }
        }
        return out.sorted()
    }
}
