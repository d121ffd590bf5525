import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import LumenEvents
@testable import LumenBoard
@testable import LumenBoardServer
import LumenBoardUI
import LumenTestSupport

/// The web UI's files over HTTP: the packaged UI, `--assets` folders, cache validation, gzip,
/// the security headers, and paths that try to leave the UI's folder.
@Suite struct UIServingTests {
    static func serve(
        assets: UIAssets?, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let app = BoardServer.makeApplication(store: BoardStore(), assets: assets, host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in try await body(client) }
    }

    static func get(_ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> (status: Int, headers: HTTPFields, body: [UInt8])
    {
        try await client.execute(uri: uri, method: .get, headers: headers) { response in
            let body = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            return (response.status.code, response.headers, body)
        }
    }

    @Test func packagedUIIsFoundNextToTheBinary() throws {
        let folder = try #require(UIAssets.packagedFolder())
        #expect(folder.hasSuffix(LumenBoardUI.resourceFolderName))
        guard case .bundled(let files) = try UIAssets.loadBundled(from: folder) else {
            Issue.record("expected the packaged assets in memory")
            return
        }
        #expect(files["index.html"] != nil)
    }

    /// The page names every module for preloading, so the browser fetches them at once instead of
    /// one level of imports after another (a fresh load waited about 0.1 s on that).
    @Test func indexPreloadsEveryModule() throws {
        let folder = try #require(UIAssets.packagedFolder())
        guard case .bundled(let files) = try UIAssets.loadBundled(from: folder) else {
            Issue.record("expected the packaged assets in memory")
            return
        }
        var page = String(decoding: try #require(files["index.html"]).body, as: UTF8.self)
        // what a comment names is not preloaded
        page.replace(/<!--[\s\S]*?-->/, with: "")
        let preloaded = Set(
            page.matches(of: /<link\s+rel="modulepreload"\s+href="([^"]+)"\s*>/).map { String($0.output.1) })
        let modules = Set(files.keys.filter { $0.hasPrefix("js/") && $0.hasSuffix(".js") && $0 != "js/main.js" })
        #expect(modules.count > 10)
        #expect(
            preloaded == modules,
            "preloaded but missing: \(preloaded.subtracting(modules)), not preloaded: \(modules.subtracting(preloaded))"
        )
    }

    @Test func packagedIndexWithSecurityAndCacheHeaders() async throws {
        try await Self.serve(assets: nil) { client in
            let page = try await Self.get(client, "/")
            #expect(page.status == 200)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[.cacheControl] == "no-cache")
            let etag = try #require(page.headers[.eTag])
            #expect(String(decoding: page.body, as: UTF8.self).contains("<html"))

            var conditional = HTTPFields()
            conditional[.ifNoneMatch] = etag
            let revalidated = try await Self.get(client, "/index.html", headers: conditional)
            #expect(revalidated.status == 304)
            #expect(revalidated.body.isEmpty)
        }
    }

    @Test func assetsFolderServedFreshAndCompressed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = "export const answer = 42;\n" + String(repeating: "// padding\n", count: 200)
        try dir.write("ui/index.html", Array("<!doctype html><p>one</p>".utf8))
        try dir.write("ui/js/app.js", Array(script.utf8))
        try await Self.serve(assets: .folder(dir.file("ui"))) { client in
            var gzip = HTTPFields()
            gzip[.acceptEncoding] = "gzip, deflate"
            let js = try await Self.get(client, "/js/app.js", headers: gzip)
            #expect(js.status == 200)
            #expect(js.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(js.headers[.contentEncoding] == "gzip")
            #expect(js.headers[.cacheControl] == "no-store")
            #expect(js.body.count < script.utf8.count)
            let inflated = try GzipStreamDecoder().decompress(js.body)
            #expect(String(decoding: inflated, as: UTF8.self) == script)

            // Read afresh: an edit shows on the next request.
            try dir.write("ui/index.html", Array("<!doctype html><p>two</p>".utf8))
            let page = try await Self.get(client, "/")
            #expect(String(decoding: page.body, as: UTF8.self).contains("two"))
        }
    }

    @Test func pathsOutsideTheUIFolderAreNotFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("secret.txt", Array("secret".utf8))
        try dir.write("ui/index.html", Array("<p>ui</p>".utf8))
        try dir.write("ui/.env", Array("hidden".utf8))
        try FileManager.default.createSymbolicLink(
            atPath: dir.file("ui/link.txt"), withDestinationPath: dir.file("secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: dir.file("ui/up"), withDestinationPath: dir.path)
        try await Self.serve(assets: .folder(dir.file("ui"))) { client in
            for path in [
                "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
                "/ui/../../secret.txt",
                "/link.txt", "/up/secret.txt", "/.env", "//etc/passwd", "/%2Fetc%2Fpasswd", "/..%5Csecret.txt",
                "/index.html%00.png",
            ] {
                let answer = try await Self.get(client, path)
                #expect(answer.status == 404, "\(path)")
                #expect(!String(decoding: answer.body, as: UTF8.self).contains("secret"), "\(path)")
            }
        }
    }

    @Test func unknownAPIPathsAndMethodsAreJSONErrors() async throws {
        try await Self.serve(assets: nil) { client in
            let nested = try await Self.get(client, "/api/runs/extra")
            #expect(nested.status == 404)
            #expect(nested.headers[.contentType]?.hasPrefix("application/json") == true)
            let post = try await client.execute(uri: "/api/runs", method: .post) { $0.status.code }
            #expect((400..<500).contains(post))
        }
    }

    @Test func requestPathsAreOnlyPlainNames() {
        #expect(UIAssets.normalized("index.html") == "index.html")
        #expect(UIAssets.normalized("js/app.js") == "js/app.js")
        for bad in ["../x", "a/../b", "./a", "a//b", ".git/config", "a\\b", "a\u{0}b", ""] {
            #expect(UIAssets.normalized(bad) == nil, "\(bad.debugDescription)")
        }
    }
}
