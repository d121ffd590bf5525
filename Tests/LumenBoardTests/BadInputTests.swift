import Foundation
import Hummingbird
import HummingbirdTesting
import LumenEvents
import Testing
@testable import LumenBoard
@testable import LumenBoardServer
import LumenTestSupport

/// Hostile requests and hostile logdirs: every answer is a 4xx or the data as written, no file
/// outside the logdir is ever read, and names and text come back as data, never as markup.
@Suite struct BadInputTests {
    /// A logdir whose run, tags and text are hostile: markup, control characters, 1 MB strings.
    static func hostileLogdir() throws -> (TemporaryDirectory, run: String, tags: [String], text: String) {
        let dir = try TemporaryDirectory()
        let run = "<script>alert('run')</script>"
        let huge = String(repeating: "x", count: 1 << 20)
        let tags = [
            "<img src=x onerror=alert(1)>", "line\nbreak\ttab\u{1}\u{7f}", "quote\"back\\slash", "sep\u{2028}\u{2029}",
            "../tag", "emoji 🙂 é", huge,
        ]
        let text = "<script>alert('text')</script>\n<b onmouseover=alert(2)>x</b> [link](javascript:alert(3))"
        let writer = try EventFileWriter(logdir: dir.file(run), compression: .none)
        for tag in tags { writer.writeScalar(tag: tag, value: 1.5, step: 3) }
        var summary = Summary()
        summary.value = [.text(tag: "notes", markdown: text)]
        writer.write(summary, step: 1)
        try writer.close()
        return (dir, run, tags, text)
    }

    static func serve(_ logdir: String, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void)
        async throws
    {
        let loader = BoardLoader(logdir: logdir)
        await loader.reload()
        let app = BoardServer.makeApplication(store: loader.store, host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in try await body(client) }
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get) async throws
        -> (status: Int, body: [UInt8], type: String?)
    {
        try await client.execute(uri: uri, method: method) { response in
            let body = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            return (response.status.code, body, response.headers[.contentType])
        }
    }

    static func encoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    @Test func hostileNamesAndTextComeBackAsData() async throws {
        let (dir, run, tags, text) = try Self.hostileLogdir()
        defer { dir.remove() }
        try await Self.serve(dir.path) { client in
            let listing = try await Self.get(client, "/api/tags")
            #expect(listing.type == "application/json; charset=utf-8")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(listing.body)) as? [String: [String: Any]])
            #expect(Set(json.keys) == [run])
            #expect(Set(json[run]?["scalars"] as? [String] ?? []) == Set(tags))
            for tag in tags {
                let answer = try await Self.get(
                    client, "/api/scalars?run=\(Self.encoded(run))&tag=\(Self.encoded(tag))")
                #expect(answer.status == 200, "\(tag.prefix(40).debugDescription)")
                let series = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
                #expect(series["tag"] as? String == tag)
                let point = try #require((series["points"] as? [[Double]])?.first)
                #expect(Array(point.dropFirst()) == [3, 1.5])
            }
            let notes = try await Self.get(client, "/api/text?run=\(Self.encoded(run))&tag=notes")
            let items = try #require(try JSONSerialization.jsonObject(with: Data(notes.body)) as? [[String: Any]])
            #expect(items.first?["text"] as? String == text)
            // Markup only ever travels inside JSON strings, never as a page.
            #expect(!String(decoding: notes.body, as: UTF8.self).contains("\u{2028}"))
        }
    }

