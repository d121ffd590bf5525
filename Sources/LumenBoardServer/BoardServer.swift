import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import LumenBoard
import LumenEvents
import ServiceLifecycle

/// The board's HTTP layer: Hummingbird routes over the ``BoardStore``'s latest snapshot.
public enum BoardServer {
    /// The Content-Security-Policy of every response: scripts, styles and connections only from
    /// the board itself, no inline script, no plugins, no framing.
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

    /// A router answering `GET /api/<endpoint>` with ``BoardAPI`` over `store`'s snapshot,
    /// `GET /api/live` with server-sent changes, `GET /api/export` with a streamed CSV, `GET /metrics`
    /// with the Prometheus metrics, and every other `GET` with the web UI's files from `assets` (the
    /// files packaged with the binary when `nil`), all under `pathPrefix` (as TensorBoard's
    /// `--path_prefix`: `/board` serves the UI at `/board/` and the API at `/board/api/...`; the bare
    /// prefix redirects to `prefix/`). `security` says which `Host` names are answered and which
    /// token is required (by default: loopback names, no token).
    public static func makeRouter(
        store: BoardStore, assets: UIAssets? = nil, pathPrefix: String = "", security: BoardSecurity = BoardSecurity()
    ) -> Router<BasicRequestContext> {
        let prefix = normalizedPathPrefix(pathPrefix)
        let router = Router()
        let metrics = BoardMetrics(store: store)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: HostCheckMiddleware(security: security))
        if let token = security.token {
            router.add(middleware: AccessTokenMiddleware(token: token, secure: security.tls != nil))
        }
        router.add(middleware: MetricsMiddleware(metrics: metrics, pathPrefix: prefix))
        if prefix.isEmpty {
            addRoutes(to: router, store: store, assets: assets, metrics: metrics, prefix: prefix)
        } else {
            addRoutes(
                to: router.group(RouterPath(prefix)), store: store, assets: assets, metrics: metrics, prefix: prefix)
        }
        return router
    }

    /// `--path-prefix` as routes use it: empty, or `/`-led with no trailing `/` (`board/` → `/board`).
    public static func normalizedPathPrefix(_ text: String) -> String {
        let trimmed = text.split(separator: "/").joined(separator: "/")
        return trimmed.isEmpty ? "" : "/" + trimmed
    }

    private static func addRoutes(
        to routes: some RouterMethods<BasicRequestContext>, store: BoardStore, assets: UIAssets?, metrics: BoardMetrics,
        prefix: String
    ) {
        let cache = ResponseCache()
        routes.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            return Response(
                status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        routes.get("/api/export") { request, _ -> Response in
            exportResponse(BoardQuery.parameters(request.uri.query), snapshot: store.snapshot)
        }
        routes.get("/api/live") { _, _ -> Response in
            let stream = store.changes()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    metrics.liveStreamsChanged(by: 1)
                    defer { metrics.liveStreamsChanged(by: -1) }
                    // An initial comment, so clients see the stream open before the first change.
                    // The stream ends on graceful shutdown (SIGINT, SIGTERM), so open live connections
                    // never hold the server up.
                    try await withGracefulShutdownHandler {
                        try await writer.write(ByteBuffer(string: ": connected\n\n"))
                        for await changes in stream {
                            try await writer.write(ByteBuffer(string: "data: " + changes.json.serialized + "\n\n"))
                        }
                    } onGracefulShutdown: {
                        store.finishSubscribers()
                    }
                    try await writer.finish(nil)
                })
        }
        ProjectorRoutes.add(to: routes, store: store)
        routes.get("/api/:endpoint") { request, context -> Response in
            let endpoint = context.parameters.get("endpoint") ?? ""
            let parameters = BoardQuery.parameters(request.uri.query)
            let snapshot = store.snapshot
            let coding = BoardCompression.preferredCoding(request.headers[.acceptEncoding])
            let make = {
                encoded(
                    BoardAPI.respond(endpoint: endpoint, parameters: parameters, snapshot: snapshot), coding: coding)
            }
            // The status counts every pass, which a generation doesn't follow; it is small to make.
            if endpoint == "status" { return response(make()) }
            let key = ResponseCache.key(endpoint: endpoint, parameters: parameters, coding: coding)
            return response(await cache.entry(for: key, version: snapshot.generation, make: make))
        }
        let ui: UIAssets? = assets ?? UIAssets.packagedFolder().flatMap { try? UIAssets.loadBundled(from: $0) }
        let serveUI: @Sendable (Request) -> Response = { request in
            let fullPath = request.uri.path
            // The page's relative URLs (api/..., js/...) need the prefix to end in a slash.
            if !prefix.isEmpty, fullPath == prefix {
                var headers = HTTPFields()
                headers[.location] = prefix + "/" + (request.uri.query.map { "?" + $0 } ?? "")
                return Response(status: .movedPermanently, headers: headers)
            }
            let path = String(fullPath.dropFirst(prefix.count))
            if path.hasPrefix("/api/") {
                return response(.error(404, "no such endpoint: \(fullPath)"))
            }
            guard let ui else {
                let text =
                    "The board's web UI is not installed next to this binary. JSON API: "
                    + BoardAPI.endpoints.map { "\(prefix)/api/\($0)" }.joined(separator: " ") + "\n"
                return response(
                    BoardAPIResponse(status: 404, contentType: "text/plain; charset=utf-8", body: Array(text.utf8)))
            }
            guard let asset = ui.asset(at: path.isEmpty ? "/" : path) else {
                return response(
                    BoardAPIResponse(
                        status: 404, contentType: "text/plain; charset=utf-8", body: Array("not found\n".utf8)))
            }
            return assetResponse(
                asset, request: request, development: { if case .folder = ui { true } else { false } }())
        }
        routes.get("/") { request, _ in serveUI(request) }
        routes.get("/**") { request, _ in serveUI(request) }
    }

    /// `GET /api/export`: the CSV of ``BoardExport``, streamed in pieces of about 128 KiB, or the
    /// API's JSON error for a bad query.
    static func exportResponse(_ parameters: [String: String], snapshot: BoardSnapshot) -> Response {
        let export: BoardExport
        do {
            export = try BoardExport(parameters: parameters, snapshot: snapshot)
        } catch {
            return response(.error(error.status, error.message))
        }
        var headers = HTTPFields()
        headers[.contentType] = BoardExport.contentType
        headers[.cacheControl] = "no-cache"
        headers[.contentDisposition] = "attachment; filename=\"\(export.fileName)\""
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var stream = export.makeStream()
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 18)
                var more = true
                while more {
                    buffer.removeAll(keepingCapacity: true)
                    more = stream.write(into: &buffer, atLeast: 1 << 17)
                    if !buffer.isEmpty { try await writer.write(ByteBuffer(bytes: buffer)) }
                }
                try await writer.finish(nil)
            })
    }

    /// The response for one UI file: `304` when the client's `If-None-Match` matches; assets
    /// packaged with the binary are cached for ten minutes (the page itself is revalidated
    /// every time), assets from `--assets` never.
    static func assetResponse(_ asset: UIAsset, request: Request, development: Bool) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = asset.etag
        headers[.vary] = "Accept-Encoding"
        if development {
            headers[.cacheControl] = "no-store"
        } else if asset.contentType.hasPrefix("text/html") {
            headers[.cacheControl] = "no-cache"
        } else {
            headers[.cacheControl] = "public, max-age=600"
        }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == asset.etag
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        var body = asset.body
        if BoardCompression.acceptsGzip(request.headers[.acceptEncoding]) {
            if let gzipped = asset.gzipped {
                body = gzipped
                headers[.contentEncoding] = "gzip"
            } else if development, body.count >= 1024, !asset.contentType.hasPrefix("image/png"),
                let gzipped = BoardCompression.gzip(body)
            {
                body = gzipped
                headers[.contentEncoding] = "gzip"
            }
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `answer` ready to send: compressed with `coding` when the body is at least 1 KiB and not a PNG
    /// (text, or the `Float64` columns of `/api/scalars?format=binary`),
    /// at the fastest level (API answers change with every reload, so speed beats ratio).
    static func encoded(_ answer: BoardAPIResponse, coding: BoardCompression.Coding) -> ResponseCache.Entry {
        var entry = ResponseCache.Entry(
            status: answer.status, contentType: answer.contentType, body: answer.body, coding: .identity, lastUse: 0)
        guard coding != .identity, answer.contentType != "image/png", answer.body.count >= 1024 else { return entry }
        let compressed =
            coding == .zstd
            ? BoardCompression.zstd(answer.body, level: 1) : BoardCompression.gzip(answer.body, level: 1)
        if let compressed {
            entry.body = compressed
            entry.coding = coding
        }
        return entry
    }

    /// The HTTP response for an encoded answer.
    static func response(_ entry: ResponseCache.Entry) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = entry.contentType
        headers[.cacheControl] = "no-cache"
        if entry.contentType != "image/png" { headers[.vary] = "Accept-Encoding" }
        if let coding = entry.coding.header { headers[.contentEncoding] = coding }
        return Response(
            status: HTTPResponse.Status(code: entry.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: entry.body)))
    }

    /// The HTTP response for `answer`, compressed with the coding `acceptEncoding` prefers.
    static func response(_ answer: BoardAPIResponse, acceptEncoding: String? = nil) -> Response {
        response(encoded(answer, coding: BoardCompression.preferredCoding(acceptEncoding)))
    }

    /// The application serving `store` (and the UI from `assets`) on `host`:`port` (0 picks a free port). `onRunning` gets the
    /// port actually bound once the server listens. `security` defaults to ``BoardSecurity/init(boundTo:)`` of `host`;
    /// with its ``BoardSecurity/tls`` the server speaks HTTPS.
    public static func makeApplication(
        store: BoardStore, assets: UIAssets? = nil, host: String = "127.0.0.1", port: Int = 6006,
        pathPrefix: String = "", security: BoardSecurity? = nil, logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "lumen.board")
        if logger == nil { log.logLevel = .warning }
        let security = security ?? BoardSecurity(boundTo: host)
        // Idle connections close after a minute; a request's head may be up to 4 MiB, so a query
        // naming a 1 MB tag (percent-encoded) still fits, and anything larger is refused.
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: .seconds(60),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: 4 << 20, maxHeaderListSize: 4 << 20, maxHeaderFieldCount: 200))
        let server: HTTPServerBuilder
        if let tls = security.tls {
            server = HTTPServerBuilder { responder in
                try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: tls)
            }
        } else {
            server = .http1(configuration: http1)
        }
        return Application(
            router: makeRouter(store: store, assets: assets, pathPrefix: pathPrefix, security: security),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "Lumen board"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: log)
    }
}

/// Adds the Content-Security-Policy and hardening headers to every response.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            // No route for this path or method: a JSON 4xx like the API's own errors.
            let status = error.status.code >= 500 ? 400 : error.status.code
            let message =
                status == 404 ? "not found: \(request.method) \(request.uri.path)" : "\(error.status.reasonPhrase)"
            response = BoardServer.response(.error(status, message))
        }
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = BoardServer.contentSecurityPolicy
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPFields.Element.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }
}
