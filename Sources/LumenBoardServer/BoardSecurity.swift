import Foundation
import HummingbirdTLS

/// Who may talk to the board: the `Host` names it answers to, the access token it requires, and
/// the TLS certificate it serves.
///
/// The defaults match how the board is bound (``init(boundTo:)``): on a loopback address only
/// requests naming the board by a loopback name are answered (the guard against DNS rebinding)
/// and no token is needed; elsewhere the caller decides (`board` requires a token).
public struct BoardSecurity: Sendable {
    /// The `Host` names (without port, lowercased) answered besides the loopback names, or `nil`
    /// to answer any `Host`.
    public var allowedHosts: Set<String>?
    /// The token every request must carry, or `nil` for none.
    public var token: AccessToken?
    /// The certificate and key served over HTTPS, or `nil` for plain HTTP.
    public var tls: TLSConfiguration?

    /// The names a board bound to loopback always answers to.
    public static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]", "::1"]

    public init(allowedHosts: Set<String>? = [], token: AccessToken? = nil, tls: TLSConfiguration? = nil) {
        self.allowedHosts = allowedHosts.map { Set($0.map { $0.lowercased() }) }
        self.token = token
        self.tls = tls
    }

    /// The defaults for a board listening on `host`: loopback names only when `host` is a
    /// loopback address, any name otherwise; no token; plain HTTP.
    public init(boundTo host: String) {
        self.init(allowedHosts: Self.isLoopback(host) ? [] : nil)
    }

    /// Whether `host` (an address or name to listen on) is a loopback one.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name == "[::1]" || name.hasPrefix("127.")
    }

    /// Whether a request whose `Host` header is `header` may be answered.
    public func allows(hostHeader header: String?) -> Bool {
        guard let allowedHosts else { return true }
        guard let name = header.flatMap(HostCheck.name(ofHostHeader:)) else { return false }
        return Self.loopbackNames.contains(name) || allowedHosts.contains(name)
    }
}
