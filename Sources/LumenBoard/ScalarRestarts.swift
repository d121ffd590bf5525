extension BoardAPI {
    /// The restarts of `series` for `/api/scalars?restarts=true`: per restart its step, the wall
    /// time of the first point kept at or after that step (where charts draw the marker; `null` if
    /// none), how many points it dropped and the dropped points kept (`[wallTime, step, value]`).
    static func restartsJSON(_ series: ScalarSeries) -> BoardJSON {
        .array(
            series.restarts.map { restart in
                let next = series.firstIndex(atOrAfterStep: restart.step)
                return .object([
                    ("step", .integer(restart.step)),
                    ("wallTime", next < series.count ? .number(series.wallTime(at: next)) : .null),
                    ("purgedCount", .integer(Int64(restart.purgedCount))),
                    (
                        "purged",
                        .array(
                            restart.purged.map { p in
                                .array([.number(p.wallTime), .integer(p.step), .number(p.value)])
                            })
                    ),
                ])
            })
    }
}
