import LumenEvents

/// The framed TFRecord stream of `records`.
func framed(_ records: [[UInt8]]) -> [UInt8] {
    var stream: [UInt8] = []
    for record in records { TFRecordFrame.append(record, to: &stream) }
    return stream
}
