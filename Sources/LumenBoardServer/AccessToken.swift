import Foundation
import Hummingbird
import LumenBoard

/// The secret a board shared beyond loopback requires on every request.
public struct AccessToken: Sendable, Equatable {
    /// The token's text.
    public let value: String

    /// The characters a token may hold: letters, digits and `-._~` (safe in a URL and a cookie).
    static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".utf8)

    /// A given token.
    ///
    /// - Throws: ``AccessTokenError`` when `value` is empty or holds a character other than
    ///   letters, digits and `-._~`.
    public init(_ value: String) throws {
        guard !value.isEmpty else { throw AccessTokenError(description: "the access token is empty") }
        if let bad = value.unicodeScalars.first(where: { !$0.isASCII || !Self.allowed.contains(UInt8($0.value)) }) {
            throw AccessTokenError(
                description:
                    "the access token holds '\(bad.escaped(asASCII: true))'; use only letters, digits and -._~")
        }
        self.value = value
    }

    /// A new random token: 32 bytes from the system's secure generator, as 64 hex digits.
    public static func generate() -> AccessToken {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        // Hex digits are always allowed.
        return AccessToken(unchecked: text)
    }

    private init(unchecked value: String) { self.value = value }

    /// Whether `candidate` equals the token, in time that depends only on the token's length (not
    /// on where the first difference is), so timing tells an attacker nothing about the prefix.
    public func matches<Candidate: Collection<UInt8>>(_ candidate: Candidate) -> Bool {
        let expected = Array(value.utf8)
        var difference = UInt8(truncatingIfNeeded: expected.count ^ candidate.count)
        var other = candidate.makeIterator()
        for byte in expected {
            difference |= byte ^ (other.next() ?? ~byte)
        }
        return difference == 0 && expected.count == candidate.count
    }

    /// Whether the text `candidate` equals the token (see ``matches(_:)-(Collection<UInt8>)``).
    public func matches(_ candidate: String) -> Bool { matches(Array(candidate.utf8)) }
}

/// A token given on the command line or in the environment that can't be used.
public struct AccessTokenError: Error, CustomStringConvertible {
    public var description: String
}

/// Requires the board's access token on every request except the login page.
///
/// A request carries the token in one of three ways: `Authorization: Bearer TOKEN` (API
/// clients), the cookie this middleware sets, or `?token=TOKEN` in the URL; a valid `?token=`
/// sets the cookie (`HttpOnly`, `SameSite=Strict`, `Secure` over HTTPS) and redirects to the same
/// URL without it, so the token leaves the address bar and the history. Anything else is a 401:
/// a JSON error under `/api/`, the login page elsewhere. `GET /login` is the login page itself,
/// a form that sends the token as `?token=`.
struct AccessTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: AccessToken
    let secure: Bool

    /// The cookie's name: one per port, so boards on other ports of the same host keep theirs.
    static func cookieName(hostHeader: String?) -> String {
        let port = hostHeader.flatMap(HostCheck.split(authority:))?.port
        return "lumen_board_token" + (port.map { "_\($0)" } ?? "")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        let cookieName = Self.cookieName(hostHeader: HostCheck.hostHeader(of: request))
        let query = BoardQuery.parameters(request.uri.query)
        if let given = query["token"] {
            guard token.matches(given) else { return unauthorized(path, "the token in the URL is wrong") }
            var headers = HTTPFields()
            headers[.location] = Self.location(path: path, query: request.uri.query)
            headers[.cacheControl] = "no-store"
            headers[.setCookie] =
                "\(cookieName)=\(token.value); Path=/; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : "")
            return Response(status: .seeOther, headers: headers)
        }
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                token.matches(Array(parts[1].trimmingCharacters(in: .whitespaces).utf8))
            else { return unauthorized(path, "the Authorization header does not hold this board's token") }
            return try await next(request, context)
        }
        if let cookie = Self.cookie(named: cookieName, in: request.headers[values: .cookie]) {
            guard token.matches(cookie) else { return unauthorized(path, "the token in the cookie is wrong") }
            return try await next(request, context)
        }
        if path == "/login", request.method == .get || request.method == .head {
            return Self.loginPage(status: .ok)
        }
        return unauthorized(path, "this board needs its access token")
    }

    /// A 401: a JSON error for the API, the login page (with the reason) for everything else.
    func unauthorized(_ path: String, _ reason: String) -> Response {
        if path.hasPrefix("/api/") {
            return BoardServer.response(
                .error(
                    401,
                    reason
                        + "; send it as 'Authorization: Bearer TOKEN' or open the URL the board printed (…/?token=TOKEN)"
                ))
        }
        return Self.loginPage(status: .unauthorized, reason: reason)
    }

    /// `path` and `query` without the `token` parameter.
    static func location(path: String, query: String?) -> String {
        let kept = (query ?? "").split(separator: "&").filter { item in
            let name = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            return name != "token"
        }
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    /// The value of cookie `name` among the `Cookie` header lines.
    static func cookie(named name: String, in lines: [String]) -> String? {
        for line in lines {
            for pair in line.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// The login page's Content-Security-Policy: the board's, except that its form may submit to
    /// the board itself.
    static let loginPolicy = BoardServer.contentSecurityPolicy.replacingOccurrences(
        of: "form-action 'none'", with: "form-action 'self'")

    /// A page with one field for the token; no script, no style, nothing else from the board.
    static func loginPage(status: HTTPResponse.Status, reason: String? = nil) -> Response {
        // `reason` is one of this file's own sentences, never request data.
        let message = reason.map { "<p>\($0.prefix(1).uppercased() + $0.dropFirst()).</p>\n" } ?? ""
        let page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Lumen board: access token</title></head>
            <body>
            <h1>Lumen board</h1>
            \(message)<p>This board needs its access token: open the URL it printed when it started
            (…/?token=…), or paste the token here.</p>
            <form method="get" action="./"><label>Token <input name="token" type="password" autocomplete="off" required></label>
            <button type="submit">Open</button></form>
            </body></html>

            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = loginPolicy
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}
