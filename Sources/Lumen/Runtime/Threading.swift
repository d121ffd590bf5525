import Foundation
import COpenBLAS
import Dispatch
import Synchronization

/// Thread settings for kernels.
///
/// Large elementwise ops, reductions and convolutions split their work across
/// ``intraOpThreads`` workers. OpenBLAS keeps its own thread pool, sized by ``blasThreads``; whenever
/// Lumen runs BLAS calls from several of its own workers at once, it sets OpenBLAS to one thread for
/// that region, so the two pools never oversubscribe the cores.
public enum Threading {
    private static let state = Mutex(State())

    private struct State {
        var intraOpThreads = max(1, ProcessInfoCores.count)
        var blasThreads = max(1, ProcessInfoCores.count)
        var parallelRegions = 0
    }

    /// Workers used by one large kernel (default: the number of cores).
    public static var intraOpThreads: Int {
        get { state.withLock { $0.intraOpThreads } }
        set { state.withLock { $0.intraOpThreads = max(1, newValue) } }
    }

    /// Threads OpenBLAS uses for one call outside parallel regions (default: the number of cores).
    public static var blasThreads: Int {
        get { state.withLock { $0.blasThreads } }
        set {
            let n = max(1, newValue)
            state.withLock { s in
                s.blasThreads = n
                if s.parallelRegions == 0 { openblas_set_num_threads(Int32(n)) }
            }
        }
    }

    /// The number of threads OpenBLAS is set to right now.
    public static var currentBLASThreads: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's thread count together with the number of single-threaded regions open right now,
    /// read at one instant (other threads may open regions at any time).
    static var blasSnapshot: (threads: Int, openRegions: Int) {
        state.withLock { s in (Int(openblas_get_num_threads()), s.parallelRegions) }
    }

    /// Runs `body` with OpenBLAS limited to one thread, for regions where Lumen's own workers each
    /// call BLAS. Regions nest and may overlap across threads; the setting is restored when the last
    /// one ends.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        state.withLock { s in
            if s.parallelRegions == 0 { openblas_set_num_threads(1) }
            s.parallelRegions += 1
        }
        defer {
            state.withLock { s in
                s.parallelRegions -= 1
                if s.parallelRegions == 0 { openblas_set_num_threads(Int32(s.blasThreads)) }
            }
        }
        return try body()
    }

    /// Splits `0..<count` into contiguous chunks of at least `minimumChunk` and runs `body` on each,
    /// in parallel when there is more than one chunk.
    @inline(__always)
    static func parallelFor(
        _ count: Int, minimumChunk: Int = 1 << 15, _ body: (Range<Int>) -> Void
    ) {
        let workers = min(intraOpThreads, count / max(minimumChunk, 1))
        if workers <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let chunk = (count + workers - 1) / workers
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = w * chunk
                let end = min(start + chunk, count)
                if start < end { run(start..<end) }
            }
        }
    }
}

/// The number of CPU cores available to this process.
enum ProcessInfoCores {
    static let count: Int = ProcessInfo.processInfo.activeProcessorCount
}
