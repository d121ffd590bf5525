import Foundation
import Hummingbird
import HummingbirdTesting
import LumenTestSupport
import Testing
@testable import LumenBoard
@testable import LumenBoardServer

/// The comparison endpoints against NumPy: `scripts/compare_reference.py` writes a fixture logdir
/// (six seeded runs on different step grids, one with a NaN, a restarted run, a 20,000-point run)
/// and computes what `/api/scalars?smoothing=`, `/api/aggregate`, `/api/hparams?value=` and
/// `/api/export` must answer; the board loads the same logdir and is checked point by point.
@Suite(.serialized, .enabled(if: Repository.pythonImports(["numpy", "tensorboard"])))
struct CompareTests {
    /// The fixture's snapshot and the reference, made once for the suite.
    actor Fixture {
        static let shared = Fixture()
        private var made: (snapshot: BoardSnapshot, reference: Data)?

        func get() async throws -> (snapshot: BoardSnapshot, reference: Data) {
            if let made { return made }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            _ = try Repository.runPythonScript("scripts/compare_reference.py", ["write", dir.path])
            let data = try Repository.runPythonScript("scripts/compare_reference.py", ["reference", dir.path])
            let snapshot = await BoardLoader(logdir: dir.path).reload()
            made = (snapshot, data)
            return (snapshot, data)
        }
    }

