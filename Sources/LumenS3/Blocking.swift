import Foundation
import Synchronization

/// Runs `body` and waits for it on the calling thread: the bridge from the board's loading
/// threads and the writer's synchronous `flush()` to the asynchronous S3 client.
///
/// The work runs on threads of its own (``BridgeExecutor``), not on Swift concurrency's shared
/// pool, so a caller that blocks one of that pool's threads can't starve it.
@discardableResult
public func runBlocking<Value: Sendable>(_ body: @escaping @Sendable () async throws(S3Error) -> Value) throws(S3Error)
    -> Value
{
    let result = Mutex<Result<Value, S3Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task(executorPreference: BridgeExecutor.shared) {
        let outcome: Result<Value, S3Error>
        do throws(S3Error) {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    guard let outcome = result.withLock({ $0 }) else { preconditionFailure("runBlocking: the task stored no result") }
    return try outcome.get()
}

/// A task executor with threads of its own, for ``runBlocking(_:)``.
final class BridgeExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = BridgeExecutor(threads: 2)

    private let condition = NSCondition()
    /// Jobs waiting for a thread; guarded by `condition`.
    private var jobs: [UnownedJob] = []

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in self.serve() }
            thread.name = "lumen.s3.bridge.\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
