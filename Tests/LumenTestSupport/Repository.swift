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

    /// Whether this is a CI run (`CI` set to `true` or `1`), where the reference tools `scripts/setup`
    /// installs must be there: a test that needs them runs, and fails, instead of skipping.
    public static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }()

    /// Whether a test that needs ``python`` to import `modules` should run: when it does, and always on
    /// CI (see ``isCI``), so a missing reference is a failure there rather than a silent skip.
    public static func shouldRun(needing modules: [String]) -> Bool {
        isCI || pythonImports(modules)
    }

    /// The Python interpreter with TensorFlow: the one `LUMEN_TENSORFLOW_PYTHON` names, else
    /// `.venv-tf/bin/python` (TensorFlow lives in a venv of its own, so that TensorBoard is measured
    /// without it), else ``python`` if it imports tensorflow; `nil` if none has it.
    public static let tensorFlowPython: String? = {
        let candidates = [
            ProcessInfo.processInfo.environment["LUMEN_TENSORFLOW_PYTHON"], path(".venv-tf/bin/python"),
        ].compactMap { $0 }.filter { FileManager.default.isExecutableFile(atPath: $0) }
        for candidate in candidates where (try? runProcess(candidate, ["-c", "import tensorflow"]))?.status == 0 {
            return candidate
        }
        return python(importing: ["tensorflow"])
    }()

    /// Runs the Python source `code` with ``python`` and `arguments` (as `sys.argv[1...]`).
    public static func runPython(code: String, _ arguments: [String] = []) throws -> ProcessOutput {
        guard let python else {
            throw ProcessFailure(description: "no Python: run scripts/setup to create .venv (or set LUMEN_PYTHON)")
        }
        return try runProcess(python, ["-c", code] + arguments)
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
