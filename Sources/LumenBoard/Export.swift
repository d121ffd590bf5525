/// `GET /api/export?runs=regex&tags=regex&format=long|wide&smoothing=W`: every scalar point of the
/// matching runs × tags as one CSV, produced a piece at a time (``BoardExport/Stream``) so the HTTP
/// layer can stream it without holding the whole file.
///
/// - `long` (the default): `run,tag,step,wall_time,value,smoothed`, one row per point, runs then
///   tags in name order, points in step order; `smoothed` is empty without `smoothing=`.
/// - `wide`: `step` then one column per run × tag named `run/tag` (and `run/tag:smoothed` after it
///   with `smoothing=`), one row per step of the union of their steps, empty where a series has no
///   point at that step.
///
/// Numbers are written as `/api/scalars` writes them (shortest text that reads back to the same
/// `Double`), non-finite values as `nan`, `inf`, `-inf`; names are quoted as RFC 4180 asks.
public struct BoardExport: Sendable {
    public enum Form: String, Sendable { case long, wide }

    struct Column: Sendable {
        var run: String
        var tag: String
        var series: ScalarSeries
    }

    public let form: Form
    public let smoothing: Double?
    let columns: [Column]

    /// The points the export holds.
    public var pointCount: Int { columns.reduce(0) { $0 + $1.series.count } }

    /// Reads the query: `runs` and `tags` (regexes, searched in the names; every run / tag when
    /// absent), `format` and `smoothing`.
    ///
    /// - Throws: ``BoardAPIError`` (400) for a bad pattern, format or smoothing.
    public init(parameters q: [String: String], snapshot: BoardSnapshot) throws(BoardAPIError) {
        let runs = try q["runs"].map { text throws(BoardAPIError) in try NamePattern(text, parameter: "runs") }
        let tags = try q["tags"].map { text throws(BoardAPIError) in try NamePattern(text, parameter: "tags") }
        let formText = q["format"] ?? "long"
        guard let form = Form(rawValue: formText) else {
            throw BoardAPIError(400, "parameter 'format' must be long or wide, not '\(formText)'")
        }
        self.form = form
        smoothing = try ScalarWindowQuery(parameters: q.filter { $0.key == "smoothing" }).smoothing
        var columns: [Column] = []
        for name in snapshot.runs.keys.sorted() {
            guard let run = snapshot.runs[name] else { continue }
            if let runs, !runs.matches(name) { continue }
            for tag in run.scalarTags.sorted() {
                if let tags, !tags.matches(tag) { continue }
                if let series = run.scalarSeries(tag) { columns.append(Column(run: name, tag: tag, series: series)) }
            }
        }
        self.columns = columns
    }

    /// The whole CSV in one answer (for callers without a streaming body).
    func response() -> BoardAPIResponse {
        var stream = makeStream()
        var body: [UInt8] = []
        while stream.write(into: &body, atLeast: 1 << 20) {}
        return BoardAPIResponse(status: 200, contentType: Self.contentType, body: body)
    }

    public static let contentType = "text/csv; charset=utf-8"

    /// A file name for the download.
    public var fileName: String { "lumen-scalars-\(form.rawValue).csv" }

    public func makeStream() -> Stream { Stream(export: self) }

    /// The CSV's bytes, a piece at a time.
    public struct Stream: Sendable {
        let export: BoardExport
        /// Per column: the CSV text of `run,tag,` (long form).
        let prefixes: [[UInt8]]
        var headerDone = false
        // Long form: the column and point being written, and the smoothing state.
        var column = 0
        var index = 0
        var smoother: ScalarSmoothing.Smoother?
        // Wide form: each column's next point and smoothing state.
        var heads: [Int]
        var smoothers: [ScalarSmoothing.Smoother?]

        init(export: BoardExport) {
            self.export = export
            prefixes = export.columns.map { column in
                var out: [UInt8] = []
                CSVText.field(column.run, into: &out)
                out.append(UInt8(ascii: ","))
                CSVText.field(column.tag, into: &out)
                out.append(UInt8(ascii: ","))
                return out
            }
            heads = Array(repeating: 0, count: export.columns.count)
            smoothers = export.columns.map { column in
                export.smoothing.map { ScalarSmoothing.Smoother(weight: $0, series: column.series) }
            }
            if let weight = export.smoothing, let first = export.columns.first {
                smoother = ScalarSmoothing.Smoother(weight: weight, series: first.series)
            }
        }

