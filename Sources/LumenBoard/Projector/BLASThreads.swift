import COpenBLAS

/// OpenBLAS's worker threads, as the board sees them.
public enum BLASThreads {
    /// Ends OpenBLAS's worker threads until the next BLAS call that wants them (the projector's
    /// PCA and neighbours).
    ///
    /// OpenBLAS starts its workers when the library loads, and each then spins on `sched_yield` for
    /// about 0.1 s waiting for work: at the board's start, that is a core taken from loading the
    /// logdir (about a tenth of the first load's CPU samples under `perf`). Call it before the
    /// first load, while no BLAS call runs.
    public static func stopIdleWorkers() {
        _ = blas_thread_shutdown_()
    }
}
