/// Errors of loading state into a ``Module``.
public enum ModuleError: Error, Equatable, CustomStringConvertible {
    /// A tensor's shape differs from the shape of the module's tensor of the same name.
    case shapeMismatch(key: String, expected: [Int], got: [Int])
    /// In a strict load: keys of the module that the state lacks, and keys of the state that the
    /// module lacks.
    case keyMismatch(missingKeys: [String], unexpectedKeys: [String])

    public var description: String {
        switch self {
        case let .shapeMismatch(key, expected, got):
            return
                "size mismatch for \(key): copying a tensor of shape \(Shape.describe(got)) from the state dict, the shape in the current module is \(Shape.describe(expected))"
        case let .keyMismatch(missing, unexpected):
            var parts: [String] = []
            if !missing.isEmpty {
                parts.append("missing key(s) in state dict: " + missing.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            if !unexpected.isEmpty {
                parts.append(
                    "unexpected key(s) in state dict: " + unexpected.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            return "error loading state dict: " + parts.joined(separator: "; ")
        }
    }
}