        /// Appends at least `atLeast` bytes (fewer only at the end) to `out`; `false` once
        /// everything has been written.
        public mutating func write(into out: inout [UInt8], atLeast: Int) -> Bool {
            let target = out.count + atLeast
            if !headerDone {
                headerDone = true
                writeHeader(into: &out)
            }
            switch export.form {
            case .long: return writeLong(into: &out, until: target)
            case .wide: return writeWide(into: &out, until: target)
            }
        }

        private func writeHeader(into out: inout [UInt8]) {
            switch export.form {
            case .long:
                out.append(contentsOf: "run,tag,step,wall_time,value,smoothed\n".utf8)
            case .wide:
                out.append(contentsOf: "step".utf8)
                for column in export.columns {
                    out.append(UInt8(ascii: ","))
                    CSVText.field(column.run + "/" + column.tag, into: &out)
                    if export.smoothing != nil {
                        out.append(UInt8(ascii: ","))
                        CSVText.field(column.run + "/" + column.tag + ":smoothed", into: &out)
                    }
                }
                out.append(UInt8(ascii: "\n"))
            }
        }

        private mutating func writeLong(into out: inout [UInt8], until target: Int) -> Bool {
            let columns = export.columns
            while column < columns.count {
                let series = columns[column].series
                let prefix = prefixes[column]
                var cursor = ScalarSeries.Cursor(series)
                while index < series.count {
                    if out.count >= target { return true }
                    // 64 rows between checks of the size
                    let end = Swift.min(series.count, index + 64)
                    for i in index..<end {
                        let point = cursor.point(at: i)
                        out.append(contentsOf: prefix)
                        BoardJSON.writeInteger(point.step, into: &out)
                        out.append(UInt8(ascii: ","))
                        CSVText.number(point.wallTime, into: &out)
                        out.append(UInt8(ascii: ","))
                        let value = point.value
                        CSVText.number(value, into: &out)
                        out.append(UInt8(ascii: ","))
                        if let smoothed = smoother?.next(value) { CSVText.number(smoothed, into: &out) }
                        out.append(UInt8(ascii: "\n"))
                    }
                    index = end
                }
                column += 1
                index = 0
                if let weight = export.smoothing, column < columns.count {
                    smoother = ScalarSmoothing.Smoother(weight: weight, series: columns[column].series)
                }
            }
            return false
        }

        private mutating func writeWide(into out: inout [UInt8], until target: Int) -> Bool {
            let columns = export.columns
            var cursors = columns.map { ScalarSeries.Cursor($0.series) }
            while out.count < target {
                var step = Int64.max
                var found = false
                for k in columns.indices where heads[k] < columns[k].series.count {
                    let s = cursors[k].point(at: heads[k]).step
                    if !found || s < step {
                        step = s
                        found = true
                    }
                }
                guard found else { return false }
                BoardJSON.writeInteger(step, into: &out)
                for k in columns.indices {
                    let series = columns[k].series
                    let point = heads[k] < series.count ? cursors[k].point(at: heads[k]) : nil
                    let hit = point?.step == step
                    out.append(UInt8(ascii: ","))
                    let value = hit ? point?.value ?? 0 : 0
                    if hit { CSVText.number(value, into: &out) }
                    if export.smoothing != nil {
                        out.append(UInt8(ascii: ","))
                        if hit, let smoothed = smoothers[k]?.next(value) { CSVText.number(smoothed, into: &out) }
                    }
                    if hit { heads[k] += 1 }
                }
                out.append(UInt8(ascii: "\n"))
            }
            return true
        }
    }
}

/// Writing CSV text as bytes.
enum CSVText {
    /// `text` as one CSV field: quoted (with doubled quotes) when it holds a comma, quote, CR or LF.
    static func field(_ text: String, into out: inout [UInt8]) {
        let needsQuotes = text.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13
        }
        guard needsQuotes else {
            out.append(contentsOf: text.utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A number as the JSON answers write it (``BoardJSON/writeNumber(_:into:)``), but the
    /// non-finite ones as `nan`, `inf`, `-inf`, which pandas and NumPy read.
    @inline(__always)
    static func number(_ value: Double, into out: inout [UInt8]) {
        if value.isNaN {
            out.append(contentsOf: "nan".utf8)
        } else if value.isInfinite {
            out.append(contentsOf: (value < 0 ? "-inf" : "inf").utf8)
        } else {
            BoardJSON.writeNumber(value, into: &out)
        }
    }
}
