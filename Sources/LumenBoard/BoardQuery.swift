import Foundation

/// The board's reading of URL query strings, kept apart from the HTTP server so it can be fuzzed
/// on its own.
public enum BoardQuery {
    /// The parameters of a raw (still percent-encoded) query string, decoded as browsers and
    /// TensorBoard's server do: `name=value` pairs separated by `&`, `+` meaning a space (a literal
    /// plus is `%2B`), then percent-decoding; a malformed escape leaves that text as it is. The
    /// first of repeated names wins; a pair without `=` has an empty value.
    public static func parameters(_ query: String?) -> [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            if parameters[name] == nil { parameters[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return parameters
    }
}
