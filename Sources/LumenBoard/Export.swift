import Foundation

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
        /// Each column's cursor, kept between pieces so a chunk is decoded once, not once a piece.
        var cursors: [ScalarSeries.Cursor]

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
            cursors = export.form == .wide ? export.columns.map { ScalarSeries.Cursor($0.series) } : []
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

        /// The most rows of the long form rendered in one block.
        static let blockRows = 16384
        /// A block of at least this many rows is split in two halves rendered at once on two cores.
        static let parallelRows = 2048

        private mutating func writeLong(into out: inout [UInt8], until target: Int) -> Bool {
            let columns = export.columns
            while column < columns.count {
                let series = columns[column].series
                while index < series.count {
                    if out.count >= target { return true }
                    // A block of about the bytes asked for, at 32 bytes a row (few rows are shorter).
                    let wanted = Swift.min(Self.blockRows, Swift.max(64, (target - out.count) / 32))
                    let rows = index..<Swift.min(series.count, index + wanted)
                    // The smoothing runs through the block in order first; then the two halves'
                    // text is independent, and a fixed split keeps the output the same bytes.
                    var smoothed: [Double] = []
                    if var smoother = smoother {
                        smoothed.reserveCapacity(rows.count)
                        series.forEachValueBlock(in: rows) { _, block in
                            for value in block { smoothed.append(smoother.next(value)) }
                        }
                        self.smoother = smoother
                    }
                    Self.renderLong(
                        series: series, prefix: prefixes[column], rows: rows, smoothed: smoothed, into: &out)
                    index = rows.upperBound
                }
                column += 1
                index = 0
                if let weight = export.smoothing, column < columns.count {
                    smoother = ScalarSmoothing.Smoother(weight: weight, series: columns[column].series)
                }
            }
            return false
        }

        /// Appends the long-form rows `rows` of `series` (`smoothed`: their smoothed values, or
        /// empty without smoothing).
        private static func renderLong(
            series: ScalarSeries, prefix: [UInt8], rows: Range<Int>, smoothed: [Double], into out: inout [UInt8]
        ) {
            render(rows: rows, parallel: rows.count >= parallelRows, into: &out) { range, piece in
                renderLongRows(
                    series: series, prefix: prefix, rows: range, first: rows.lowerBound, smoothed, into: &piece)
            }
        }

        /// Appends the rows `rows` of `series`; `smoothed[i - first]` is row i's smoothed value.
        private static func renderLongRows(
            series: ScalarSeries, prefix: [UInt8], rows: Range<Int>, first: Int, _ smoothed: [Double],
            into out: inout [UInt8]
        ) {
            var cursor = ScalarSeries.Cursor(series)
            let smooths = !smoothed.isEmpty
            for i in rows {
                let point = cursor.point(at: i)
                out.append(contentsOf: prefix)
                BoardJSON.writeInteger(point.step, into: &out)
                out.append(UInt8(ascii: ","))
                CSVText.number(point.wallTime, into: &out)
                out.append(UInt8(ascii: ","))
                CSVText.number(point.value, into: &out)
                out.append(UInt8(ascii: ","))
                if smooths { CSVText.number(smoothed[i - first], into: &out) }
                out.append(UInt8(ascii: "\n"))
            }
        }

        private mutating func writeWide(into out: inout [UInt8], until target: Int) -> Bool {
            let columns = export.columns
            let smooths = export.smoothing != nil
            while out.count < target {
                // A block of rows gathered in order (the union of steps, and each series' point
                // and smoothed value at each), then written out, in two halves at once when large.
                let rowBytes = 8 + 24 * columns.count * (smooths ? 2 : 1)
                let wanted = Swift.min(Self.blockRows, Swift.max(16, (target - out.count) / rowBytes))
                var block = WideBlock(columns: columns.count)
                var exhausted = false
                while block.steps.count < wanted {
                    var step = Int64.max
                    var found = false
                    for k in columns.indices where heads[k] < columns[k].series.count {
                        let s = cursors[k].point(at: heads[k]).step
                        if !found || s < step {
                            step = s
                            found = true
                        }
                    }
                    guard found else {
                        exhausted = true
                        break
                    }
                    block.steps.append(step)
                    for k in columns.indices {
                        let point = heads[k] < columns[k].series.count ? cursors[k].point(at: heads[k]) : nil
                        guard let point, point.step == step else {
                            block.cells.append(nil)
                            continue
                        }
                        block.cells.append((point.value, smoothers[k]?.next(point.value) ?? .nan))
                        heads[k] += 1
                    }
                }
                let rows = 0..<block.steps.count
                let gathered = block
                Self.render(rows: rows, parallel: rows.count * columns.count >= Self.parallelRows, into: &out) {
                    range, piece in gathered.render(range, smooths: smooths, into: &piece)
                }
                if exhausted { return false }
            }
            return true
        }

        /// Appends the text `render` writes for `rows`, in two halves written at once on two
        /// threads when `parallel`; the halves are fixed by `rows` alone, so the bytes are the same.
        private static func render(
            rows: Range<Int>, parallel: Bool, into out: inout [UInt8],
            _ render: @Sendable (Range<Int>, inout [UInt8]) -> Void
        ) {
            guard parallel, rows.count >= 2 else {
                render(rows, &out)
                return
            }
            let split = rows.lowerBound + rows.count / 2
            let halves = [rows.lowerBound..<split, split..<rows.upperBound]
            let pieces = ExportPieces(count: 2)
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                var piece: [UInt8] = []
                piece.reserveCapacity(halves[k].count * 64)
                render(halves[k], &piece)
                pieces.set(k, piece)
            }
            for k in 0..<2 { out.append(contentsOf: pieces.get(k)) }
        }
    }
}

/// Rows of the wide form gathered for writing: each row's step, and for each row and series the
/// value and smoothed value, or `nil` where the series has no point at that step.
private struct WideBlock: Sendable {
    let columns: Int
    var steps: [Int64] = []
    var cells: [(value: Double, smoothed: Double)?] = []

    init(columns: Int) {
        self.columns = columns
        steps.reserveCapacity(1024)
        cells.reserveCapacity(1024 * columns)
    }

    func render(_ rows: Range<Int>, smooths: Bool, into out: inout [UInt8]) {
        for row in rows {
            BoardJSON.writeInteger(steps[row], into: &out)
            for cell in cells[row * columns..<(row + 1) * columns] {
                out.append(UInt8(ascii: ","))
                if let cell { CSVText.number(cell.value, into: &out) }
                if smooths {
                    out.append(UInt8(ascii: ","))
                    if let cell { CSVText.number(cell.smoothed, into: &out) }
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
    }
}

/// The pieces of text rendered at once on several threads, each written by one and read after
/// all have finished.
private final class ExportPieces: @unchecked Sendable {
    private var pieces: [[UInt8]]
    private let lock = NSLock()

    init(count: Int) { pieces = Array(repeating: [], count: count) }

    func set(_ index: Int, _ piece: [UInt8]) { lock.withLock { pieces[index] = piece } }

    func get(_ index: Int) -> [UInt8] { lock.withLock { pieces[index] } }
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
