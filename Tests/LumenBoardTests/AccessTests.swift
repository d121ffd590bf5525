import Foundation
import Hummingbird
import HummingbirdTesting
import LumenEvents
import LumenTestSupport
import Testing
@testable import LumenBoard
@testable import LumenBoardServer

/// Who may read the board: `Host` checks against DNS rebinding, cross-origin requests, access
/// tokens (URL, cookie, bearer) on every path, and the command line's choices.
@Suite(.serialized, .enabled(if: curlPath != nil, "curl is not installed"))
struct AccessTests {
    /// A logdir with one run holding one scalar, one histogram, one image and one text value.
    static func logdir() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        let writer = try EventFileWriter(logdir: dir.file("run1"), compression: .none)
        writer.writeScalar(tag: "loss", value: 0.5, step: 1)
        let png = try PNGEncoder.encode(pixels: [0, 255, 0, 255], width: 2, height: 2, colorType: .grayscale)
        writer.write(
            Summary(values: [
                .histogram(tag: "weights", histogram: HistogramProto(values: [1, 2, 3])),
                .image(tag: "picture", encoded: png, width: 2, height: 2, channels: 1),
                .text(tag: "note", markdown: "hello"),
            ]), step: 1)
        try writer.close()
        return dir
    }

    /// Serves `logdir` with `security` on a free port and runs `body` with the port.
    static func serve(
        _ logdir: String, security: BoardSecurity, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let loader = BoardLoader(logdir: logdir)
        await loader.reload()
        let app = BoardServer.makeApplication(store: loader.store, host: "127.0.0.1", port: 0, security: security)
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    /// Every path a client may ask for: each API endpoint (with the parameters it needs), the
    /// page, a script, and a path that does not exist.
    static let paths = [
        "/api/runs", "/api/tags", "/api/scalars?run=run1&tag=loss", "/api/histograms?run=run1&tag=weights",
        "/api/distributions?run=run1&tag=weights", "/api/images?run=run1&tag=picture",
        "/api/image?run=run1&tag=picture&index=0", "/api/text?run=run1&tag=note", "/api/status", "/api/hparams",
        "/api/graph?run=run1", "/api/live", "/api/nonexistent", "/", "/index.html", "/js/main.js", "/nonexistent",
    ]

    @Test func forgedHostIsRefused() async throws {
        let dir = try Self.logdir()
        defer { dir.remove() }
        try await Self.serve(dir.path, security: BoardSecurity(allowedHosts: ["board.example.org"])) { port in
            let url = "http://127.0.0.1:\(port)/api/runs"
            for host in [
                "evil.example.com", "evil.example.com:\(port)", "127.0.0.1.evil.example.com", "localhost.evil",
            ] {
                let refused = try curl(url, ["-H", "Host: \(host)"])
                #expect(refused.status == 403, "\(host)")
                let message = refused.json?["error"] as? String ?? ""
                #expect(message.contains("Host header") && message.contains("--allowed-host"), "\(message)")
                #expect(!refused.body.contains("run1"))
            }
            for host in [
                "localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)", "LOCALHOST", "board.example.org:\(port)",
            ] {
                let answered = try curl(url, ["-H", "Host: \(host)"])
                #expect(answered.status == 200, "\(host)")
                #expect(answered.body.contains("run1"), "\(host)")
            }
            // The page itself too, not just the API.
            #expect(try curl("http://127.0.0.1:\(port)/", ["-H", "Host: evil.example.com"]).status == 403)
        }
    }

    @Test func crossOriginRequestsGetNoCORSAndNoLiveStream() async throws {
        let dir = try Self.logdir()
        defer { dir.remove() }
        try await Self.serve(dir.path, security: BoardSecurity()) { port in
            let base = "http://127.0.0.1:\(port)"
            for origin in [
                "http://evil.example.com", "null", "http://127.0.0.1:\(port + 1)", "https://127.0.0.1:\(port)",
            ] {
                let live = try curl(base + "/api/live", ["-H", "Origin: \(origin)"], maxTime: 2)
                #expect(live.status == 403, "\(origin)")
                #expect((live.json?["error"] as? String)?.contains("Origin") == true)
                let runs = try curl(base + "/api/runs", ["-H", "Origin: \(origin)"])
                #expect(runs.headers.allSatisfy { !$0.name.hasPrefix("access-control-") }, "\(runs.headers)")
            }
            // The board's own page may open the stream.
            let own = try curl(base + "/api/live", ["-H", "Origin: http://127.0.0.1:\(port)"], maxTime: 1)
            #expect(own.status == 200)
            #expect(own.body.hasPrefix(": connected"))
        }
    }

    @Test func everyPathNeedsTheToken() async throws {
        let dir = try Self.logdir()
        defer { dir.remove() }
        let token = try AccessToken("s3cret-Token_1.2~x")
        // What each path answers on a board without a token, for comparison.
        let open = Locked([String: Int]())
        try await Self.serve(dir.path, security: BoardSecurity()) { port in
            for path in Self.paths {
                let status = try curl("http://127.0.0.1:\(port)\(path)", maxTime: 1).status
                open.withLock { $0[path] = status }
            }
        }
        try await Self.serve(dir.path, security: BoardSecurity(token: token)) { port in
            let base = "http://127.0.0.1:\(port)"
            let cookie = "lumen_board_token_\(port)"
            for path in Self.paths {
                let url = base + path
                let separator = path.contains("?") ? "&" : "?"
                let expected = try #require(open.withLock { $0[path] })
                #expect(expected != 401)
                // Missing or wrong: 401, a JSON error under /api/, the login page elsewhere.
                for (label, arguments, target) in [
                    ("none", [String](), url),
                    ("wrong bearer", ["-H", "Authorization: Bearer s3cret-Token_1.2~y"], url),
                    ("not bearer", ["-H", "Authorization: Basic \(token.value)"], url),
                    ("wrong cookie", ["-H", "Cookie: \(cookie)=nope"], url),
                    ("other port's cookie", ["-H", "Cookie: lumen_board_token_1=\(token.value)"], url),
                    ("wrong query", [], url + separator + "token=s3cret"),
                ] {
                    let response = try curl(target, arguments, maxTime: 1)
                    #expect(response.status == 401, "\(path), \(label)")
                    #expect(!response.body.contains("run1") && !response.body.contains("hello"), "\(path), \(label)")
                    if path.hasPrefix("/api/") {
                        #expect(response.json?["error"] is String, "\(path), \(label)")
                    } else {
                        #expect(response.body.contains("<form"), "\(path), \(label)")
                    }
                }
                // Right: the bearer token and the cookie answer as the open board does.
                let bearer = try curl(url, ["-H", "Authorization: Bearer \(token.value)"], maxTime: 1)
                #expect(bearer.status == expected, "\(path), bearer")
                let withCookie = try curl(url, ["-H", "Cookie: theme=dark; \(cookie)=\(token.value)"], maxTime: 1)
                #expect(withCookie.status == expected, "\(path), cookie")
                // ?token= sets the cookie and redirects to the same URL without it.
                let login = try curl(url + separator + "token=\(token.value)", maxTime: 1)
                #expect(login.status == 303, "\(path), ?token=")
                #expect(login.header("location") == path, "\(path), ?token=")
                let setCookie = login.header("set-cookie") ?? ""
                #expect(setCookie.hasPrefix("\(cookie)=\(token.value);"), "\(setCookie)")
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
                #expect(!setCookie.contains("Secure"), "no Secure flag over plain HTTP")
            }
            // The login page is the one path answered without the token, and it says nothing of the runs.
            let page = try curl(base + "/login")
            #expect(page.status == 200)
            #expect(page.body.contains("<form") && page.body.contains("name=\"token\""))
            #expect(page.header("content-security-policy")?.contains("form-action 'self'") == true)
            #expect(!page.body.contains("run1"))
        }
    }

    @Test func tokensCompareWholly() throws {
        let token = try AccessToken("abcdef")
        #expect(token.matches("abcdef"))
        for other in ["", "abcde", "abcdeg", "abcdefg", "Abcdef", "bcdef", "abcdef\u{0}"] {
            #expect(!token.matches(other), "\(other)")
        }
        #expect(throws: AccessTokenError.self) { try AccessToken("") }
        #expect(throws: AccessTokenError.self) { try AccessToken("has space") }
        #expect(throws: AccessTokenError.self) { try AccessToken("semi;colon") }
        let generated = [AccessToken.generate(), AccessToken.generate()]
        #expect(generated[0] != generated[1])
        #expect(generated.allSatisfy { $0.value.count == 64 && $0.value.allSatisfy(\.isHexDigit) })
    }

    // MARK: The command line

    @Test(.enabled(if: BoardProcess.binary != nil, "the board executable was not built"))
    func bindAllRequiresTheTokenItPrints() async throws {
        let dir = try Self.logdir()
        defer { dir.remove() }
        let board = try BoardProcess(["--logdir", dir.path, "--bind-all", "--reload-interval", "0"])
        defer { board.stop() }
        let token = try #require(board.token, "no token in \(board.line)")
        #expect(token.count == 64)
        #expect(board.url.hasPrefix("http://") && board.url.hasSuffix("/?token=\(token)"))
        let base = "http://127.0.0.1:\(board.port)"
        #expect(try curl(base + "/api/runs").status == 401)
        #expect(try curl(base + "/").status == 401)
        #expect(try curl(base + "/api/runs", ["-H", "Authorization: Bearer \(token)"]).body.contains("run1"))
        // Opening the printed URL (on this machine) logs in and lands on the page, token gone.
        let jar = NSTemporaryDirectory() + "lumen-jar-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: jar) }
        let landed = try curl(base + "/?token=\(token)", ["--location", "--cookie-jar", jar, "--cookie", jar])
        #expect(landed.status == 200 && landed.body.contains("<script"))
        let jarText = try String(contentsOfFile: jar, encoding: .utf8)
        #expect(jarText.contains("#HttpOnly_") && jarText.contains(token))
        #expect(try curl(base + "/api/runs", ["--cookie", jar]).body.contains("run1"))
        // Beyond loopback any Host is answered: the token is the guard.
        #expect(
            try curl(base + "/api/runs", ["-H", "Host: board.lan", "-H", "Authorization: Bearer \(token)"]).status
                == 200)
    }

    @Test(.enabled(if: BoardProcess.binary != nil, "the board executable was not built"))
    func tokenFromTheEnvironmentAndNoToken() async throws {
        let dir = try Self.logdir()
        defer { dir.remove() }
        do {
            // A token given (here in the environment) is required even on loopback, and not printed.
            let board = try BoardProcess(
                ["--logdir", dir.path, "--reload-interval", "0"],
                environment: ["LUMEN_BOARD_TOKEN": "from-the-env"])
            defer { board.stop() }
            #expect(board.token == nil && board.line.contains("LUMEN_BOARD_TOKEN"))
            let base = "http://127.0.0.1:\(board.port)"
            #expect(try curl(base + "/api/runs").status == 401)
            #expect(try curl(base + "/api/runs", ["-H", "Authorization: Bearer from-the-env"]).status == 200)
        }
        do {
            // --no-token beyond loopback: open, with a warning.
            let board = try BoardProcess(["--logdir", dir.path, "--bind-all", "--no-token", "--reload-interval", "0"])
            #expect(board.token == nil)
            #expect(try curl("http://127.0.0.1:\(board.port)/api/runs").status == 200)
            board.stop()
            #expect(board.standardError().contains("warning: --no-token"))
        }
        do {
            // Loopback without a token stays open, as before.
            let board = try BoardProcess(["--logdir", dir.path, "--reload-interval", "0"])
            defer { board.stop() }
            #expect(board.token == nil)
            #expect(try curl("http://127.0.0.1:\(board.port)/api/runs").status == 200)
        }
        for (arguments, words) in [
            (["--token", "a b"], "--token"),
            (["--token", "x", "--no-token"], "--no-token"),
            (["--tls-cert", "/nonexistent"], "--tls-key"),
            (["--allowed-host", "a/b"], "--allowed-host"),
        ] {
            let result = try runProcess(try #require(BoardProcess.binary), ["--logdir", dir.path] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardError.contains(words), "\(arguments): \(result.standardError)")
        }
    }
}
