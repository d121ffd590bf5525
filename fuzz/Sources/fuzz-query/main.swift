// libFuzzer target: the board's HTTP query handling, from the raw request target to the answer.
//
// Input: text whose first line is the endpoint and whose rest is the raw query string. The query
// is decoded by Hummingbird's `URI.queryParameters`, as the server does (the first value of a
// repeated key wins), and answered by `BoardAPI.respond` over a snapshot of the fixture logdir
// (`fixtures/interop`, or `LUMEN_FUZZ_LOGDIR`). Every answer must be a 200, 400 or 404 with a body
// of its declared type (see `checkResponse`).
import Foundation
import FuzzSupport
import HummingbirdCore
import LumenBoard
import LumenEvents

/// The fixtures, loaded once.
let fixtureSnapshot: BoardSnapshot = {
    let logdir = ProcessInfo.processInfo.environment["LUMEN_FUZZ_LOGDIR"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../fixtures/interop").standardized.path
    let loader = LogdirLoader(logdir: logdir)
    loader.reload()
    var runs: [String: RunData] = [:]
    for name in loader.runNames { runs[name] = loader.run(name) }
    check(!runs.isEmpty, "no runs found in the fixture logdir \(logdir)")
    return BoardSnapshot(runs: runs)
}()

func fuzzQuery(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: inputBytes(data, count), as: UTF8.self)
    let endpoint: Substring, query: Substring
    if let newline = text.firstIndex(of: "\n") {
        endpoint = text[..<newline]
        query = text[text.index(after: newline)...]
    } else {
        endpoint = Substring(text)
        query = ""
    }
    let uri = URI("/api/x?" + query)
    var parameters: [String: String] = [:]
    for (key, value) in uri.queryParameters where parameters[String(key)] == nil {
        parameters[String(key)] = String(value)
    }
    let response = BoardAPI.respond(endpoint: String(endpoint), parameters: parameters, snapshot: fixtureSnapshot)
    checkResponse(response, endpoint: String(endpoint), parameters: parameters)
    if response.status == 200, let run = parameters["run"], let tag = parameters["tag"],
       response.contentType.hasPrefix("application/json"), ["scalars"].contains(String(endpoint)) {
        // An answer about a series names the run and tag asked for, nothing else.
        check(response.text.contains(BoardJSON.string(run).serialized) && response.text.contains(BoardJSON.string(tag).serialized),
              "/api/scalars answered about another run or tag than \(run)/\(tag)")
    }
    return 0
}

exit(runFuzzer(fuzzQuery))
