import Foundation

/// A command-line value the board can't use, with what was wrong.
public struct BoardOptionError: Error, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// The logdirs to serve, as TensorBoard's `--logdir_spec` gives them: either one plain path, or
/// comma-separated entries `name:path` (and plain paths), where the runs under a named path are
/// shown as `name/RUN` (the run at the path itself as `name`).
///
/// As in TensorBoard, an entry is `name:path` when it holds a colon, doesn't start with `/`, isn't a
/// URI (`scheme://...`) and doesn't start with a drive letter (`C:`, a single letter before the
/// colon); it splits at the first colon, so the path may hold colons. A value with no named entry
/// is one path, commas and all.
public struct LogdirSpec: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The name runs are prefixed with, or `nil` for a plain path.
        public var name: String?
        public var path: String

        public init(name: String?, path: String) {
            self.name = name
            self.path = path
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// One plain logdir.
    public init(path: String) { entries = [Entry(name: nil, path: path)] }

    /// Parses a `--logdir` value.
    ///
    /// - Throws: ``BoardOptionError`` for an empty value, an empty entry (`a:x,,b:y`), an empty
    ///   name or path (`:x`, `a:`), or a name given twice.
    public init(parsing text: String) throws(BoardOptionError) {
        guard !text.isEmpty else { throw BoardOptionError("--logdir is empty") }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let parsed = parts.map(Self.entry)
        guard parsed.contains(where: { $0.name != nil }) else {
            self.init(path: text)
            return
        }
        var seen = Set<String>()
        for (index, entry) in parsed.enumerated() {
            guard !parts[index].isEmpty else {
                throw BoardOptionError(
                    "--logdir '\(text)': entry \(index + 1) is empty (entries are name:path, separated by commas)")
            }
            if let name = entry.name {
                guard !name.isEmpty else {
                    throw BoardOptionError("--logdir '\(text)': entry '\(parts[index])' has an empty name before ':'")
                }
                guard seen.insert(name).inserted else {
                    throw BoardOptionError("--logdir '\(text)': the name '\(name)' is given twice")
                }
            }
            guard !entry.path.isEmpty else {
                throw BoardOptionError("--logdir '\(text)': entry '\(parts[index])' has no path after ':'")
            }
        }
        self.init(entries: parsed)
    }

    private static func entry(_ part: String) -> Entry {
        guard let colon = part.firstIndex(of: ":"), !part.hasPrefix("/"), !isURI(part) else {
            return Entry(name: nil, path: part)
        }
        let name = String(part[..<colon])
        if name.count == 1, name.first?.isLetter == true, name.first?.isASCII == true {
            return Entry(name: nil, path: part)  // a Windows drive letter
        }
        return Entry(name: name, path: String(part[part.index(after: colon)...]))
    }

    /// Whether `text` starts like a URI, `[A-Za-z][0-9A-Za-z.]*://` (TensorBoard's test).
    private static func isURI(_ text: String) -> Bool {
        guard let range = text.range(of: "://") else { return false }
        let scheme = text[..<range.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter else { return false }
        return scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") }
    }

    /// The run name for run `relative` (relative to its entry's path, `.` for the path itself) of
    /// an entry named `name`.
    static func runName(entry name: String?, relative: String) -> String {
        guard let name else { return relative }
        return relative == "." ? name : name + "/" + relative
    }
}

extension SampleLimits {
    /// Parses `--samples-per-plugin`: comma-separated `plugin=N` for any of `histograms`, `images`,
    /// `text`, `audio` and `pr_curves`, where N ≥ 0 (0, or `all`, keeps every value); the others keep
    /// their defaults. `scalars=N` (which TensorBoard users pass) is accepted and changes nothing:
    /// scalars are never sampled (see ``notes(parsing:)``).
    ///
    /// - Throws: ``BoardOptionError`` naming an unknown plugin, a bad count, or a malformed entry.
    public init(parsing spec: String) throws(BoardOptionError) {
        self.init()
        var seen = Set<String>()
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw BoardOptionError(
                    "--samples-per-plugin: '\(part)' is not plugin=N (e.g. histograms=500,images=10,text=100)")
            }
            let plugin = pieces[0].trimmingCharacters(in: .whitespaces)
            let value = pieces[1].trimmingCharacters(in: .whitespaces)
            let count: Int
            if value == "all" {
                count = 0
            } else if let n = Int(value), n >= 0 {
                count = n
            } else {
                throw BoardOptionError(
                    "--samples-per-plugin: the count for '\(plugin)' must be an integer ≥ 0 or 'all', not '\(value)'")
            }
            guard seen.insert(plugin).inserted else {
                throw BoardOptionError("--samples-per-plugin: '\(plugin)' is given twice")
            }
            switch plugin {
            case "histograms": histograms = count
            case "images": images = count
            case "text": text = count
            case "audio": audio = count
            case "pr_curves": prCurves = count
            case "scalars": break
            default:
                throw BoardOptionError(
                    "--samples-per-plugin: unknown plugin '\(plugin)' (known: histograms, images, text, audio, pr_curves, scalars)"
                )
            }
        }
    }

    /// What to tell the user about a `--samples-per-plugin` value that parses: a note for an entry
    /// that is accepted but changes nothing (`scalars=N`).
    public static func notes(parsing spec: String) -> [String] {
        let plugins = spec.split(separator: ",").map {
            $0.split(separator: "=").first?.trimmingCharacters(in: .whitespaces) ?? ""
        }
        guard plugins.contains("scalars") else { return [] }
        return ["--samples-per-plugin: scalars are never sampled, every point is kept; 'scalars=…' is ignored"]
    }
}
