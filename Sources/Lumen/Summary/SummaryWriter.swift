import Foundation
import LumenEvents
import Synchronization

/// Writes summaries of a training run to event files in a log directory, for the board or
/// TensorBoard to show: PyTorch's `torch.utils.tensorboard.SummaryWriter` with Swift names.
///
/// Every `add…` call returns at once: events are serialized on the caller's thread and written by
/// a background thread (see ``EventFileWriter``). Files are gzip-compressed by default;
/// `compression: .none` writes the plain files stock TensorBoard reads. I/O errors (a full disk,
/// a deleted log directory) are thrown from ``flush()`` and ``close()``, and kept in ``lastError``.
///
/// ```swift
/// let writer = try SummaryWriter(logdir: "runs/mlp")
/// for step in 0..<100 {
///     writer.addScalar("train/loss", loss, step: step)
/// }
/// writer.addHistogram("layer1/weights", weights, step: 100)
/// try writer.close()
/// ```
public final class SummaryWriter: Sendable {
    /// The directory of the run.
    public let logdir: String

    /// How the event files are stored.
    public let compression: EventFileWriter.Compression

    /// Seconds between automatic flushes.
    public let flushInterval: Double

    /// How many events may wait in memory before a caller waits for the disk.
    public let maxQueue: Int

    private let filenameSuffix: String
    private let target: LogdirTarget
    private let fileWriter: EventFileWriter
    /// The writers of the sub-runs that ``addScalars(_:_:step:wallTime:)`` creates, by directory.
    private let subRunWriters = Mutex<[String: EventFileWriter]>([:])

    /// Creates a writer with a new event file in `logdir`, which is created if missing.
    ///
    /// An `s3://BUCKET/PREFIX` logdir is written to a local spool directory and uploaded to the
    /// object store on every ``flush()`` and on ``close()`` (credentials, region and endpoint come
    /// from the environment, as for the board); a failed upload throws from `flush()`/`close()`
    /// and is sent again by the next one.
    ///
    /// - Parameters:
    ///   - logdir: The run's directory, or an `s3://` URL; `nil` for `runs/<MonDD_HH-MM-SS>_<host><comment>`, as PyTorch names it.
    ///   - comment: Appended to the default directory name.
    ///   - compression: `.gzip` (the default) or `.none`.
    ///   - flushInterval: Seconds between automatic flushes; what a crash can lose.
    ///   - maxQueue: How many events may wait in memory before a caller waits for the disk.
    ///   - filenameSuffix: Appended to event file names.
    /// - Throws: ``EventFileWriterError`` if the directory or the file can't be created;
    ///   `S3Error` for an `s3://` logdir without credentials.
    public init(
        logdir: String? = nil,
        comment: String = "",
        compression: EventFileWriter.Compression = .gzip,
        flushInterval: Double = 2,
        maxQueue: Int = 1024,
        filenameSuffix: String = ""
    ) throws {
        let directory = logdir ?? Self.defaultLogdir(comment: comment)
        self.logdir = directory
        self.compression = compression
        self.flushInterval = flushInterval
        self.maxQueue = maxQueue
        self.filenameSuffix = filenameSuffix
        self.target = try LogdirTarget(logdir: directory)
        self.fileWriter = try EventFileWriter(
            logdir: target.directory, compression: compression, flushInterval: flushInterval, maxQueue: maxQueue,
            filenameSuffix: filenameSuffix)
    }

    deinit {
        try? close()
    }

    /// The path of the run's event file; its `s3://` URL for an `s3://` logdir.
    public var eventFilePath: String { target.location(of: fileWriter.path) }

    /// For an `s3://` logdir, the local spool directory the files are written to before each
    /// upload (they are kept there); `nil` for a local logdir.
    public var spoolDirectory: String? { target.mirror?.spool }

    /// The first I/O error met by this writer or one of its sub-run writers, if any.
    public var lastError: EventFileWriterError? {
        fileWriter.lastError ?? allWriters().lazy.compactMap(\.lastError).first
    }

    // MARK: Scalars

