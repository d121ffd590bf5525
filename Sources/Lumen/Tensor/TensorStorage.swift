#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte-aligned block of memory holding a tensor's elements.
///
/// Tensors share storage until one of them is mutated; ``Tensor`` copies it first when it is not
/// uniquely referenced (copy-on-write). Storage is never mutated while shared, which is what makes
/// sharing it across threads safe.
final class TensorStorage: @unchecked Sendable {
    let byteCount: Int
    let bytes: UnsafeMutableRawPointer

    /// Uninitialized storage of `byteCount` bytes.
    init(byteCount: Int) {
        precondition(byteCount >= 0, "negative storage size \(byteCount)")
        self.byteCount = byteCount
        var pointer: UnsafeMutableRawPointer?
        let status = posix_memalign(&pointer, 64, max(byteCount, 64))
        guard status == 0, let pointer else {
            fatalError("Lumen: out of memory allocating \(byteCount) bytes for a tensor")
        }
        bytes = pointer
    }

    /// Zero-filled storage.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    /// A copy of this storage.
    func copy() -> TensorStorage {
        let result = TensorStorage(byteCount: byteCount)
        result.bytes.copyMemory(from: bytes, byteCount: byteCount)
        return result
    }

    deinit { free(bytes) }
}