    @Test func traversalInEveryParameterNeverReadsOutsideTheLogdir() async throws {
        let (dir, run, _, _) = try Self.hostileLogdir()
        defer { dir.remove() }
        try dir.write("../outside-\(UUID().uuidString).txt", Array("root:x:0:0".utf8))
        let attacks = [
            "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/etc/passwd",
            "%2Fetc%2Fpasswd", "....//....//etc/passwd", "..%5C..%5Cetc%5Cpasswd", "%252e%252e%252f",
            "file:///etc/passwd",
            "\(Self.encoded(run))/../../outside", "%00", "%C0%AE%C0%AE%2F",
        ]
        try await Self.serve(dir.path) { client in
            for endpoint in ["scalars", "histograms", "distributions", "images", "image", "text", "graph"] {
                for attack in attacks {
                    for query in [
                        "run=\(attack)&tag=notes", "run=\(Self.encoded(run))&tag=\(attack)",
                        "run=\(attack)&tag=\(attack)&index=\(attack)",
                    ] {
                        let answer = try await Self.get(client, "/api/\(endpoint)?\(query)")
                        #expect((400..<500).contains(answer.status), "/api/\(endpoint)?\(query) → \(answer.status)")
                        #expect(
                            !String(decoding: answer.body, as: UTF8.self).contains("root:x"),
                            "/api/\(endpoint)?\(query)")
                    }
                }
            }
            for attack in attacks {
                let answer = try await Self.get(client, "/\(attack)")
                #expect((400..<500).contains(answer.status), "/\(attack) → \(answer.status)")
                #expect(!String(decoding: answer.body, as: UTF8.self).contains("root:"), "/\(attack)")
            }
        }
    }

    @Test func malformedAndHugeParametersAre4xx() async throws {
        let (dir, run, _, _) = try Self.hostileLogdir()
        defer { dir.remove() }
        let r = Self.encoded(run)
        try await Self.serve(dir.path) { client in
            let cases: [(String, Int)] = [
                ("/api/scalars", 400), ("/api/scalars?run=\(r)", 400), ("/api/scalars?tag=notes", 400),
                ("/api/scalars?run=\(r)&tag=notes&points=abc", 400), ("/api/scalars?run=\(r)&tag=notes&points=-1", 400),
                ("/api/scalars?run=\(r)&tag=notes&points=0", 400),
                ("/api/scalars?run=\(r)&tag=notes&points=99999999999999999999999", 400),
                ("/api/scalars?run=\(r)&tag=notes&format=xml", 400),
                ("/api/image?run=\(r)&tag=notes&index=1e3", 400), ("/api/image?run=\(r)&tag=notes", 400),
                ("/api/scalars?run=%zz&tag=%", 404),
                ("/api/scalars?run=\(String(repeating: "a", count: 60_000))&tag=x", 404),
                ("/api/nope", 404), ("/api/", 404), ("/api/scalars/extra", 404),
            ]
            for (uri, status) in cases {
                let answer = try await Self.get(client, uri)
                #expect(answer.status == status, "\(uri.prefix(120)) → \(answer.status)")
                #expect(answer.type?.hasPrefix("application/json") == true, "\(uri.prefix(120))")
                #expect(
                    (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String])?["error"] != nil)
            }
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                let answer = try await Self.get(client, "/api/runs", method: method)
                #expect((400..<500).contains(answer.status), "\(method) /api/runs → \(answer.status)")
            }
        }
    }

    /// A client that sends half a request and stalls does not hold up anyone else, and a request
    /// far beyond the header limits is refused, not served and not fatal.
    @Test func slowAndOversizedClients() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await Self.serve(dir.path) { client in
            let port = try #require(client.port)
            let slow = try (0..<16).map { _ in try RawHTTPSocket(port: port, timeoutSeconds: 5) }
            defer { slow.forEach { $0.close() } }
            for socket in slow { try socket.send("GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
            let start = Date()
            let answer = try await Self.get(client, "/api/status")
            #expect(answer.status == 200)
            #expect(Date().timeIntervalSince(start) < 2)

            // (The server may close the connection before the whole request is sent.)
            signal(SIGPIPE, SIG_IGN)
            let huge = try RawHTTPSocket(port: port, timeoutSeconds: 10)
            defer { huge.close() }
            try? huge.send(
                "GET /api/runs?run=" + String(repeating: "A", count: 8 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n")
            let reply = (try? await huge.read(until: "\r\n\r\n")) ?? ""
            #expect(reply.isEmpty || reply.hasPrefix("HTTP/1.1 4"), "\(reply.prefix(80))")
            let after = try await Self.get(client, "/api/status")
            #expect(after.status == 200)
        }
    }

    /// The `board` executable, built next to the test bundle by `swift test`.
    static let boardBinary = builtExecutable(named: "board")

    /// Started without `--host`, the board listens on 127.0.0.1 only (checked in the kernel's
    /// socket table), and SIGTERM stops it cleanly.
    @Test(.enabled(if: boardBinary != nil && FileManager.default.fileExists(atPath: "/proc/net/tcp")))
    func bindsLoopbackByDefault() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.boardBinary))
        process.arguments = ["--logdir", dir.path, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var said = ""
        let handle = output.fileHandleForReading
        while !said.contains("\n") {
            let data = handle.availableData
            if data.isEmpty { break }
            said += String(decoding: data, as: UTF8.self)
        }
        #expect(said.hasPrefix("Lumen board at http://127.0.0.1:"), "\(said)")
        let port = try #require(
            said.split(separator: ":").dropFirst(2).first.flatMap { Int($0.prefix { $0.isNumber }) })
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let listening = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { return nil }  // TCP_LISTEN
            return String(fields[1])
        }.filter { $0.hasSuffix(":" + String(format: "%04X", port)) }
        #expect(listening == ["0100007F:" + String(format: "%04X", port)])
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