    /// Adds a scalar, stored as a 32-bit float `simple_value`.
    ///
    /// - Parameter wallTime: Seconds since 1970; now when `nil`.
    public func addScalar(_ tag: String, _ value: Double, step: Int = 0, wallTime: Double? = nil) {
        fileWriter.writeScalar(tag: tag, value: Float(value), step: Int64(step), wallTime: wallTime)
    }

    /// Adds several scalars that share a chart: each key goes to its own sub-run directory,
    /// `<logdir>/<mainTag>_<key>` (with `/` in `mainTag` replaced by `_`), under the tag `mainTag`,
    /// as PyTorch's `add_scalars` does.
    public func addScalars(_ mainTag: String, _ values: [String: Double], step: Int = 0, wallTime: Double? = nil) {
        let time = wallTime ?? EventFileWriter.now()
        for key in values.keys.sorted() {
            guard let value = values[key] else { continue }
            let directory = target.directory + "/" + mainTag.replacingOccurrences(of: "/", with: "_") + "_" + key
            guard let writer = subRunWriter(directory) else { continue }
            writer.writeScalar(tag: mainTag, value: Float(value), step: Int64(step), wallTime: time)
        }
    }

    // MARK: Histograms

    /// Adds a histogram of the values of `values` (any shape; NaNs are left out), with exact
    /// `min`, `max`, `num`, `sum` and `sumSquares`.
    ///
    /// - Parameter bins: TensorFlow's exponential buckets (the default), explicit edges, or a count
    ///   of equal-width buckets.
    public func addHistogram(
        _ tag: String, _ values: Tensor, step: Int = 0, bins: HistogramBuckets = .exponential, wallTime: Double? = nil
    ) {
        let histogram: HistogramProto
        switch values.dtype {
        case .float32:
            histogram = values.withUnsafeBufferPointer(as: Float.self) { HistogramProto(values: $0, buckets: bins) }
        case .float64:
            histogram = values.withUnsafeBufferPointer(as: Double.self) { HistogramProto(values: $0, buckets: bins) }
        default:
            histogram = HistogramProto(values: values.doubles, buckets: bins)
        }
        addHistogram(tag, histogram, step: step, wallTime: wallTime)
    }

    /// Adds a histogram built elsewhere.
    public func addHistogram(_ tag: String, _ histogram: HistogramProto, step: Int = 0, wallTime: Double? = nil) {
        write(Summary(values: [.histogram(tag: tag, histogram: histogram)]), step: step, wallTime: wallTime)
    }

    // MARK: Images

    /// Adds an image, encoded as PNG: a floating-point tensor with values in `[0, 1]` or a `uint8`
    /// tensor, `H×W` (grayscale) or 3-D in `layout` with 1, 3 or 4 channels.
    ///
    /// - Throws: ``SummaryWriterError`` if the shape or dtype is not an image's.
    public func addImage(
        _ tag: String, _ image: Tensor, step: Int = 0, layout: ImageLayout = .chw, wallTime: Double? = nil
    ) throws {
        try addImage(tag, SummaryImage(image, layout: layout), step: step, wallTime: wallTime)
    }

    /// Adds a batch of images (`N` first, then `layout`) as one PNG: a grid like torchvision's
    /// `make_grid`, `columns` images per row with `padding` black pixels around each.
    ///
    /// - Throws: ``SummaryWriterError`` if the shape or dtype is not an image batch's.
    public func addImages(
        _ tag: String, _ images: Tensor, step: Int = 0, layout: ImageLayout = .chw, columns: Int = 8,
        padding: Int = 2, wallTime: Double? = nil
    ) throws {
        let grid = try SummaryImage.grid(images, layout: layout, columns: columns, padding: padding, padValue: 0)
        try addImage(tag, grid, step: step, wallTime: wallTime)
    }

    private func addImage(_ tag: String, _ image: SummaryImage, step: Int, wallTime: Double?) throws {
        guard let colorType = PNGEncoder.ColorType(channels: image.channels) else {
            throw SummaryWriterError.invalidImageShape(
                shape: [image.height, image.width, image.channels], expected: "1, 3 or 4 channels")
        }
        let png = try PNGEncoder.encode(
            pixels: image.pixels, width: image.width, height: image.height, colorType: colorType)
        let value = Summary.Value.image(
            tag: tag, encoded: png, width: image.width, height: image.height, channels: image.channels)
        write(Summary(values: [value]), step: step, wallTime: wallTime)
    }

