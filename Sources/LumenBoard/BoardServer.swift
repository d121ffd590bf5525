import Foundation
import Hummingbird
import Logging
import LumenEvents
import ServiceLifecycle

/// The board's HTTP layer: Hummingbird routes over the ``BoardStore``'s latest snapshot.
public enum BoardServer {
    /// A router answering `GET /api/<endpoint>` with ``BoardAPI`` over `store`'s snapshot, and
    /// `GET /` with a short index of the API.
    public static func makeRouter(store: BoardStore) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/api/live") { _, _ -> Response in
            let stream = store.changes()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
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
        router.get("/api/:endpoint") { request, context -> Response in
            let endpoint = context.parameters.get("endpoint") ?? ""
            var parameters: [String: String] = [:]
            for (key, value) in request.uri.queryParameters where parameters[String(key)] == nil {
                parameters[String(key)] = String(value)
            }
            let answer = BoardAPI.respond(endpoint: endpoint, parameters: parameters, snapshot: store.snapshot)
            return response(answer, acceptEncoding: request.headers[.acceptEncoding])
        }
        router.get("/") { _, _ -> Response in
            let text = "Lumen board. JSON API: " + BoardAPI.endpoints.map { "/api/\($0)" }.joined(separator: " ") + "\n"
            return response(BoardAPIResponse(status: 200, contentType: "text/plain; charset=utf-8", body: Array(text.utf8)))
        }
        return router
    }

    /// The HTTP response for `answer`: gzip-compressed when the client accepts gzip (and the body
    /// is text of at least 1 KiB).
    static func response(_ answer: BoardAPIResponse, acceptEncoding: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers[.cacheControl] = "no-cache"
        var body = answer.body
        if answer.contentType != "image/png" {
            headers[.vary] = "Accept-Encoding"
            if body.count >= 1024, acceptsGzip(acceptEncoding), let compressed = gzip(body) {
                headers[.contentEncoding] = "gzip"
                body = compressed
            }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Whether an `Accept-Encoding` header lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.lowercased().split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8]? {
        guard let writer = try? GzipMemberWriter(level: 6) else { return nil }
        do {
            try writer.append(bytes)
            return try writer.finishMember()
        } catch {
            return nil
        }
    }

    /// The application serving `store` on `host`:`port` (0 picks a free port). `onRunning` gets the
    /// port actually bound once the server listens.
    public static func makeApplication(
        store: BoardStore, host: String = "127.0.0.1", port: Int = 6006,
        logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "lumen.board")
        if logger == nil { log.logLevel = .warning }
        return Application(
            router: makeRouter(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "Lumen board"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: log)
    }
}
