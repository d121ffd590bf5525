#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file read with POSIX `pread`, whose size is taken with `fstat` on every request, so a file
/// that another process is appending to is seen as it grows.
///
/// The file stays open until the source is released. Reads at explicit offsets share no file
/// position, so one source may serve several tasks at once.
public final class FileByteSource: ByteSource, Sendable {
    /// The path the file was opened at.
    public let path: String

    private let descriptor: Int32

    /// Opens the file at `path` for reading.
    ///
    /// - Throws: ``FileByteSourceError/openFailed(path:errno:)``.
    public init(path: String) throws {
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw FileByteSourceError.openFailed(path: path, errno: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// The file's size now.
    public var size: Int64 {
        get throws {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw FileByteSourceError.statusFailed(path: path, errno: errno)
            }
            return Int64(status.st_size)
        }
    }

    /// The device and inode of the open file, which tell it from another file later put at `path`.
    public var identity: FileIdentity {
        get throws {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw FileByteSourceError.statusFailed(path: path, errno: errno)
            }
            return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        }
    }

    /// Returns up to `maxLength` bytes from `offset`; fewer at the end of the file.
    public func read(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        precondition(offset >= 0 && maxLength >= 0, "offset and length are never negative")
        guard maxLength > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: maxLength) { bytes, count in
            count = 0
            guard let base = bytes.baseAddress else { return }
            while count < maxLength {
                let result = pread(descriptor, base + count, maxLength - count, off_t(offset + Int64(count)))
                if result > 0 {
                    count += result
                } else if result == 0 {
                    break
                } else if errno != EINTR {
                    throw FileByteSourceError.readFailed(path: path, offset: offset + Int64(count), errno: errno)
                }
            }
        }
    }
}

/// Which file a path named: its device and inode.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
