/// `/api/scalars?format=binary`: the JSON answer's points as columns of little-endian `Float64`,
/// which a browser views in place (`Float64Array`) instead of parsing text. A card of 1,000 runs
/// asks for about 17 MB of JSON, and parsing it took the web UI about 0.2 s of its first chart.
///
/// The body is a 4-byte little-endian length `H`, then `H` bytes of JSON (padded with spaces so
/// that `4 + H` is a multiple of 8), then the columns. The JSON is what `format=json` answers with
/// `"points"` left out and three fields added to each series' object: `"count"` (its points),
/// `"columns"` (`["wallTime", "step", "value"]`, and `"smoothed"` with `smoothing=`) and
/// `"offset"`, the byte offset of its first column after the JSON. A series' columns follow one
/// another, `count` numbers each; steps are exact up to 2⁵³; NaN and ±∞ are themselves.
enum ScalarColumns {
    /// One series' part: its object's fields after `{"offset":N,` and its columns.
    private struct Part {
        var fields: [UInt8] = []
        var columns: [Double] = []
    }

    /// The answer for `series` (`many`: an array, as for `runs=`; otherwise the one object).
    static func response(
        for series: [(run: String, series: ScalarSeries)], tag: String, _ window: ScalarWindowQuery,
        restarts: Bool, many: Bool
    ) -> BoardAPIResponse {
        let parts = BoardAPI.eachRun(series.count) { i in
            Self.part(run: series[i].run, tag: tag, series[i].series, window, restarts: restarts)
        }
        var header: [UInt8] = many ? [UInt8(ascii: "[")] : []
        var offset = 0
        for (i, part) in parts.enumerated() {
            if i > 0 { header.append(UInt8(ascii: ",")) }
            header.append(contentsOf: #"{"offset":"#.utf8)
            BoardJSON.writeInteger(Int64(offset), into: &header)
            header.append(UInt8(ascii: ","))
            header.append(contentsOf: part.fields)
            offset += part.columns.count * 8
        }
        if many { header.append(UInt8(ascii: "]")) }
        while (4 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var body: [UInt8] = []
        body.reserveCapacity(4 + header.count + offset)
        withUnsafeBytes(of: UInt32(header.count).littleEndian) { body.append(contentsOf: $0) }
        body.append(contentsOf: header)
        for part in parts { append(part.columns, to: &body) }
        return BoardAPIResponse(status: 200, contentType: "application/octet-stream", body: body)
    }

    private static func part(
        run: String, tag: String, _ series: ScalarSeries, _ window: ScalarWindowQuery, restarts: Bool
    ) -> Part {
        let selection = BoardQueries.select(series, window)
        let points = series.points(at: selection.indices)
        var part = Part()
        BoardAPI.writeSeriesFields(run: run, tag: tag, series, selection, window, into: &part.fields)
        part.fields.append(contentsOf: #","count":"#.utf8)
        BoardJSON.writeInteger(Int64(points.count), into: &part.fields)
        part.fields.append(
            contentsOf: (selection.smoothed == nil
                ? #","columns":["wallTime","step","value"]"# : #","columns":["wallTime","step","value","smoothed"]"#)
                .utf8)
        if restarts {
            part.fields.append(contentsOf: #","restarts":"#.utf8)
            BoardAPI.restartsJSON(series).write(into: &part.fields)
        }
        part.fields.append(UInt8(ascii: "}"))
        part.columns.reserveCapacity(points.count * (selection.smoothed == nil ? 3 : 4))
        part.columns.append(contentsOf: points.lazy.map(\.wallTime))
        part.columns.append(contentsOf: points.lazy.map { Double($0.step) })
        part.columns.append(contentsOf: points.lazy.map(\.value))
        if let smoothed = selection.smoothed { part.columns.append(contentsOf: smoothed) }
        return part
    }

    /// Appends `values` as little-endian `Float64`s.
    private static func append(_ values: [Double], to body: inout [UInt8]) {
        #if _endian(little)
            values.withUnsafeBytes { body.append(contentsOf: $0) }
        #else
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
        #endif
    }
}
