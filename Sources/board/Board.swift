import ArgumentParser
import Foundation
import Hummingbird
import LumenBoard
import LumenBoardS3
import LumenBoardServer
import LumenBoardUI
import LumenS3
import ServiceLifecycle

@main
struct Board: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board", abstract: "Serves the runs of a logdir: the Lumen board and its JSON API.")

    // TensorBoard's own spellings (--logdir_spec, --bind_all, --reload_interval,
    // --samples_per_plugin, --path_prefix) are accepted as aliases, so its command lines work.
    @Option(
        name: [.customLong("logdir"), .customLong("logdir_spec")],
        help: ArgumentHelp(
            "The directory of runs (searched recursively for event files), or name1:dir1,name2:dir2 to show the runs under each dir as name/RUN.",
            valueName: "dir"))
    var logdir: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Flag(
        name: [.customLong("bind-all"), .customLong("bind_all")],
        help: "Listen on every interface (0.0.0.0), overriding --host.")
    var bindAll = false

    @Option(help: "The port; 0 picks a free one.")
    var port = 6006

    @Option(
        name: [.customLong("reload-interval"), .customLong("reload_interval")],
        help: "Seconds between reloads of the logdir; 0 loads it once.")
    var reloadInterval = 2.0

    @Option(help: "Serve the web UI from this folder, read afresh on every request (for developing the UI).")
    var assets: String?

    @Option(
        name: [.customLong("samples-per-plugin"), .customLong("samples_per_plugin")],
        help: ArgumentHelp(
            "How many values to keep per tag, e.g. histograms=500,images=10,text=100,audio=10,pr_curves=100 (any subset; 0 or 'all' keeps every one; scalars are never sampled).",
            valueName: "plugin=N,..."))
    var samplesPerPlugin: String?

    @Option(
        name: [.customLong("path-prefix"), .customLong("path_prefix")],
        help: ArgumentHelp(
            "Serve the UI and API under this path, e.g. /board behind a reverse proxy (as TensorBoard's --path_prefix).",
            valueName: "path"))
    var pathPrefix = ""

    @Option(
        help: ArgumentHelp(
            "The S3-compatible endpoint for s3:// logdirs (addressed path-style); overrides AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL.",
            valueName: "url"))
    var s3Endpoint: String?

    @OptionGroup(title: "Access")
    var access: AccessOptions

    func validate() throws {
        do {
            _ = try LogdirSpec(parsing: logdir)
            if let samplesPerPlugin { _ = try SampleLimits(parsing: samplesPerPlugin) }
        } catch {
            throw ValidationError("\(error)")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, not \(port)") }
        guard reloadInterval >= 0, reloadInterval.isFinite else {
            throw ValidationError("--reload-interval must be ≥ 0, not \(reloadInterval)")
        }
    }

    func run() async throws {
        BLASThreads.stopIdleWorkers()
        OpenFileLimit.raiseToHardLimit()
        BoardAllocator.tune()
        let shutdown = ShutdownSwitch()
        ShutdownSignals.install { shutdown.trigger() }
        let host = bindAll ? "0.0.0.0" : host
        let protection = try access.resolve(host: host)
        if let warning = protection.warning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        var spec = try LogdirSpec(parsing: logdir)
        for index in spec.entries.indices {
            if !S3Location.isS3(spec.entries[index].path) {
                spec.entries[index].path = (spec.entries[index].path as NSString).expandingTildeInPath
            }
        }
        let logdir = spec.entries.count == 1 && spec.entries[0].name == nil ? spec.entries[0].path : self.logdir
        let limits = try samplesPerPlugin.map { try SampleLimits(parsing: $0) } ?? SampleLimits()
        for note in samplesPerPlugin.map(SampleLimits.notes(parsing:)) ?? [] {
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
        let storages: LogStorages
        do {
            storages = try LogStorages.forSpec(spec, endpoint: s3Endpoint)
            // An s3:// logdir that can't be listed stops the board with the reason, not a silent empty board.
            try storages.checkListing(spec)
        } catch {
            throw BoardError(description: "\(error)")
        }
        let store = BoardStore()
        let loader = BoardLoader(
            spec: spec, limits: limits, store: store, storages: storages, progress: LoadProgressLine.makeReporter())
        let loading = Task { await loader.run(interval: reloadInterval) }
        defer { loading.cancel() }
        // The UI's files are read and compressed while the logdir loads (a missing UI folder still
        // stops the board before it serves anything).
        let ui = try userInterface()
        let shownHost = host == "0.0.0.0" ? (ProcessInfo.processInfo.hostName) : host.contains(":") ? "[\(host)]" : host
        let prefix = BoardServer.normalizedPathPrefix(pathPrefix)
        let app = BoardServer.makeApplication(
            store: store, assets: ui, host: host, port: port, pathPrefix: prefix, security: protection.security
        ) { bound in
            var line = "Lumen board at \(protection.scheme)://\(shownHost):\(bound)\(prefix)/"
            if let token = protection.tokenInURL { line += "?token=\(token)" }
            line += " (logdir \(logdir))"
            if let source = protection.tokenSource { line += "; it needs the access token given in \(source)" }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        do {
            // Signals are handled by ShutdownSignals from the start, not by the service group.
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
            await shutdown.attach(group)
            try await group.run()
        } catch {
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("errno: 98") || text.contains("EADDRINUSE") {
                throw BoardError(
                    description: "port \(port) on \(host) is busy; choose another with --port (0 picks a free one)")
            }
            throw error
        }
    }
}

extension Board {
    /// The UI's files: `--assets DIR`, or those packaged next to the binary.
    func userInterface() throws -> UIAssets {
        if let assets {
            let folder = (assets as NSString).expandingTildeInPath
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw BoardError(description: "--assets \(assets): no such folder")
            }
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("index.html"))
            else {
                throw BoardError(description: "--assets \(assets): the folder has no index.html")
            }
            return .folder(URL(fileURLWithPath: folder).standardizedFileURL.path)
        }
        guard let folder = UIAssets.packagedFolder() else {
            throw BoardError(
                description:
                    "the web UI's files (\(LumenBoardUI.resourceFolderName)) are not next to the board binary; "
                    + "keep them beside it or pass --assets DIR")
        }
        return try UIAssets.loadBundled(from: folder)
    }
}

/// A failure reported without the usage text.
struct BoardError: Error, CustomStringConvertible {
    var description: String
}

/// The process's limit of open files.
enum OpenFileLimit {
    /// Raises the soft limit to the hard one. The soft limit is often 1,024, which connections,
    /// event files read at once and the runtime's own files share; reaching it fails more than
    /// the call that hit it (libdispatch stops the process when it can't open its files).
    static func raiseToHardLimit() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}
