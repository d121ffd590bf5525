import Foundation

/// Where the tests find the repository's files and its Python environment.
public enum Repository {
    /// The repository's root folder (the one holding `Package.swift`).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The absolute path of `relative` inside the repository.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The Python interpreter of the repository's environment: the one `LUMEN_PYTHON` names, else
    /// `.venv/bin/python` (which `scripts/setup` creates), or `nil` if neither is executable.
    public static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["LUMEN_PYTHON"], path(".venv/bin/python")]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether ``python`` imports every module of `modules` (e.g. `["tensorboard"]`), checked once per
    /// list and remembered.
    public static func pythonImports(_ modules: [String]) -> Bool {
        let key = modules.joined(separator: ",")
        return importChecks.withLock { cache in
            if let known = cache[key] { return known }
            let found: Bool
            if let python {
                let statement = "import " + modules.joined(separator: ", ")
                found = (try? runProcess(python, ["-c", statement]))?.status == 0
            } else {
                found = false
            }
            cache[key] = found
            return found
        }
    }

    /// The repository Python if it imports `modules`, else `nil`.
    public static func python(importing modules: [String]) -> String? {
        pythonImports(modules) ? python : nil
    }

    /// Runs `script` (a path relative to the repository) with the repository Python and returns its
    /// standard output; throws with the script's standard error when it fails.
    public static func runPythonScript(_ script: String, _ arguments: [String] = []) throws -> Data {
        guard let python else {
            throw ProcessFailure(description: "no Python: run scripts/setup to create .venv (or set LUMEN_PYTHON)")
        }
        let output = try runProcess(python, [path(script)] + arguments)
        guard output.status == 0 else {
            throw ProcessFailure(description: "\(script) exited with \(output.status): \(output.standardError)")
        }
        return output.standardOutput
    }

    private static let importChecks = Locked<[String: Bool]>([:])
}
