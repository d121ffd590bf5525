// libFuzzer target: the board's HTTP query handling, from the raw request target to the answer.
//
// Input: text whose first line is the endpoint and whose rest is the raw query string. The query
// is decoded by `BoardQuery.parameters`, as the server does (`+` is a space, the first value of a
// repeated key wins), and answered by `BoardAPI.respond` over a snapshot of the fixture logdir
// (`fixtures`, or `LUMEN_FUZZ_LOGDIR`) plus a run of hostile names. Every answer must be a 200, 400 or 404 with a body
// of its declared type (see `checkResponse`).
import Foundation
import FuzzSupport
import LumenBoard
import LumenEvents

/// Run and tag names a hostile writer could choose (also in `dicts/query.dict`).
let hostileNames = [
    "../../etc/passwd", "<script>alert(1)</script>", "\u{0}\u{1}\u{1F}\u{7F}", "\"quoted\\\"", "/absolute",
    "%2e%2e%2f", "\u{2028}\u{2029}", "é/ü/😀", String(repeating: "x", count: 1000),
]

/// The fixtures, loaded once.
let fixtureSnapshot: BoardSnapshot = {
    let logdir =
        ProcessInfo.processInfo.environment["LUMEN_FUZZ_LOGDIR"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../fixtures").standardized.path
    let loader = LogdirLoader(logdir: logdir)
    loader.reload()
    var runs: [String: RunData] = [:]
    for name in loader.runNames { runs[name] = loader.run(name) }
    check(!runs.isEmpty, "no runs found in the fixture logdir \(logdir)")
    // A run with hostile names and values next to the fixtures.
    var hostile = RunData()
    for (index, tag) in hostileNames.enumerated() {
        for (step, value) in [(0, Float.nan), (1, -.infinity), (2, .greatestFiniteMagnitude), (Int64.max, -0.0)] {
            hostile.add(
                serializedEvent: EventEncoding.scalarEvent(
                    tag: tag, value: value, step: Int64(step), wallTime: Double(index) * 1e300))
        }
    }
    runs[hostileNames[0]] = hostile
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
    let parameters = BoardQuery.parameters(String(query))
    let response = BoardAPI.respond(endpoint: String(endpoint), parameters: parameters, snapshot: fixtureSnapshot)
    checkResponse(response, endpoint: String(endpoint), parameters: parameters)
    if response.status == 200, let run = parameters["run"], let tag = parameters["tag"],
        response.contentType.hasPrefix("application/json"), ["scalars"].contains(String(endpoint))
    {
        // An answer about a series names the run and tag asked for, nothing else.
        check(
            response.text.contains(BoardJSON.string(run).serialized)
                && response.text.contains(BoardJSON.string(tag).serialized),
            "/api/scalars answered about another run or tag than \(run)/\(tag)")
    }
    return 0
}

exit(runFuzzer(fuzzQuery))
