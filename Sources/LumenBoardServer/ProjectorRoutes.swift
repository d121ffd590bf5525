import Foundation
import Hummingbird
import LumenBoard
import ServiceLifecycle
import Synchronization

/// The projector's routes under `/api/projector/`: files and computed answers from
/// ``ProjectorAPI`` (computed off Swift's cooperative pool), and `/api/projector/tsne`, a stream of
/// server-sent events:
///
/// - `event: start`, data `{"rows", "dims", "perplexity", "learningRate", "iterations", "iteration"}`
///   once the affinities are computed (`iteration` > 0 when a paused run is resumed);
/// - one unnamed event per `every` iterations, data `{"iteration", "dims", "positions"}` with the
///   n × dims positions as base64 of little-endian float32 values;
/// - `event: done`, data `{"iteration"}`, after `iterations` iterations.
///
/// A client pauses by closing the stream: the run is kept, and a request with the same
/// parameters and `resume=<iteration it saw>` continues it.
enum ProjectorRoutes {
    static func add(to router: some RouterMethods<BasicRequestContext>, store: BoardStore) {
        // Registered here, not only through `/api/:endpoint`: the router matches `/api/projector`
        // against this constant segment first.
        router.get("/api/projector") { request, _ -> Response in
            let parameters = BoardQuery.parameters(request.uri.query)
            let snapshot = store.snapshot
            let answer = await offThePool { ProjectorAPI.respond("", parameters: parameters, snapshot: snapshot) }
            return BoardServer.response(answer, acceptEncoding: request.headers[.acceptEncoding])
        }
        router.get("/api/projector/:what") { request, context -> Response in
            let what = context.parameters.get("what") ?? ""
            let parameters = BoardQuery.parameters(request.uri.query)
            let snapshot = store.snapshot
            if what == "tsne" { return tsne(parameters, snapshot) }
            let answer = await offThePool { ProjectorAPI.respond(what, parameters: parameters, snapshot: snapshot) }
            return BoardServer.response(answer, acceptEncoding: request.headers[.acceptEncoding])
        }
    }

    /// Runs `work` on a thread of its own, so long computations don't hold the server's pool.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "lumen.board.projector"
            thread.start()
        }
    }

    private final class StopFlag: Sendable {
        let stopped = Atomic<Bool>(false)
    }

    static func tsne(_ parameters: [String: String], _ snapshot: BoardSnapshot) -> Response {
        let request: ProjectorAPI.TSNERequest
        switch ProjectorAPI.tsneRequest(parameters, snapshot: snapshot) {
        case .failure(let error): return BoardServer.response(error.response)
        case .success(let r): request = r
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let flag = StopFlag()
                try await withGracefulShutdownHandler {
                    try await writer.write(ByteBuffer(string: ": computing affinities\n\n"))
                    let started = await offThePool { () -> Result<UncheckedBox<TSNE>, Error> in
                        do { return .success(UncheckedBox(try TSNESessions.shared.start(request))) } catch {
                            return .failure(error)
                        }
                    }
                    let tsne: TSNE
                    switch started {
                    case .failure(let error):
                        try await writer.write(
                            ByteBuffer(
                                string: "event: error\ndata: "
                                    + BoardJSON.object([("error", .string("\(error)"))]).serialized + "\n\n"))
                        return
                    case .success(let box): tsne = box.value
                    }
                    let start = BoardJSON.object([
                        ("rows", .integer(Int64(tsne.rows))), ("dims", .integer(Int64(tsne.dims))),
                        ("perplexity", .number(tsne.perplexity)), ("learningRate", .number(tsne.learningRate)),
                        ("iterations", .integer(Int64(request.iterations))),
                        ("iteration", .integer(Int64(tsne.iteration))),
                    ])
                    do {
                        try await writer.write(ByteBuffer(string: "event: start\ndata: " + start.serialized + "\n\n"))
                        try await writer.write(ByteBuffer(string: frame(tsne)))
                        while tsne.iteration < request.iterations, !flag.stopped.load(ordering: .relaxed) {
                            let count = min(request.every, request.iterations - tsne.iteration)
                            let box = UncheckedBox(tsne)
                            let text = await offThePool { () -> String in
                                box.value.run(count)
                                return frame(box.value)
                            }
                            try await writer.write(ByteBuffer(string: text))
                        }
                        if tsne.iteration >= request.iterations {
                            try await writer.write(
                                ByteBuffer(string: "event: done\ndata: {\"iteration\":\(tsne.iteration)}\n\n"))
                        } else {
                            TSNESessions.shared.keep(tsne, key: request.key)
                        }
                    } catch {
                        // The client closed the stream: keep the run for a resume.
                        TSNESessions.shared.keep(tsne, key: request.key)
                        throw error
                    }
                } onGracefulShutdown: {
                    flag.stopped.store(true, ordering: .relaxed)
                }
                try await writer.finish(nil)
            })
    }

    /// One position frame.
    static func frame(_ tsne: TSNE) -> String {
        let positions = tsne.positions
        var bytes = [UInt8](repeating: 0, count: positions.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in positions.enumerated() {
                raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return "data: {\"iteration\":\(tsne.iteration),\"dims\":\(tsne.dims),\"positions\":\""
            + Data(bytes).base64EncodedString() + "\"}\n\n"
    }
}

/// A reference handed to one thread at a time (the stream awaits each step before the next).
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
