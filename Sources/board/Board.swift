import ArgumentParser
import Foundation
import Hummingbird
import LumenBoard

@main
struct Board: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board", abstract: "Serves the runs of a logdir: the Lumen board and its JSON API.")

    @Option(help: "The directory of runs (searched recursively for event files).")
    var logdir: String

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Flag(help: "Listen on every interface (0.0.0.0), overriding --host.")
    var bindAll = false

    @Option(help: "The port; 0 picks a free one.")
    var port = 6006

    @Option(help: "Seconds between reloads of the logdir; 0 loads it once.")
    var reloadInterval = 2.0

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, not \(port)") }
        guard reloadInterval >= 0, reloadInterval.isFinite else {
            throw ValidationError("--reload-interval must be ≥ 0, not \(reloadInterval)")
        }
    }

    func run() async throws {
        let host = bindAll ? "0.0.0.0" : host
        let logdir = (logdir as NSString).expandingTildeInPath
        let store = BoardStore()
        let loader = BoardLoader(logdir: logdir, store: store)
        let loading = Task { await loader.run(interval: reloadInterval) }
        defer { loading.cancel() }
        let shownHost = host == "0.0.0.0" ? (ProcessInfo.processInfo.hostName) : host
        let app = BoardServer.makeApplication(store: store, host: host, port: port) { bound in
            let line = "Lumen board at http://\(shownHost):\(bound)/ (logdir \(logdir))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        do {
            try await app.runService()
        } catch {
            let text = "\(error)"
            if text.contains("Address already in use") || text.contains("errno: 98") || text.contains("EADDRINUSE") {
                throw BoardError(description: "port \(port) on \(host) is busy; choose another with --port (0 picks a free one)")
            }
            throw error
        }
    }
}

/// A failure reported without the usage text.
struct BoardError: Error, CustomStringConvertible {
    var description: String
}
