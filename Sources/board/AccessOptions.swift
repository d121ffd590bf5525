import ArgumentParser
import Foundation
import LumenBoardServer

/// The command line's say on who may use the board: allowed `Host` names, the access token and
/// HTTPS.
struct AccessOptions: ParsableArguments {
    @Option(
        name: .customLong("allowed-host"),
        help: ArgumentHelp(
            "Also answer requests that name the board NAME in their Host header (besides localhost, 127.0.0.1 and [::1]); repeatable.",
            valueName: "name"))
    var allowedHosts: [String] = []

    @Option(
        help: ArgumentHelp(
            "The access token every request must carry (default: LUMEN_BOARD_TOKEN; generated when the board listens beyond loopback).",
            valueName: "token"))
    var token: String?

    @Flag(
        help:
            "Require no access token, even when listening beyond loopback (anyone who reaches the port reads every run)."
    )
    var noToken = false

    @Option(
        help: ArgumentHelp("Serve HTTPS with the PEM certificate chain in FILE (with --tls-key).", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    /// The environment variable holding the token when `--token` is not given.
    static let tokenVariable = "LUMEN_BOARD_TOKEN"

    func validate() throws {
        if noToken && token != nil { throw ValidationError("--token and --no-token contradict each other; give one") }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both files or neither")
        }
        if let token { _ = try checked(token, from: "--token") }
        for name in allowedHosts where HostCheck.name(ofHostHeader: name) == nil {
            throw ValidationError("--allowed-host '\(name)' is not a host name")
        }
    }

    /// How the board listening on `host` is protected, and what to tell the user about it.
    struct Resolved {
        var security: BoardSecurity
        /// The token to put in the printed URL (a generated one).
        var tokenInURL: String?
        /// Where a given token came from, to say so next to the URL.
        var tokenSource: String?
        /// A line for standard error.
        var warning: String?
        var scheme: String
    }

    func resolve(host: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
        let loopback = BoardSecurity.isLoopback(host)
        var given: AccessToken?
        var source: String?
        if let token {
            given = try checked(token, from: "--token")
            source = "--token"
        } else if !noToken, let value = environment[Self.tokenVariable], !value.isEmpty {
            given = try checked(value, from: Self.tokenVariable)
            source = Self.tokenVariable
        }
        var resolved = Resolved(security: BoardSecurity(), scheme: tlsCert == nil ? "http" : "https")
        if noToken {
            resolved.warning =
                "warning: --no-token: this board requires no access token; anyone who can reach "
                + "\(host) on its port reads every run it serves"
        } else if let given {
            resolved.security.token = given
            resolved.tokenSource = source
        } else if !loopback {
            let generated = AccessToken.generate()
            resolved.security.token = generated
            resolved.tokenInURL = generated.value
        }
        let names = Set(allowedHosts.compactMap(HostCheck.name(ofHostHeader:)))
        if loopback {
            resolved.security.allowedHosts = names
        } else {
            // Beyond loopback the token is the guard; named hosts narrow it further.
            resolved.security.allowedHosts = names.isEmpty ? nil : names.union([host.lowercased()])
        }
        if let tlsCert, let tlsKey {
            resolved.security.tls = try BoardTLS.configuration(
                certificateFile: (tlsCert as NSString).expandingTildeInPath,
                keyFile: (tlsKey as NSString).expandingTildeInPath)
        }
        return resolved
    }

    private func checked(_ value: String, from source: String) throws -> AccessToken {
        do {
            return try AccessToken(value)
        } catch {
            throw ValidationError("\(source): \(error)")
        }
    }
}
