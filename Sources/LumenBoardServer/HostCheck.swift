import Foundation
import Hummingbird
import LumenBoard

/// The guard against DNS rebinding and cross-origin reads.
///
/// A web page the user visits can point its own name at 127.0.0.1 and then read the board as if
/// it were its own site; its requests still carry its name in `Host`, so a board bound to
/// loopback answers only the names in ``BoardSecurity/allowedHosts`` (and the loopback names): any
/// other `Host` is a 403 naming the header and the `--allowed-host` flag. A request whose
/// `Origin` is another site gets no CORS headers (the board never sends any), and `/api/live`, the
/// one long-lived stream, refuses it.
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let security: BoardSecurity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let host = HostCheck.hostHeader(of: request)
        guard security.allows(hostHeader: host) else {
            let shown = host.map { "'\($0)'" } ?? "(none)"
            let name = host.flatMap(HostCheck.name(ofHostHeader:)) ?? "NAME"
            return BoardServer.response(
                .error(
                    403,
                    "the request's Host header \(shown) is not a name this board answers to (it answers to localhost, "
                        + "127.0.0.1 and [::1]); if you reach it by this name, start it with --allowed-host \(name)"))
        }
        if request.uri.path == "/api/live", let origin = request.headers[.origin],
            !HostCheck.isSameOrigin(origin, scheme: security.tls == nil ? "http" : "https", hostHeader: host)
        {
            return BoardServer.response(
                .error(
                    403,
                    "the request's Origin header '\(origin)' is another site; /api/live answers only the board's own pages"
                ))
        }
        return try await next(request, context)
    }
}

/// Parsing of the `Host` and `Origin` headers.
public enum HostCheck {
    /// The request's `Host` (HTTP/1's header, which NIO hands over as the `:authority` pseudo-header).
    static func hostHeader(of request: Request) -> String? {
        request.head.authority
    }

    /// The name in a `Host` header, lowercased, without its port: `[::1]` for `[::1]:6006`,
    /// `localhost` for `LocalHost:80`; `nil` when it is malformed.
    public static func name(ofHostHeader header: String) -> String? {
        split(authority: header)?.name
    }

    /// `host[:port]` split into the lowercased name and the port, if any.
    static func split(authority: String) -> (name: String, port: Int?)? {
        let text = authority.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty, !text.contains(where: { $0 == "/" || $0 == "@" || $0 == " " }) else { return nil }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let name = String(text[...close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return (name, nil) }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()) else { return nil }
            return (name, port)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (text, nil)
        case 2:
            guard !parts[0].isEmpty, let port = Int(parts[1]) else { return nil }
            return (String(parts[0]), port)
        default: return nil
        }
    }

    /// Whether `origin` (`scheme://host[:port]`) is the board's own origin: `scheme` (how the
    /// board is served) and the request's `Host`. `null` (a sandboxed or file page) never is.
    static func isSameOrigin(_ origin: String, scheme: String, hostHeader: String?) -> Bool {
        guard let hostHeader, let host = split(authority: hostHeader) else { return false }
        let lowered = origin.lowercased()
        guard lowered.hasPrefix(scheme + "://"),
            let other = split(authority: String(lowered.dropFirst(scheme.count + 3)))
        else { return false }
        let defaultPort = scheme == "https" ? 443 : 80
        return other.name == host.name && (other.port ?? defaultPort) == (host.port ?? defaultPort)
    }
}
