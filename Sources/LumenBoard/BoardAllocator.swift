import CLumenAllocator

/// The board's setting of the C allocator, made once at start (by `board`, and by `lumen-bench`
/// before it times the board's answers as the server gives them).
///
/// A query makes temporary arrays of a few megabytes (a run's decoded steps and values, a group's
/// means, an answer's bytes). By default glibc maps each allocation above its threshold (128 KiB
/// at first) afresh and unmaps it when freed, and returns the free top of its heap to the system
/// past 128 KiB, so every such array is zero-filled and faulted in page by page again on every
/// query: more than half the time of a 20-run aggregate. Allocations below 32 MiB now come from
/// the heap, and up to 64 MiB of free heap stays with the process to be reused.
public enum BoardAllocator {
    /// Allocations below this many bytes come from the heap, not a mapping of their own.
    public static let mapThreshold = 32 << 20
    /// Free memory at the top of the heap kept up to this many bytes.
    public static let keptFree = 64 << 20

    /// Applies the setting; returns whether it took (it doesn't where the allocator isn't glibc's).
    @discardableResult
    public static func tune() -> Bool {
        lumen_allocator_keep_memory(mapThreshold, keptFree) == 1
    }
}
