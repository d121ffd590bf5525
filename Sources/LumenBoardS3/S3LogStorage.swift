import Foundation
import LumenEvents
import LumenBoard
import LumenS3
import Synchronization

/// Logdirs in an S3-compatible object store, `s3://BUCKET/PREFIX`.
///
/// Each ``discoverRuns(under:)`` is one paginated `ListObjectsV2` of the prefix; the listing's
/// sizes and versions (ETag and Last-Modified) are what the files' ``StoredEventFile/state()``
/// reports until the next listing, so a pass costs one listing plus ranged `GET`s of what was
/// appended. The runs are the "directories" of the keys under the prefix that hold event files.
public final class S3LogStorage: LogStorage {
    /// The client requests go through.
    public let client: S3Client
    /// How many bytes one ranged `GET` asks for (at least what the reader wants).
    public let blockSize: Int
    /// Objects of the last listings: URL → object.
    private let catalog = Mutex<[String: S3Object]>([:])
    /// Prefixes listed: URL of the root → URLs of its objects, to tell deleted objects.
    private let listed = Mutex<[String: Set<String>]>([:])

    public init(client: S3Client, blockSize: Int = 8 << 20) {
        self.client = client
        self.blockSize = blockSize
    }

    /// How many runs of a store load side by side: each request waits on the network.
    public static let defaultConcurrentRuns = 16

    /// Runs of many files load side by side: each request waits on the network.
    public var concurrentRuns: Int { Self.defaultConcurrentRuns }

    public func discoverRuns(under root: String) throws -> [String: [String]] {
        guard let location = S3Location(url: root) else { throw StorageUnavailable("\(root) is not an s3:// URL") }
        let prefix = location.prefix.isEmpty || location.prefix.hasSuffix("/") ? location.prefix : location.prefix + "/"
        let client = self.client
        let objects: [S3Object]
        do throws(S3Error) {
            objects = try runBlocking { () async throws(S3Error) in
                try await client.listObjects(bucket: location.bucket, prefix: prefix)
            }
        } catch {
            if error.isTransient { throw StorageUnavailable(error.description) }
            throw error
        }
        var runs: [String: [String]] = [:]
        var urls = Set<String>()
        var found: [String: S3Object] = [:]
        for object in objects {
            let relative = object.key.dropFirst(prefix.count)
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
            guard let name = parts.last, name.contains("tfevents"), !parts.dropLast().contains("") else { continue }
            let run = parts.count == 1 ? "." : parts.dropLast().joined(separator: "/")
            let url = location.url(forKey: object.key)
            runs[run, default: []].append(url)
            urls.insert(url)
            found[url] = object
        }
        let gone = listed.withLock { listed in
            let before = listed[root] ?? []
            listed[root] = urls
            return before.subtracting(urls)
        }
        catalog.withLock { catalog in
            for url in gone { catalog[url] = nil }
            catalog.merge(found) { $1 }
        }
        return runs.mapValues { $0.sorted() }
    }

    public func open(_ path: String) throws -> any StoredEventFile {
        guard let location = S3Location(url: path), let object = object(at: path) else {
            throw S3Error.noSuchKey(bucket: S3Location(url: path)?.bucket ?? "", key: path)
        }
        return S3EventFile(path: path, bucket: location.bucket, key: location.prefix, object: object, storage: self)
    }

    /// The object at `url` as of the last listing.
    func object(at url: String) -> S3Object? { catalog.withLock { $0[url] } }
}

/// An object of a logdir in the store, read with ranged `GET`s of ``S3LogStorage/blockSize``
/// bytes (the reader's smaller reads are served from the last block), each sent with `If-Match`
/// so a replacement between listing and read is noticed.
///
/// S3 objects can't be appended to: a writer that adds to a file uploads the whole object again,
/// which gives it a new ETag. So a new version is taken as the same file grown when its bytes
/// just before what was read so far are still the bytes read there; otherwise it was replaced.
final class S3EventFile: StoredEventFile {
    let path: String
    private let bucket: String
    private let key: String
    private let storage: S3LogStorage

    private struct Status {
        /// The version being read.
        var object: S3Object
        /// The last block fetched: its offset and bytes.
        var blockOffset: Int64 = 0
        var block: [UInt8] = []
        /// The object's first bytes (up to ``checkLength``) in version `headETag`: the loader reads
        /// them on every pass to notice a rewritten file, and a version's bytes never change.
        var head: [UInt8] = []
        var headETag = ""
        /// The last bytes read, ending at `readEnd`, to tell a grown object from a replaced one.
        var lastBytes: [UInt8] = []
        var readEnd: Int64 = 0
    }

