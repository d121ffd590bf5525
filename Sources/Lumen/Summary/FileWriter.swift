import Foundation
import LumenEvents

/// Writes summaries, graphs and session logs to an event file: TensorFlow 1's
/// `tf.compat.v1.summary.FileWriter`, for graph-mode training that produces serialized `Summary`
/// protocol buffers.
///
/// Writing happens on a background thread (see ``EventFileWriter``); files are gzip-compressed by
/// default, and `compression: .none` writes what stock TensorBoard reads.
///
/// ```swift
/// let writer = try FileWriter(logdir: "logs/train", graphDef: graph.graphDef())
/// try writer.addSummary(serializedSummary, globalStep: step)
/// try writer.close()
/// ```
public final class FileWriter: Sendable {
    /// The directory of the run.
    public let logdir: String

    private let target: LogdirTarget
    private let fileWriter: EventFileWriter

    /// Creates a writer with a new event file in `logdir`, and writes `graphDef` first when given.
    ///
    /// An `s3://BUCKET/PREFIX` logdir is written to a local spool and uploaded on every
    /// ``flush()`` and on ``close()``, as ``SummaryWriter`` does.
    ///
    /// - Throws: ``EventFileWriterError`` if the directory or the file can't be created;
    ///   `S3Error` for an `s3://` logdir without credentials.
    public init(
        logdir: String,
        graphDef: GraphDef? = nil,
        compression: EventFileWriter.Compression = .gzip,
        flushInterval: Double = 2,
        maxQueue: Int = 1024,
        filenameSuffix: String = ""
    ) throws {
        self.logdir = logdir
        self.target = try LogdirTarget(logdir: logdir)
        self.fileWriter = try EventFileWriter(
            logdir: target.directory, compression: compression, flushInterval: flushInterval, maxQueue: maxQueue,
            filenameSuffix: filenameSuffix)
        if let graphDef {
            try addGraph(graphDef)
        }
    }

    /// Creates a writer and writes `graph`'s GraphDef first, as TensorFlow 1's
    /// `tf.summary.FileWriter(logdir, sess.graph)` does.
    public convenience init(
        logdir: String, graph: Graph, compression: EventFileWriter.Compression = .gzip, flushInterval: Double = 2
    ) throws {
        try self.init(
            logdir: logdir, graphDef: graph.graphDef(), compression: compression, flushInterval: flushInterval)
    }

    deinit {
        try? close()
    }

    /// The path of the event file; its `s3://` URL for an `s3://` logdir.
    public var eventFilePath: String { target.location(of: fileWriter.path) }

    /// The first I/O error the writer met, if any.
    public var lastError: EventFileWriterError? { fileWriter.lastError }

    /// Adds a serialized `Summary` (what a summary op or `merge_all` evaluates to) at `globalStep`.
    ///
    /// - Throws: ``EventFileWriterError/invalidSummary(_:)`` if the bytes are not a `Summary`.
    public func addSummary(_ serializedSummary: Data, globalStep: Int = 0) throws {
        let summary: Summary
        do {
            summary = try Summary(serializedBytes: serializedSummary)
        } catch {
            throw EventFileWriterError.invalidSummary("\(error)")
        }
        addSummary(summary, globalStep: globalStep)
    }

    /// Adds a serialized `Summary` at `globalStep`; see the `Data` overload.
    public func addSummary(_ serializedSummary: [UInt8], globalStep: Int = 0) throws {
        try addSummary(Data(serializedSummary), globalStep: globalStep)
    }

    /// Adds a `Summary` at `globalStep`.
    public func addSummary(_ summary: Summary, globalStep: Int = 0) {
        fileWriter.write(summary, step: Int64(globalStep))
    }

    /// Writes a Lumen graph as TensorFlow's GraphDef.
    public func addGraph(_ graph: Graph, globalStep: Int = 0) throws {
        try addGraph(graph.graphDef(), globalStep: globalStep)
    }

    /// Adds a graph as a serialized `GraphDef` event.
    ///
    /// - Throws: A serialization error from swift-protobuf (not expected for a well-formed message).
    public func addGraph(_ graphDef: GraphDef, globalStep: Int = 0) throws {
        var event = Event()
        event.wallTime = EventFileWriter.now()
        event.step = Int64(globalStep)
        event.graphDef = try graphDef.serializedData()
        fileWriter.write(event)
    }

    /// Adds a session log (start, stop, or checkpoint) at `globalStep`.
    public func addSessionLog(_ sessionLog: SessionLog, globalStep: Int = 0) {
        var event = Event()
        event.wallTime = EventFileWriter.now()
        event.step = Int64(globalStep)
        event.sessionLog = sessionLog
        fileWriter.write(event)
    }

    /// Adds an event as is.
    public func addEvent(_ event: Event) {
        fileWriter.write(event)
    }

    /// Writes every queued event to disk, returning when it is there (and, for an `s3://` logdir,
    /// stored in the object store).
    ///
    /// - Throws: The writer's ``lastError``, if any; `S3Error` if the upload failed (the next
    ///   flush sends it again).
    public func flush() throws {
        try fileWriter.flush()
        try target.upload()
    }

    /// Flushes and closes the file; later calls are ignored. Called on deinit.
    ///
    /// - Throws: The writer's ``lastError``, if any.
    public func close() throws {
        try fileWriter.close()
        try target.upload()
    }
}
