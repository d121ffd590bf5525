import Foundation
import LumenEvents

/// Tails one event file: each ``readAvailable(into:)`` decodes the records the file gained since
/// the previous pass. Plain files are read with ``TFRecordReader``, files whose name ends in `.gz`
/// with ``GzipTFRecordReader``. An incomplete last record waits for the next pass; a damaged
/// record is skipped and counted in the run's ``RunData/corruptRecords``.
public final class EventFileTail {
    public let path: String
    private enum Reader {
        case plain(TFRecordReader<FileByteSource>)
        case gzip(GzipTFRecordReader<FileByteSource>)
    }
    private var reader: Reader

    public init(path: String) throws {
        self.path = path
        if path.hasSuffix(".gz") {
            reader = .gzip(try GzipTFRecordReader(path: path))
        } else {
            reader = .plain(try TFRecordReader(path: path))
        }
    }

    /// Reads what is available now into `run`. Returns how many records were decoded.
    @discardableResult
    public func readAvailable(into run: inout RunData) throws -> Int {
        let batch: TFRecordBatch
        switch reader {
        case .plain(var plain):
            batch = try plain.readAvailable()
            reader = .plain(plain)
        case .gzip(let gzip):
            batch = try gzip.readAvailable()
        }
        run.corruptRecords += batch.corruptions.count
        for record in batch.records {
            run.add(serializedEvent: record.data)
        }
        return batch.records.count
    }
}

/// Loads one run: tails each of its files, in name order, into its ``RunData``.
public final class RunLoader {
    public let name: String
    public private(set) var data: RunData
    private var tails: [String: EventFileTail] = [:]

    public init(name: String, limits: SampleLimits = SampleLimits()) {
        self.name = name
        self.data = RunData(limits: limits)
    }

    /// The files being tailed, in name order.
    public var files: [String] { tails.keys.sorted() }

    /// One pass: starts tailing new files among `files`, then reads every file, in name order,
    /// from where the previous pass stopped. A file that can't be opened is tried again next pass.
    /// Returns how many records were decoded.
    @discardableResult
    public func load(files: [String]) -> Int {
        for path in files where tails[path] == nil {
            tails[path] = try? EventFileTail(path: path)
        }
        var records = 0
        for path in tails.keys.sorted() {
            guard let tail = tails[path] else { continue }
            do {
                records += try tail.readAvailable(into: &data)
            } catch {
                // The file went away or can't be read now; it is dropped and reopened (from its
                // start) only if it comes back.
                if !FileManager.default.fileExists(atPath: path) { tails[path] = nil }
            }
        }
        return records
    }
}

/// Loads a logdir: discovers its runs on every pass, adds new runs and files, tails them, and
/// drops runs whose directory no longer holds event files.
public final class LogdirLoader {
    public let logdir: String
    public let limits: SampleLimits
    public private(set) var runs: [String: RunLoader] = [:]

    public init(logdir: String, limits: SampleLimits = SampleLimits()) {
        self.logdir = logdir
        self.limits = limits
    }

    /// One pass over the logdir. Returns how many records were decoded.
    @discardableResult
    public func reload() -> Int {
        let found = RunDiscovery.discover(logdir: logdir)
        for name in runs.keys where found[name] == nil { runs[name] = nil }
        var records = 0
        for (name, files) in found.sorted(by: { $0.key < $1.key }) {
            let loader = runs[name] ?? RunLoader(name: name, limits: limits)
            runs[name] = loader
            records += loader.load(files: files)
        }
        return records
    }

    /// The run names, sorted.
    public var runNames: [String] { runs.keys.sorted() }

    /// The data of run `name`, or `nil` for an unknown run.
    public func run(_ name: String) -> RunData? { runs[name]?.data }
}