    // MARK: Text

    /// Adds Markdown text for the text plugin, under the tag `<tag>/text_summary` as PyTorch writes it.
    public func addText(_ tag: String, _ markdown: String, step: Int = 0, wallTime: Double? = nil) {
        write(Summary(values: [.text(tag: tag + "/text_summary", markdown: markdown)]), step: step, wallTime: wallTime)
    }

    // MARK: PR curves, audio, custom scalars

    /// Adds a precision-recall curve of a binary classifier for the pr_curves plugin, as PyTorch's
    /// `add_pr_curve` does: `labels` (1 positive, 0 negative) and `predictions` (in [0, 1]) of any
    /// equal shape, and optional `weights` of the same size (or one value) scaling each count. The
    /// curve is evaluated at `numThresholds` thresholds evenly spaced in [0, 1] (see
    /// ``PRCurve/rows(labels:predictions:numThresholds:weights:)``) and written as the plugin's
    /// `[6, numThresholds]` float tensor under `tag`.
    ///
    /// - Throws: ``SummaryInputError`` for fewer than two thresholds or tensors of different sizes.
    public func addPRCurve(
        _ tag: String, labels: Tensor, predictions: Tensor, step: Int = 0, numThresholds: Int = 127,
        weights: Tensor? = nil, wallTime: Double? = nil
    ) throws {
        let value = try Summary.Value.prCurve(
            tag: tag, labels: labels.doubles, predictions: predictions.doubles.map { Float($0) },
            numThresholds: numThresholds, weights: weights?.doubles)
        write(Summary(values: [value]), step: step, wallTime: wallTime)
    }

    /// Adds an audio clip for the audio plugin, as PyTorch's `add_audio` does: a 16-bit PCM WAV
    /// file of `samples`, values in [-1, 1] (clipped to it), either `[frames]` (mono) or
    /// `[frames, channels]`, at `sampleRate` frames per second.
    ///
    /// - Throws: ``SummaryWriterError/invalidAudioShape(shape:)`` for another rank,
    ///   ``SummaryInputError`` for a sample rate or length a WAV file can't hold.
    public func addAudio(
        _ tag: String, samples: Tensor, sampleRate: Int = 44100, step: Int = 0, wallTime: Double? = nil
    ) throws {
        guard samples.shape.count == 1 || samples.shape.count == 2 else {
            throw SummaryWriterError.invalidAudioShape(shape: samples.shape)
        }
        let channels = samples.shape.count == 2 ? samples.shape[1] : 1
        guard channels >= 1 else { throw SummaryWriterError.invalidAudioShape(shape: samples.shape) }
        let value = try Summary.Value.audio(
            tag: tag, samples: samples.doubles.map { Float($0) }, channels: channels, sampleRate: sampleRate)
        write(Summary(values: [value]), step: step, wallTime: wallTime)
    }

    /// Writes the custom_scalars plugin's layout (categories of multiline and margin charts), once
    /// per run, as PyTorch's `add_custom_scalars` does.
    ///
    /// ```swift
    /// writer.addCustomScalarsLayout(Layout(categories: [
    ///     Category(title: "losses", charts: [
    ///         .multiline(title: "train vs eval", tags: ["loss/train", "loss/eval"]),
    ///         .margin(title: "loss ± std", series: [("loss/mean", "loss/low", "loss/high")]),
    ///     ]),
    /// ]))
    /// ```
    public func addCustomScalarsLayout(_ layout: Layout, wallTime: Double? = nil) {
        write(Summary(values: [.customScalarsLayout(layout)]), step: 0, wallTime: wallTime)
    }

    // MARK: Hyperparameters

