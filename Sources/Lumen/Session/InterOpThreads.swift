import Dispatch
import Foundation

/// The threads that run a parallel graph run's extra workers (TensorFlow's inter-op pool).
///
/// They live outside Dispatch's pool on purpose. A worker waiting for ready nodes blocks its
/// thread, and Dispatch, which cannot see that, would count a blocked pool thread as busy and give
/// a large kernel's own split (``Threading/parallelFor(_:minimumChunk:_:)``) fewer threads; a
/// `concurrentPerform` nested in another also runs narrower. Threads are started on first need and
/// then wait for the next run.
final class InterOpThreads: @unchecked Sendable {
    static let shared = InterOpThreads()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var idle = 0

    /// Runs `job` on one of the pool's threads, entering `group` until it returns.
    func async(_ group: DispatchGroup, _ job: @escaping @Sendable () -> Void) {
        group.enter()
        condition.lock()
        jobs.append {
            job()
            group.leave()
        }
        if jobs.count > idle {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "lumen.inter-op"
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func serve() {
        condition.lock()
        while true {
            while jobs.isEmpty {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
