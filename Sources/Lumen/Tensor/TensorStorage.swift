#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// A 64-byte-aligned block of memory holding a tensor's elements.
///
/// Tensors share storage until one of them is mutated; ``Tensor`` copies it first when it is not
/// uniquely referenced (copy-on-write), so value-style mutation never shows through a copy. The one
/// deliberate exception is ``Tensor/overwrite(with:)``, the in-place update of parameters and
/// buffers, which every copy of that tensor sees (as in PyTorch); don't run it concurrently with
/// readers. Large blocks are recycled through ``StoragePool``.
final class TensorStorage: @unchecked Sendable {
    let byteCount: Int
    let bytes: UnsafeMutableRawPointer

    /// Uninitialized storage of `byteCount` bytes.
    init(byteCount: Int) {
        precondition(byteCount >= 0, "negative storage size \(byteCount)")
        self.byteCount = byteCount
        bytes = StoragePool.allocate(byteCount: byteCount)
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

    deinit { StoragePool.release(bytes, byteCount: byteCount) }
}

/// Recycles large tensor buffers.
///
/// A fresh multi-megabyte allocation is mapped anew by the C library and then page-faulted in on
/// first touch, which costs more than the arithmetic of an elementwise op. Freed blocks of at least
/// ``minimumPooledBytes`` are kept, up to ``capacityBytes`` in total, and handed out again for the
/// same size, so steady-state training loops and big elementwise ops touch warm memory.
enum StoragePool {
    /// Blocks smaller than this go straight to `malloc`, which is fast for them.
    static let minimumPooledBytes = 256 << 10
    /// The most memory the pool keeps idle.
    static let capacityBytes = 1 << 30

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var idleBytes = 0
    }

    private struct Box: @unchecked Sendable { var state = State() }
    private static let state = Mutex(Box())

    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumPooledBytes {
            let reused = state.withLock { box -> UnsafeMutableRawPointer? in
                guard var list = box.state.free[byteCount], let block = list.popLast() else { return nil }
                box.state.free[byteCount] = list.isEmpty ? nil : list
                box.state.idleBytes -= byteCount
                return block
            }
            if let reused { return reused }
        }
        var pointer: UnsafeMutableRawPointer?
        let status = posix_memalign(&pointer, 64, max(byteCount, 64))
        guard status == 0, let pointer else {
            fatalError("Lumen: out of memory allocating \(byteCount) bytes for a tensor")
        }
        return pointer
    }

    static func release(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumPooledBytes {
            let kept = state.withLock { box -> Bool in
                guard box.state.idleBytes + byteCount <= capacityBytes else { return false }
                box.state.free[byteCount, default: []].append(block)
                box.state.idleBytes += byteCount
                return true
            }
            if kept { return }
        }
        free(block)
    }

    /// Frees every idle block (for callers that want the memory back).
    static func drain() {
        let blocks = state.withLock { box -> [UnsafeMutableRawPointer] in
            let all = box.state.free.values.flatMap { $0 }
            box.state.free = [:]
            box.state.idleBytes = 0
            return all
        }
        for block in blocks { free(block) }
    }

    /// Bytes held idle right now.
    static var idleBytes: Int { state.withLock { $0.state.idleBytes } }
}
