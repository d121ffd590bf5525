import Foundation
import LumenTestSupport
import Testing

/// `openssl` on this machine.
let opensslPath = executable(["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"])

/// A self-signed certificate for `localhost` and 127.0.0.1 that a test makes for itself.
struct TestCertificate {
    let certificate: String
    let key: String

    /// Makes the certificate and its key as `NAME.crt` and `NAME.key` in `directory`.
    init(in directory: TemporaryDirectory, name: String = "board") throws {
        let openssl = try #require(opensslPath)
        certificate = directory.file("\(name).crt")
        key = directory.file("\(name).key")
        let result = try runProcess(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        guard result.status == 0 else { throw BoardProcess.Failure(description: "openssl: \(result.standardError)") }
    }
}

/// HTTPS: `--tls-cert` and `--tls-key` with a certificate the test makes, checked by curl against
/// that certificate (no verification switched off); bad or mismatched files are clear errors.
@Suite(
    .serialized,
    .enabled(
        if: curlPath != nil && opensslPath != nil && BoardProcess.binary != nil,
        "needs curl, openssl and the board executable"))
struct TLSTests {
    @Test func servesHTTPSWithTheGivenCertificate() async throws {
        let dir = try AccessTests.logdir()
        defer { dir.remove() }
        let pair = try TestCertificate(in: dir)
        let board = try BoardProcess([
            "--logdir", dir.path, "--reload-interval", "0", "--tls-cert", pair.certificate, "--tls-key", pair.key,
        ])
        defer { board.stop() }
        #expect(board.url.hasPrefix("https://127.0.0.1:"), "\(board.line)")
        let base = "https://127.0.0.1:\(board.port)"
        let runs = try curl(base + "/api/runs", ["--cacert", pair.certificate])
        #expect(runs.status == 200 && runs.body.contains("run1"))
        let page = try curl("https://localhost:\(board.port)/", ["--cacert", pair.certificate])
        #expect(page.status == 200 && page.body.contains("<script"))
        // Plain HTTP on the same port gets no answer, and an unknown certificate is refused.
        #expect(throws: BoardProcess.Failure.self) { try curl("http://127.0.0.1:\(board.port)/api/runs", maxTime: 3) }
        #expect(throws: BoardProcess.Failure.self) { try curl(base + "/api/runs", maxTime: 3) }
    }

    @Test func theTokenCookieIsSecureOverHTTPS() async throws {
        let dir = try AccessTests.logdir()
        defer { dir.remove() }
        let pair = try TestCertificate(in: dir)
        let board = try BoardProcess([
            "--logdir", dir.path, "--reload-interval", "0", "--tls-cert", pair.certificate, "--tls-key", pair.key,
            "--token", "tls-token",
        ])
        defer { board.stop() }
        let base = "https://127.0.0.1:\(board.port)"
        #expect(try curl(base + "/api/runs", ["--cacert", pair.certificate]).status == 401)
        let login = try curl(base + "/?token=tls-token", ["--cacert", pair.certificate])
        #expect(login.status == 303)
        let cookie = login.header("set-cookie") ?? ""
        #expect(
            cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
    }

    @Test func badCertificatesAreClearErrors() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try TestCertificate(in: dir, name: "first")
        let second = try TestCertificate(in: dir, name: "second")
        try dir.write("garbage.pem", Array("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".utf8))
        let binary = try #require(BoardProcess.binary)
        for (cert, key, words) in [
            (first.certificate, second.key, ["does not belong", second.key, first.certificate]),
            (dir.file("missing.crt"), first.key, ["--tls-cert", dir.file("missing.crt"), "no such file"]),
            (first.certificate, dir.file("missing.key"), ["--tls-key", dir.file("missing.key"), "no such file"]),
            (dir.file("garbage.pem"), first.key, ["--tls-cert", "not a PEM certificate"]),
            (first.certificate, first.certificate, ["--tls-key", "not a PEM private key"]),
        ] {
            let result = try runProcess(
                binary, ["--logdir", dir.path, "--port", "0", "--tls-cert", cert, "--tls-key", key])
            #expect(result.status != 0, "\(cert) \(key)")
            for word in words { #expect(result.standardError.contains(word), "\(word): \(result.standardError)") }
            #expect(!result.text.contains("Lumen board at"), "it must not start")
        }
    }
}
