import Foundation

/// How far a load has got, for the progress display.
public struct LoadProgress: Sendable, Equatable {
    /// Event files found.
    public var files: Int
    /// Bytes read so far in this pass (compressed bytes for gzip files).
    public var bytes: Int
    /// Records decoded so far in this pass.
    public var records: Int
    /// Seconds since the pass started.
    public var seconds: Double
    /// Whether the pass is over.
    public var done: Bool

    public init(files: Int, bytes: Int, records: Int, seconds: Double, done: Bool) {
        self.files = files
        self.bytes = bytes
        self.records = records
        self.seconds = seconds
        self.done = done
    }
}

/// The terminal line showing a ``LoadProgress``.
public enum LoadProgressText {
    /// The line for `progress`: a carriage return and erase-line first, so each line overwrites
    /// the last; the final one (`done`) ends with a newline.
    public static func line(_ progress: LoadProgress) -> String {
        let megabytes = Double(progress.bytes) / 1_048_576
        let rate = progress.seconds > 0 ? Double(progress.records) / progress.seconds : 0
        let verb = progress.done ? "loaded" : "loading"
        let text =
            "\(verb) \(progress.files) files, \(String(format: "%.1f", megabytes)) MB, "
            + "\(progress.records) events (\(Int(rate.rounded())) events/s) in \(String(format: "%.2f", progress.seconds)) s"
        return "\r\u{1B}[K" + text + (progress.done ? "\n" : "")
    }
}
