import Foundation

/// Finds the runs under a logdir.
///
/// Every directory under the logdir (the logdir itself included) that directly holds a file whose
/// name contains `tfevents` is a run, named by its path relative to the logdir, `.` for the logdir
/// itself. A run's files are listed in name order. Symbolic links to directories are not followed,
/// so a link cycle can't make discovery loop. A missing or unreadable logdir has no runs.
public enum RunDiscovery {
    /// Returns every run under `logdir`: its name → the absolute paths of its event files, sorted
    /// by file name.
    public static func discover(logdir: String) -> [String: [String]] {
        var runs: [String: [String]] = [:]
        visit(directory: logdir, relative: ".", into: &runs)
        return runs
    }

    /// Returns every run under the logdirs of `spec`: runs under a named entry are prefixed with
    /// its name (see ``LogdirSpec``). If two entries give the same run name, the first wins.
    public static func discover(spec: LogdirSpec) -> [String: [String]] {
        discover(spec: spec, storages: LogStorages()).runs
    }

    /// What one discovery over the entries of a ``LogdirSpec`` found.
    public struct Found {
        /// Run name → its event files, sorted by name.
        public var runs: [String: [String]] = [:]
        /// Run name → the index of the entry it is under.
        public var entries: [String: Int] = [:]
        /// Entries that couldn't be listed: index → why.
        public var failures: [Int: String] = [:]
    }

    /// Returns every run under the logdirs of `spec`, each listed through its storage (the local
    /// disk, or an object store for `s3://` URLs), and the entries that couldn't be listed.
    public static func discover(spec: LogdirSpec, storages: LogStorages) -> Found {
        var found = Found()
        for (index, entry) in spec.entries.enumerated() {
            let listed: [String: [String]]
            do {
                listed = try storages.storage(for: entry.path).discoverRuns(under: entry.path)
            } catch {
                found.failures[index] = "\(error)"
                continue
            }
            for (relative, files) in listed {
                let name = LogdirSpec.runName(entry: entry.name, relative: relative)
                if found.runs[name] == nil {
                    found.runs[name] = files
                    found.entries[name] = index
                }
            }
        }
        return found
    }

    private static func visit(directory: String, relative: String, into runs: inout [String: [String]]) {
        guard let entries = entries(of: directory) else { return }
        var files: [String] = []
        for (name, kind) in entries.sorted(by: { $0.name < $1.name }) {
            let path = joined(directory, name)
            switch kind {
            case .directory:
                visit(directory: path, relative: relative == "." ? name : relative + "/" + name, into: &runs)
            case .regularFile where name.contains("tfevents"):
                files.append(path)
            default:
                break
            }
        }
        if !files.isEmpty { runs[relative] = files }
    }

    private enum EntryKind { case directory, regularFile, other }

    /// `name` in `directory`.
    private static func joined(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The names in `directory` (without `.` and `..`) and what each is, not following symbolic
    /// links; `nil` if it can't be read. The kind comes from the directory listing itself, so a
    /// pass over a logdir of thousands of runs costs one listing a directory, not a `stat` a name
    /// (the file systems that leave it out get an `lstat`).
    private static func entries(of directory: String) -> [(name: String, kind: EntryKind)]? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var entries: [(name: String, kind: EntryKind)] = []
        while let entry = readdir(stream) {
            var type = entry.pointee.d_type
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_UNKNOWN) {
                var status = stat()
                guard lstat(joined(directory, name), &status) == 0 else { continue }
                let format = status.st_mode & S_IFMT
                type = format == S_IFDIR ? UInt8(DT_DIR) : format == S_IFREG ? UInt8(DT_REG) : UInt8(DT_UNKNOWN)
            }
            entries.append((name, type == UInt8(DT_DIR) ? .directory : type == UInt8(DT_REG) ? .regularFile : .other))
        }
        return entries
    }
}
