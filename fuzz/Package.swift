// swift-tools-version:6.0
// The libFuzzer targets, kept out of the main package so `swift build` and `swift test` there are
// unaffected. `fuzz/run TARGET SECONDS` builds this package with `-sanitize=fuzzer,address` into
// its own scratch path and runs one target. The library targets here are the main package's own
// sources, reached through the symlinks in Mirror/; LumenBoard's HTTP layer (the files importing
// Hummingbird) is left out, so fuzzing the board's data and API code needs no server.
import Foundation
import PackageDescription

/// The LumenBoard files that import Hummingbird (the server), found by reading the sources, so
/// that a new server file never breaks this build.
let boardServerFiles: [String] = {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Mirror/LumenBoard")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.filter { name in
        guard name.hasSuffix(".swift"),
              let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        else { return false }
        return text.contains("import Hummingbird") || text.contains("import ServiceLifecycle")
            || text.contains("import Logging")
    }.sorted()
}()

/// gold fails with an internal error on these executables (libFuzzer's and SwiftPM's `main`); lld links them.
let lld: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]

let package = Package(
    name: "LumenFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Mirror/CZlib", pkgConfig: "zlib"),
        .target(name: "CLumenCRC32C", path: "Mirror/CLumenCRC32C"),
        .target(
            name: "LumenEvents",
            dependencies: ["CZlib", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Mirror/LumenEvents",
            exclude: ["Protos"]
        ),
        .target(
            name: "LumenBoard",
            dependencies: ["LumenEvents", "CLumenCRC32C", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Mirror/LumenBoard",
            exclude: boardServerFiles + ["Public"]
        ),
        .target(name: "FuzzSupport", dependencies: ["LumenEvents", "LumenBoard"]),
        .executableTarget(name: "fuzz-tfrecord", dependencies: ["FuzzSupport", "LumenEvents"], linkerSettings: lld),
        .executableTarget(name: "fuzz-events", dependencies: ["FuzzSupport", "LumenEvents", "LumenBoard"], linkerSettings: lld),
        .executableTarget(name: "fuzz-query", dependencies: ["FuzzSupport", "LumenEvents", "LumenBoard"], linkerSettings: lld),
    ],
    swiftLanguageModes: [.v6]
)
