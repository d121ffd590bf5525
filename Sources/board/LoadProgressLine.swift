import Foundation
import LumenBoard

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The first load's progress on a terminal: one line, rewritten in place, of files, megabytes and
/// events per second. Nothing is shown when standard output isn't a terminal.
enum LoadProgressLine {
    /// A progress callback for ``BoardLoader``, or `nil` when standard output isn't a terminal.
    static func makeReporter() -> (@Sendable (LoadProgress) -> Void)? {
        guard isatty(STDOUT_FILENO) != 0 else { return nil }
        return { progress in
            FileHandle.standardOutput.write(Data(LoadProgressText.line(progress).utf8))
        }
    }
}