    private let status: Mutex<Status>
    /// How many bytes before the read end are compared when the version changes.
    static let checkLength = 4096

    init(path: String, bucket: String, key: String, object: S3Object, storage: S3LogStorage) {
        self.path = path
        self.bucket = bucket
        self.key = key
        self.storage = storage
        self.status = Mutex(Status(object: object))
    }

    var size: Int64 { status.withLock { $0.object.size } }

    func state() throws -> StoredFileState {
        guard let listed = storage.object(at: path) else { return .deleted }
        let current = status.withLock { $0 }
        if listed.etag == current.object.etag && listed.lastModified == current.object.lastModified
            && listed.size == current.object.size
        {
            return .present(size: listed.size)
        }
        guard listed.size >= current.readEnd else { return .replaced }
        if current.readEnd > 0 {
            let length = Int64(current.lastBytes.count)
            let bytes = try fetch(
                Range(uncheckedBounds: (current.readEnd - length, current.readEnd)), etag: listed.etag)
            guard let bytes else { return .present(size: current.object.size) }  // changed again: next pass
            guard bytes == current.lastBytes else { return .replaced }
        }
        status.withLock {
            $0.object = listed
            $0.block = []
        }
        return .present(size: listed.size)
    }

    func read(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        precondition(offset >= 0 && maxLength >= 0, "offset and length are never negative")
        let current = status.withLock { $0 }
        let end = min(offset + Int64(maxLength), current.object.size)
        guard end > offset else { return [] }
        var bytes: [UInt8]
        if offset == 0, end <= Int64(current.head.count), current.headETag == current.object.etag {
            bytes = Array(current.head[..<Int(end)])
        } else if offset >= current.blockOffset, end <= current.blockOffset + Int64(current.block.count) {
            let start = Int(offset - current.blockOffset)
            bytes = Array(current.block[start..<start + Int(end - offset)])
        } else if end - offset <= Int64(Self.checkLength) {
            // A small read away from the block (the loader's look at the first bytes): fetched
            // alone, so the block it is reading on from stays.
            guard let small = try fetch(offset..<end, etag: current.object.etag) else {
                throw StorageUnavailable("\(path) changed while being read; reading again next pass")
            }
            bytes = small
        } else {
            let blockEnd = min(current.object.size, offset + Int64(max(maxLength, storage.blockSize)))
            guard let block = try fetch(offset..<blockEnd, etag: current.object.etag) else {
                throw StorageUnavailable("\(path) changed while being read; reading again next pass")
            }
            status.withLock {
                $0.blockOffset = offset
                $0.block = block
            }
            // Usually the whole block: then the array is shared, not copied.
            bytes = block.count == Int(end - offset) ? block : Array(block.prefix(Int(end - offset)))
        }
        status.withLock { status in
            if offset == 0, status.object.etag == current.object.etag,
                status.headETag != current.object.etag || bytes.count > status.head.count
            {
                status.head = Array(bytes.prefix(Self.checkLength))
                status.headETag = current.object.etag
            }
            let readEnd = offset + Int64(bytes.count)
            guard readEnd > status.readEnd else { return }
            // Only the last `checkLength` bytes are kept: the read's own, and before them (when this
            // read continues the last one and is shorter) the kept bytes that come before `offset`.
            let own = bytes.suffix(Self.checkLength)
            let wanted = Self.checkLength - own.count
            let before = offset <= status.readEnd ? status.lastBytes.count - Int(status.readEnd - offset) : 0
            let head = wanted > 0 && before > 0 ? status.lastBytes[..<before].suffix(wanted) : []
            status.lastBytes = Array(head) + own
            status.readEnd = readEnd
        }
        return bytes
    }

    /// The bytes `range` of version `etag`, or `nil` if the object is no longer that version.
    private func fetch(_ range: Range<Int64>, etag: String) throws -> [UInt8]? {
        let (client, bucket, key) = (storage.client, bucket, key)
        do throws(S3Error) {
            return try runBlocking { () async throws(S3Error) in
                try await client.getObject(bucket: bucket, key: key, range: range, ifMatch: etag)
            }
        } catch {
            switch error {
            case .changed: return nil
            case .noSuchKey: throw StorageUnavailable(error.description)
            default:
                if error.isTransient { throw StorageUnavailable(error.description) }
                throw error
            }
        }
    }
}