    /// The fixture's snapshot and the reference values (parsed).
    static func fixture() async throws -> (BoardSnapshot, [String: Any]) {
        let (snapshot, data) = try await Fixture.shared.get()
        return (snapshot, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    static func answer(_ endpoint: String, _ q: [String: String], _ snapshot: BoardSnapshot) throws -> Any {
        let response = BoardAPI.respond(endpoint: endpoint, parameters: q, snapshot: snapshot)
        #expect(response.status == 200, "\(endpoint) \(q): \(response.text.prefix(300))")
        return try JSONSerialization.jsonObject(with: Data(response.body))
    }

    /// A JSON number; `nil` for null, NaN (as `null` or the string "NaN") or a missing value.
    static func number(_ any: Any?) -> Double? {
        if let text = any as? String { return Double(text).flatMap { $0.isNaN ? nil : $0 } }
        guard let value = (any as? NSNumber)?.doubleValue, !value.isNaN else { return nil }
        return value
    }

    /// Both missing, or equal to `relative`.
    static func same(_ a: Double?, _ b: Double?, relative: Double = 1e-9) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return abs(a - b) <= relative * max(1, abs(a), abs(b))
    }

    // MARK: - /api/scalars

    @Test func smoothingEqualsNumPyOnTheFullSeriesAtEveryWidthAndZoom() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let smoothing = try #require(reference["smoothing"] as? [String: [String: [String: Any]]])
        for run in ["long", "lr0.1/seed1", "lr0.01/seed2"] {
            let ref = try #require(smoothing[run]?["loss"])
            let steps = try #require(ref["steps"] as? [Int])
            let values = try #require(ref["values"] as? [Any])
            let smoothedByWeight = try #require(ref["smoothed"] as? [String: [Any]])
            let indexOf = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
            let middle = steps[steps.count / 3], late = steps[steps.count * 2 / 3]
            for (weightText, smoothed) in smoothedByWeight {
                for points in [nil, 40, 700] as [Int?] {
                    for window in [nil, (middle, late)] as [(Int, Int)?] {
                        var q = ["run": run, "tag": "loss", "smoothing": weightText]
                        if let points { q["points"] = String(points) }
                        if let window {
                            q["start"] = String(window.0)
                            q["end"] = String(window.1)
                        }
                        let json = try #require(try Self.answer("scalars", q, snapshot) as? [String: Any])
                        let answer = try #require(json["points"] as? [[Any]])
                        let inWindow = steps.filter { s in window.map { s >= $0.0 && s <= $0.1 } ?? true }
                        #expect(json["total"] as? Int == steps.count)
                        if window != nil { #expect(json["inWindow"] as? Int == inWindow.count) }
                        if let points {
                            #expect(answer.count <= max(points, 4))
                        } else {
                            #expect(answer.count == inWindow.count)
                        }
                        // first and last of the window are always there
                        #expect((answer.first?[1] as? Int) == inWindow.first, "\(q)")
                        #expect((answer.last?[1] as? Int) == inWindow.last, "\(q)")
                        for point in answer {
                            #expect(point.count == 4)
                            let step = try #require(point[1] as? Int)
                            let i = try #require(indexOf[step])
                            #expect(
                                Self.same(Self.number(point[2]), Self.number(values[i]), relative: 0),
                                "\(q) step \(step)")
                            #expect(Self.same(Self.number(point[3]), Self.number(smoothed[i])), "\(q) step \(step)")
                        }
                    }
                }
            }
            // Without smoothing= the points keep their [wallTime, step, value] shape.
            let plain = try #require(
                try Self.answer("scalars", ["run": run, "tag": "loss", "points": "50"], snapshot) as? [String: Any])
            #expect((plain["points"] as? [[Any]])?.allSatisfy { $0.count == 3 } == true)
            #expect(plain["inWindow"] == nil)
        }
    }

    @Test func manyRunsInOneScalarsRequestMatchNumPyAndEachRunsAnswer() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let smoothing = try #require(reference["smoothing"] as? [String: [String: [String: Any]]])
        let q = ["runs": "seed", "tag": "loss", "points": "40", "smoothing": "0.95", "restarts": "true"]
        let answers = try #require(try Self.answer("scalars", q, snapshot) as? [[String: Any]])
        let expectedRuns = snapshot.runs.keys.sorted().filter {
            $0.contains("seed") && snapshot.runs[$0]?.scalars["loss"] != nil
        }
        #expect(answers.compactMap { $0["run"] as? String } == expectedRuns)
        #expect(expectedRuns.count > 1)
        for answer in answers {
            let run = try #require(answer["run"] as? String)
            var single = q
            single["runs"] = nil
            single["run"] = run
            let alone = try #require(try Self.answer("scalars", single, snapshot) as? [String: Any])
            #expect(NSDictionary(dictionary: answer).isEqual(to: alone), "\(run)")
            // and NumPy's smoothing of the full series, where the fixture's reference has the run
            guard let ref = smoothing[run]?["loss"], let steps = ref["steps"] as? [Int],
                let smoothed = (ref["smoothed"] as? [String: [Any]])?["0.95"]
            else { continue }
            let indexOf = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
            for point in try #require(answer["points"] as? [[Any]]) {
                let step = try #require(point[1] as? Int)
                let i = try #require(indexOf[step])
                #expect(Self.same(Self.number(point[3]), Self.number(smoothed[i])), "\(run)")
            }
        }
        let none = try #require(try Self.answer("scalars", ["runs": "^nothing$", "tag": "loss"], snapshot) as? [Any])
        #expect(none.isEmpty)
    }

    /// `format=binary`, decoded as the web UI does: its header is the JSON answer without `points`
    /// and its columns hold the JSON answer's numbers exactly (NaN as NaN).
    @Test func binaryColumnsHoldTheJSONAnswer() async throws {
        let (snapshot, _) = try await Self.fixture()
        let queries: [[String: String]] = [
            ["run": "long", "tag": "loss"],
            ["run": "long", "tag": "loss", "points": "300", "smoothing": "0.9"],
            ["run": "long", "tag": "loss", "points": "50", "start": "70000", "end": "90000", "smoothing": "0.6"],
            ["run": "long", "tag": "loss", "start": "900000", "end": "990000", "smoothing": "0.6"],  // no point
            ["run": "restart", "tag": "loss", "restarts": "true"],
            ["runs": "seed", "tag": "loss", "points": "40", "smoothing": "0.95", "restarts": "true"],
            ["runs": "seed|long", "tag": "loss", "points": "100"],
            ["runs": "^nothing$", "tag": "loss"],
        ]
        /// A JSON answer's number (JSONDecoder reads doubles exactly; JSONSerialization doesn't).
        enum Number: Decodable {
            case value(Double), text(String)
            init(from decoder: any Decoder) throws {
                let single = try decoder.singleValueContainer()
                if let text = try? single.decode(String.self) {
                    self = .text(text)
                } else {
                    self = .value(try single.decode(Double.self))
                }
            }
        }
        struct Points: Decodable { var points: [[Number]] }
        var nans = 0
        var emptySeries = 0
        for q in queries {
            let json = try Self.answer("scalars", q, snapshot)
            let text = Data(BoardAPI.respond(endpoint: "scalars", parameters: q, snapshot: snapshot).body)
            let exact =
                q["runs"] == nil
                ? [try JSONDecoder().decode(Points.self, from: text)]
                : try JSONDecoder().decode([Points].self, from: text)
            var binaryQuery = q
            binaryQuery["format"] = "binary"
            let response = BoardAPI.respond(endpoint: "scalars", parameters: binaryQuery, snapshot: snapshot)
            #expect(response.status == 200 && response.contentType == "application/octet-stream", "\(q)")
            let body = response.body
            try #require(body.count >= 4)
            let length = Int(body[0]) | Int(body[1]) << 8 | Int(body[2]) << 16 | Int(body[3]) << 24
            let base = 4 + length
            #expect(base % 8 == 0, "\(q): the columns start at \(base)")
            let header = try JSONSerialization.jsonObject(with: Data(body[4..<base]))
            let expected =
                q["runs"] == nil ? [try #require(json as? [String: Any])] : try #require(json as? [[String: Any]])
            let got =
                q["runs"] == nil ? [try #require(header as? [String: Any])] : try #require(header as? [[String: Any]])
            #expect(got.count == expected.count, "\(q)")
            var end = base
            #expect(exact.count == got.count)
            emptySeries += exact.filter(\.points.isEmpty).count
            for ((want, have), numbers) in zip(zip(expected, got), exact) {
                let points = numbers.points
                let columns = try #require(have["columns"] as? [String])
                let width = q["smoothing"] == nil ? 3 : 4
                #expect(points.allSatisfy { $0.count == width }, "\(q)")
                #expect(columns == ["wallTime", "step", "value", "smoothed"].prefix(width).map { $0 }, "\(q)")
                #expect(have["count"] as? Int == points.count)
                // the other fields are the JSON answer's
                var rest = have
                for key in ["count", "columns", "offset"] { rest[key] = nil }
                var wantRest = want
                wantRest["points"] = nil
                #expect(NSDictionary(dictionary: rest).isEqual(to: wantRest), "\(q)")
                let offset = try #require(have["offset"] as? Int)
                #expect(base + offset == end, "\(q): columns one after another")
                for (k, _) in columns.enumerated() {
                    for (i, point) in points.enumerated() {
                        let at = base + offset + 8 * (points.count * k + i)
                        var bits: UInt64 = 0
                        for b in 0..<8 { bits |= UInt64(body[at + b]) << (8 * b) }
                        let value = Double(bitPattern: bits)
                        switch point[k] {
                        case .text(let text):
                            #expect(value.isNaN && text == "NaN" || value == Double(text), "\(q) \(text)")
                            if value.isNaN { nans += 1 }
                        case .value(let number):
                            #expect(value == number, "\(q) point \(i) column \(k)")
                        }
                    }
                }
                end = base + offset + 8 * points.count * columns.count
            }
            #expect(end == body.count, "\(q): \(body.count - end) bytes after the columns")
        }
        #expect(nans > 0, "no NaN was compared")
        #expect(emptySeries > 0, "no series without points was compared")
        let bad = BoardAPI.respond(
            endpoint: "scalars", parameters: ["run": "long", "tag": "loss", "format": "f64"], snapshot: snapshot)
        #expect(bad.status == 400 && bad.text.contains("'binary'") && bad.text.contains("'f64'"))
    }

    @Test func aZoomedWindowHoldsEveryRawPointOnceItFits() async throws {
        let (snapshot, _) = try await Self.fixture()
        let full = try #require(
            try Self.answer("scalars", ["run": "long", "tag": "loss", "points": "500"], snapshot) as? [String: Any])
        let fullSteps = Set(try #require(full["points"] as? [[Any]]).compactMap { $0[1] as? Int })
        let zoomed = try #require(
            try Self.answer(
                "scalars", ["run": "long", "tag": "loss", "points": "500", "start": "100000", "end": "103000"], snapshot
            ) as? [String: Any])
        let zoomedSteps = try #require(zoomed["points"] as? [[Any]]).compactMap { $0[1] as? Int }
        #expect(zoomedSteps == Array(stride(from: 100_000, through: 103_000, by: 10)))
        #expect(!Set(zoomedSteps).subtracting(fullSteps).isEmpty)
    }

    @Test func restartsAreReportedWithThePurgedPoints() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let expected = try #require(reference["restart"] as? [String: Any])
        let json = try #require(
            try Self.answer("scalars", ["run": "restart", "tag": "loss", "restarts": "true"], snapshot)
                as? [String: Any])
        let kept = try #require(expected["kept"] as? [[Double]])
        let points = try #require(json["points"] as? [[Any]])
        #expect(points.map { $0.compactMap(Self.number) } == kept)
        let restarts = try #require(json["restarts"] as? [[String: Any]])
        #expect(restarts.count == 1)
        #expect(restarts.first?["step"] as? Int == expected["step"] as? Int)
        #expect(Self.number(restarts.first?["wallTime"]) == 1.7e9 + 250)
        #expect(restarts.first?["purgedCount"] as? Int == 50)
        let purged = try #require(restarts.first?["purged"] as? [[Any]])
        #expect(purged.map { $0.compactMap(Self.number) } == (expected["purged"] as? [[Double]]))
        // Without restarts= the answer has no such field.
        let plain = try #require(
            try Self.answer("scalars", ["run": "restart", "tag": "loss"], snapshot) as? [String: Any])
        #expect(plain["restarts"] == nil)
    }

    // MARK: - /api/aggregate

    @Test func aggregateMatchesNumPy() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let cases = try #require(reference["aggregate"] as? [[String: Any]])
        #expect(cases.count >= 7)
        for c in cases {
            let query = try #require(c["query"] as? [String: String])
            let expected = try #require(c["answer"] as? [[String: Any]])
            let answer = try #require(try Self.answer("aggregate", query, snapshot) as? [[String: Any]])
            #expect(answer.map { $0["group"] as? String } == expected.map { $0["group"] as? String }, "\(query)")
            for (got, want) in zip(answer, expected) {
                #expect(got["runs"] as? [String] == want["runs"] as? [String], "\(query)")
                let gotPoints = try #require(got["points"] as? [[Any]])
                let wantPoints = try #require(want["points"] as? [[Any]])
                #expect(gotPoints.count == wantPoints.count, "\(query) \(want["group"] ?? "")")
                for (g, w) in zip(gotPoints, wantPoints) {
                    #expect(g[0] as? Int == w[0] as? Int)
                    for k in 1..<4 { #expect(Self.same(Self.number(g[k]), Self.number(w[k])), "\(query) \(g) vs \(w)") }
                }
                // Downsampled, every point is still the reference's point at its step, mean and band.
                var small = query
                small["points"] = "20"
                let byStep = Dictionary(wantPoints.map { ($0[0] as? Int ?? -1, $0) }, uniquingKeysWith: { a, _ in a })
                let smallAnswer = try #require(try Self.answer("aggregate", small, snapshot) as? [[String: Any]])
                let smallPoints = try #require(
                    smallAnswer.first { $0["group"] as? String == want["group"] as? String }?["points"] as? [[Any]])
                #expect(smallPoints.count <= max(20, 4))
                #expect(smallPoints.first?[0] as? Int == wantPoints.first?[0] as? Int)
                #expect(smallPoints.last?[0] as? Int == wantPoints.last?[0] as? Int)
                for g in smallPoints {
                    let w = try #require(byStep[g[0] as? Int ?? -2])
                    for k in 1..<4 { #expect(Self.same(Self.number(g[k]), Self.number(w[k])), "\(query) \(g) vs \(w)") }
                }
            }
        }
    }

    // MARK: - /api/hparams

    @Test func hparamsValueModesMatchNumPy() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let modes = try #require(reference["hparams"] as? [String: [String: [String: Any]]])
        #expect(modes.count == 5)
        for (mode, expected) in modes {
            let rows = try #require(try Self.answer("hparams", ["value": mode], snapshot) as? [[String: Any]])
            #expect(rows.compactMap { $0["run"] as? String } == expected.keys.sorted(), "\(mode)")
            for row in rows {
                let run = try #require(row["run"] as? String)
                let want = try #require(expected[run])
                let metrics = try #require(row["metrics"] as? [String: Any])
                let wantMetrics = try #require(want["metrics"] as? [String: Any])
                #expect(metrics.keys.sorted() == wantMetrics.keys.sorted())
                for (tag, value) in wantMetrics {
                    #expect(
                        Self.same(Self.number(metrics[tag]), Self.number(value), relative: 0), "\(mode) \(run) \(tag)")
                }
                if mode.hasPrefix("at_best:") {
                    #expect(row["bestStep"] as? Int == want["bestStep"] as? Int, "\(mode) \(run)")
                } else {
                    #expect(row["bestStep"] == nil)
                }
            }
        }
    }

    // MARK: - /api/export

    /// The cells of a CSV whose fields hold no quotes or commas.
    static func cells(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func exportRowsMatchNumPyAndStreamInPieces() async throws {
        let (snapshot, reference) = try await Self.fixture()
        let cases = try #require(reference["export"] as? [[String: Any]])
        #expect(cases.count == 6)
        for c in cases {
            let query = try #require(c["query"] as? [String: String])
            let expected = try #require(c["answer"] as? [String: Any])
            let response = BoardAPI.respond(endpoint: "export", parameters: query, snapshot: snapshot)
            #expect(response.status == 200)
            #expect(response.contentType.hasPrefix("text/csv"))
            let table = Self.cells(response.text)
            #expect(table.first == expected["header"] as? [String], "\(query)")
            let rows = try #require(expected["rows"] as? [[Any]])
            #expect(table.count - 1 == rows.count, "\(query)")
            for (got, want) in zip(table.dropFirst(), rows) {
                #expect(got.count == want.count)
                for (cell, value) in zip(got, want) {
                    if let text = value as? String {
                        #expect(cell == text, "\(query)")
                    } else if let number = Self.number(value) {
                        #expect(Self.same(Double(cell), number, relative: 1e-12), "\(query) \(got) vs \(want)")
                    } else {
                        #expect(cell == "" || cell == "nan", "\(query) \(got) vs \(want)")
                    }
                }
            }
            // The stream, written in small pieces, gives the same bytes.
            let export = try BoardExport(parameters: query, snapshot: snapshot)
            var stream = export.makeStream()
            var pieces: [UInt8] = []
            var calls = 0
            while stream.write(into: &pieces, atLeast: 100) { calls += 1 }
            #expect(pieces == response.body)
            #expect(calls > 5)
        }
    }

    /// Long exports are written a block of rows at a time, each block in two halves on two
    /// threads: every row is still the series' point, in order, in both forms, and the smoothing
    /// runs on across blocks (the debiased average NumPy's reference computes, restated here for
    /// 100,000 points).
    @Test func largeExportsSplitAcrossThreadsKeepEveryRowInOrder() throws {
        var run = RunData()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var points: [String: [(step: Int64, wallTime: Double, value: Double)]] = [:]
        for tag in ["a", "b"] {
            let count = tag == "a" ? 100_000 : 5_000
            for i in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let value = i % 997 == 3 ? Double.nan : Double(Float(Double(state >> 40) / Double(1 << 24)))
                let point = (
                    step: Int64(3 * i), wallTime: 1.7e9 + Double(i) * 0.125 + Double(state >> 54) * 1e-6, value: value
                )
                run.addScalar(tag: tag, step: point.step, wallTime: point.wallTime, value: point.value)
                points[tag, default: []].append(point)
            }
        }
        let snapshot = BoardSnapshot(runs: ["run": run])
        let weight = 0.9
        let query = ["format": "long", "smoothing": "\(weight)"]
        let response = BoardAPI.respond(endpoint: "export", parameters: query, snapshot: snapshot)
        let rows = Self.cells(response.text).dropFirst()
        #expect(rows.count == 105_000)
        var row = rows.startIndex
        for tag in ["a", "b"] {
            var last = 0.0
            var power = 1.0
            for point in points[tag] ?? [] {
                guard row < rows.endIndex else { break }
                let cells = rows[row]
                row += 1
                var smoothed = point.value
                if point.value.isFinite {
                    last = last * weight + (1 - weight) * point.value
                    power *= weight
                    smoothed = last / (1 - power)
                }
                let expected = ["run", tag, String(point.step)]
                guard Array(cells.prefix(3)) == expected, cells.count == 6 else {
                    Issue.record("row \(row): \(cells), expected \(expected)")
                    return
                }
                #expect(Double(cells[3]) == point.wallTime)
                #expect(point.value.isNaN ? cells[4] == "nan" : Double(cells[4]) == point.value)
                #expect(point.value.isNaN ? cells[5] == "nan" : Double(cells[5]) == smoothed)
            }
        }
        // Written in small pieces, the same bytes.
        var stream = try BoardExport(parameters: query, snapshot: snapshot).makeStream()
        var pieces: [UInt8] = []
        while stream.write(into: &pieces, atLeast: 100) {}
        #expect(pieces == response.body)

        // The wide form: a row per step of the union (here a's steps; b has the first 5,000).
        let wideQuery = ["format": "wide", "smoothing": "\(weight)"]
        let wide = BoardAPI.respond(endpoint: "export", parameters: wideQuery, snapshot: snapshot)
        let table = Self.cells(wide.text)
        #expect(table.first == ["step", "run/a", "run/a:smoothed", "run/b", "run/b:smoothed"])
        #expect(table.count == 100_001)
        var expectedCells: [[String]] = Array(repeating: [], count: 100_000)
        for tag in ["a", "b"] {
            var last = 0.0
            var power = 1.0
            for (i, point) in (points[tag] ?? []).enumerated() {
                var smoothed = point.value
                if point.value.isFinite {
                    last = last * weight + (1 - weight) * point.value
                    power *= weight
                    smoothed = last / (1 - power)
                }
                expectedCells[i] += [point.value, smoothed].map { $0.isNaN ? "nan" : "\($0)" }
            }
        }
        var mismatches = 0
        for (i, cells) in table.dropFirst().enumerated() where i < expectedCells.count {
            let expected = [String(3 * i)] + expectedCells[i] + (i < 5_000 ? [] : ["", ""])
            let same =
                cells.count == 5 && cells[0] == expected[0]
                && zip(cells.dropFirst(), expected.dropFirst()).allSatisfy { got, want in
                    got == want || (Double(got).map { Double(want) == $0 } ?? false)
                }
            if !same {
                mismatches += 1
                if mismatches <= 3 { Issue.record("wide row \(i): \(cells), expected \(expected)") }
            }
        }
        #expect(mismatches == 0)
        var wideStream = try BoardExport(parameters: wideQuery, snapshot: snapshot).makeStream()
        var widePieces: [UInt8] = []
        while wideStream.write(into: &widePieces, atLeast: 100) {}
        #expect(widePieces == wide.body)
    }

    @Test func exportStreamsOverHTTPUnderAPathPrefix() async throws {
        let (snapshot, _) = try await Self.fixture()
        let store = BoardStore()
        _ = store.publish(snapshot)
        let app = Application(router: BoardServer.makeRouter(store: store, pathPrefix: "lumen/"))
        try await app.test(.router) { client in
            let query = "format=long&smoothing=0.6"
            let body = try await client.execute(uri: "/lumen/api/export?" + query, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"lumen-scalars-long.csv\"")
                return Array(response.body.readableBytesView)
            }
            let core = BoardAPI.respond(
                endpoint: "export", parameters: ["format": "long", "smoothing": "0.6"],
                snapshot: snapshot)
            #expect(body == core.body)
            #expect(body.count > 1 << 17)  // more than one piece
            try await client.execute(uri: "/lumen", method: .get) { response in
                #expect(response.status == .movedPermanently)
                #expect(response.headers[.location] == "/lumen/")
            }
            try await client.execute(uri: "/lumen/api/runs", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/lumen/api/export?format=tall", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(
                    String(decoding: response.body.readableBytesView, as: UTF8.self).contains(
                        "'format' must be long or wide"))
            }
            try await client.execute(uri: "/api/runs", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    // MARK: - Bad input

    @Test func badParametersAreClearErrors() async throws {
        let (snapshot, _) = try await Self.fixture()
        func error(_ endpoint: String, _ q: [String: String]) -> (Int, String) {
            let response = BoardAPI.respond(endpoint: endpoint, parameters: q, snapshot: snapshot)
            return (response.status, response.text)
        }
        let loss = ["run": "long", "tag": "loss"]
        let cases: [(String, [String: String], String)] = [
            ("scalars", loss.merging(["smoothing": "1.5"]) { $1 }, "'smoothing' must be a number with 0 ≤ W < 1"),
            ("scalars", loss.merging(["start": "ten"]) { $1 }, "'start' must be an integer step"),
            ("scalars", loss.merging(["start": "10", "end": "5"]) { $1 }, "'start' (10) is after 'end' (5)"),
            ("scalars", loss.merging(["restarts": "maybe"]) { $1 }, "'restarts' must be true or false"),
            ("scalars", ["runs": "[a", "tag": "loss"], "'runs' is not a valid regular expression"),
            ("scalars", ["runs": "seed", "tag": "loss", "format": "csv"], "format=csv takes one run"),
            ("scalars", ["runs": "seed"], "missing parameter 'tag'"),
            ("aggregate", ["tag": "loss"], "missing parameter 'group'"),
            ("aggregate", ["group": "(.*)/seed"], "missing parameter 'tag'"),
            ("aggregate", ["group": "(", "tag": "loss"], "'group' is not a valid regular expression"),
            ("aggregate", ["group": "x", "tag": "loss", "runs": "[a"], "'runs' is not a valid regular expression"),
            ("aggregate", ["group": "x", "tag": "loss", "stat": "median"], "'stat' must be mean_std or min_max"),
            ("aggregate", ["group": "hparam:", "tag": "loss"], "needs an hparam name"),
            ("hparams", ["value": "mean"], "'value' must be last, min, max or at_best:TAG:min|max"),
            ("hparams", ["value": "at_best:loss:lowest"], "at_best:TAG:min or at_best:TAG:max"),
            ("export", ["format": "tall"], "'format' must be long or wide"),
            ("export", ["tags": "(("], "'tags' is not a valid regular expression"),
        ]
        for (endpoint, q, message) in cases {
            let (status, text) = error(endpoint, q)
            #expect(status == 400, "\(endpoint) \(q)")
            #expect(text.contains(message), "\(endpoint) \(q): \(text)")
        }
    }

    // MARK: - TensorBoard's command line

    static let boardBinary = BadInputTests.boardBinary

    /// `board` runs TensorBoard's spellings: `--logdir_spec`, `--reload_interval`,
    /// `--samples_per_plugin scalars=…` (with a note, not an error) and `--path_prefix`.
    @Test(.enabled(if: boardBinary != nil)) func tensorBoardSpellingsWork() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.boardBinary))
        process.arguments = [
            "--logdir_spec", "exp:" + dir.path, "--reload_interval", "0", "--port", "0",
            "--samples_per_plugin", "scalars=1000,images=3", "--path_prefix", "/board/",
        ]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var said = ""
        while !said.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            said += String(decoding: data, as: UTF8.self)
        }
        #expect(said.hasPrefix("Lumen board at http://127.0.0.1:"), "\(said)")
        #expect(said.contains("/board/ (logdir exp:"), "\(said)")
        process.terminate()
        process.waitUntilExit()
        let note = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(note.contains("scalars are never sampled"), "\(note)")
        #expect(process.terminationStatus == 0)
        let help = try runProcess(try #require(Self.boardBinary), ["--help"])
        let text = String(decoding: help.standardOutput, as: UTF8.self)
        for alias in ["--logdir_spec", "--bind_all", "--reload_interval", "--samples_per_plugin", "--path_prefix"] {
            #expect(text.contains(alias), "\(alias) missing from --help")
        }
    }
}
