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
        var runs: [String: [String]] = [:]
        for entry in spec.entries {
            for (relative, files) in discover(logdir: entry.path) {
                let name = LogdirSpec.runName(entry: entry.name, relative: relative)
                if runs[name] == nil { runs[name] = files }
            }
        }
        return runs
    }

    private static func visit(directory: String, relative: String, into runs: inout [String: [String]]) {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { return }
        var files: [String] = []
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let attributes = try? fileManager.attributesOfItem(atPath: path),
                let type = attributes[.type] as? FileAttributeType
            else { continue }
            if type == .typeDirectory {
                visit(
                    directory: path, relative: relative == "." ? name : relative + "/" + name, into: &runs)
            } else if type == .typeRegular, name.contains("tfevents") {
                files.append(path)
            }
        }
        if !files.isEmpty { runs[relative] = files }
    }
}