    /// Adds a trial for the hparams plugin, as PyTorch's `add_hparams` does: in the sub-run
    /// `<logdir>/<runName>` it writes the experiment, session-start and session-end summaries and
    /// each metric as a scalar, then closes that sub-run's file.
    ///
    /// - Parameters:
    ///   - hparams: The trial's hyperparameters.
    ///   - metrics: Final metric values, by tag (such as `hparam/accuracy`).
    ///   - runName: The sub-run's name; the current time in seconds when `nil`, as in PyTorch.
    /// - Throws: ``EventFileWriterError`` if the sub-run can't be written.
    public func addHParams(
        _ hparams: [String: HParamValue], metrics: [String: Double], runName: String? = nil, step: Int = 0
    ) throws {
        let name = runName ?? String(EventFileWriter.now())
        let writer = try EventFileWriter(
            logdir: target.directory + "/" + name, compression: compression, flushInterval: flushInterval,
            maxQueue: maxQueue,
            filenameSuffix: filenameSuffix)
        let tags = metrics.keys.sorted()
        writer.write(try HParamsSummaries.experiment(hparams: hparams, metricTags: tags), step: Int64(step))
        writer.write(try HParamsSummaries.sessionStartInfo(hparams: hparams), step: Int64(step))
        writer.write(try HParamsSummaries.sessionEndInfo(), step: Int64(step))
        for tag in tags {
            guard let value = metrics[tag] else { continue }
            writer.writeScalar(tag: tag, value: Float(value), step: Int64(step))
        }
        try writer.close()
    }

    // MARK: Graphs and raw summaries

    /// Writes a Lumen graph as TensorFlow's GraphDef, for the board's graph view.
    public func addGraph(_ graph: Graph, wallTime: Double? = nil) throws {
        try addGraph(graph.graphDef(), wallTime: wallTime)
    }

    /// Adds a computation graph, as a serialized `GraphDef` event (the graph dashboard's input).
    ///
    /// - Throws: A serialization error from swift-protobuf (not expected for a well-formed message).
    public func addGraph(_ graphDef: GraphDef, wallTime: Double? = nil) throws {
        var event = Event()
        event.wallTime = wallTime ?? EventFileWriter.now()
        event.graphDef = try graphDef.serializedData()
        fileWriter.write(event)
    }

    /// Adds an already built summary at `step`.
    public func addSummary(_ summary: Summary, step: Int = 0, wallTime: Double? = nil) {
        write(summary, step: step, wallTime: wallTime)
    }

    /// Adds an already built event, as is.
    public func addEvent(_ event: Event) {
        fileWriter.write(event)
    }

    // MARK: Flushing

    /// Writes every queued event of the run and its sub-runs to disk, returning when it is there.
    ///
    /// - Throws: The first ``EventFileWriterError`` met, if any.
    public func flush() throws {
        var firstError: (any Error)?
        for writer in allWriters() {
            do { try writer.flush() } catch { firstError = firstError ?? error }
        }
        do { try target.upload() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    /// Flushes and closes every event file; later `add…` calls are ignored. Called on deinit.
    ///
    /// - Throws: The first ``EventFileWriterError`` met, if any.
    public func close() throws {
        var firstError: (any Error)?
        for writer in allWriters() {
            do { try writer.close() } catch { firstError = firstError ?? error }
        }
        do { try target.upload() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    // MARK: Private

    private func write(_ summary: Summary, step: Int, wallTime: Double?) {
        fileWriter.write(summary, step: Int64(step), wallTime: wallTime)
    }

    private func allWriters() -> [EventFileWriter] {
        [fileWriter] + subRunWriters.withLock { writers in writers.keys.sorted().compactMap { writers[$0] } }
    }

    /// The writer of the sub-run in `directory`, created on first use; `nil` (with the error kept in
    /// ``lastError`` of the main writer's file) if it can't be created.
    private func subRunWriter(_ directory: String) -> EventFileWriter? {
        if fileWriter.isClosed { return nil }
        return subRunWriters.withLock { writers in
            if let writer = writers[directory] { return writer }
            do {
                let writer = try EventFileWriter(
                    logdir: directory, compression: compression, flushInterval: flushInterval, maxQueue: maxQueue,
                    filenameSuffix: filenameSuffix)
                writers[directory] = writer
                return writer
            } catch {
                return nil
            }
        }
    }

    private static func defaultLogdir(comment: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MMMdd_HH-mm-ss"
        let host = ProcessInfo.processInfo.hostName
        return "runs/" + formatter.string(from: Date()) + "_" + host + comment
    }
}

extension SummaryWriter {
    /// How event files are stored: gzip (the default) or plain.
    public typealias Compression = EventFileWriter.Compression
}
