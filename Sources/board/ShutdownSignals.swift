import Foundation
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT and SIGTERM, from the first moment of `board run`: the first one starts a graceful
/// shutdown of the server and the process exits at the latest ``deadline`` seconds later; a second
/// one exits at once.
///
/// The board only reads, so exiting with work in flight loses nothing; the deadline is what makes
/// "the board stops within a second" hold whatever the loader's threads or a slow client are
/// doing. The handler is installed with `sigaction` as the first thing the command does (before
/// the loader's threads exist), so no signal arrives between a default disposition and a later
/// handler; the handler only writes a byte to a pipe, which a thread of its own reads.
enum ShutdownSignals {
    /// Seconds from the first signal to the exit, graceful or not.
    static let deadline = 0.8

    /// The write end of the pipe the handler writes to (set once, before the handler is installed).
    nonisolated(unsafe) private static var pipeWriteEnd: Int32 = -1

    /// Installs the handler; `shutdown` is called (on a thread of its own) on the first signal.
    static func install(shutdown: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        pipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread {
            var byte: UInt8 = 0
            var signals = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else { return }
                signals += 1
                if signals > 1 { _exit(130) }
                shutdown()
                DispatchQueue.global().asyncAfter(deadline: .now() + deadline) {
                    FileHandle.standardError.write(Data("board: stopped without waiting for open requests\n".utf8))
                    _exit(0)
                }
            }
        }
        thread.name = "lumen.board.signals"
        thread.start()
        for signal in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Darwin)
                action.__sigaction_u.__sa_handler = ShutdownSignals.handle
            #else
                action.__sigaction_handler.sa_handler = ShutdownSignals.handle
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
    }

    /// The signal handler: async-signal-safe, it only writes one byte.
    private static let handle: @convention(c) (Int32) -> Void = { _ in
        var byte: UInt8 = 1
        _ = write(ShutdownSignals.pipeWriteEnd, &byte, 1)
    }
}

/// Lets the signal thread shut down a service group that may not exist yet.
final class ShutdownSwitch: Sendable {
    private let state = Mutex<(group: ServiceGroup?, requested: Bool)>((nil, false))

    /// Shuts `group` down now if a signal came before it existed; later signals shut it down.
    func attach(_ group: ServiceGroup) async {
        let requested = state.withLock { state in
            state.group = group
            return state.requested
        }
        if requested { await group.triggerGracefulShutdown() }
    }

    /// The signal: shuts the group down, or remembers to once it is attached.
    func trigger() {
        let group = state.withLock { state in
            state.requested = true
            return state.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }
}
