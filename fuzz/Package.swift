// swift-tools-version:6.0
// The libFuzzer targets, kept out of the main package so `swift build` and `swift test` there are
// unaffected. `fuzz/run TARGET SECONDS` builds this package with `-sanitize=fuzzer,address` into
// its own scratch path and runs one target. The library targets here are the main package's own
// sources, reached through the symlinks in Mirror/. LumenBoard is the board's core (store, loader,
// queries, graph model); its HTTP layer is the separate LumenBoardServer target, so fuzzing the
// board's data and API code needs no server.
import PackageDescription

/// gold fails with an internal error on these executables (libFuzzer's and SwiftPM's `main`); lld links them.
let lld: [LinkerSetting] = [.unsafeFlags(["-use-ld=lld"])]

let package = Package(
    name: "LumenFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0")
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Mirror/CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CZstd", path: "Mirror/CZstd", pkgConfig: "libzstd"),
        .systemLibrary(name: "COpenBLAS", path: "Mirror/COpenBLAS", pkgConfig: "openblas"),
        .target(name: "CLumenCRC32C", path: "Mirror/CLumenCRC32C"),
        .target(name: "CLumenAllocator", path: "Mirror/CLumenAllocator"),
        .target(
            name: "LumenEvents",
            dependencies: ["CZlib", "CLumenCRC32C", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Mirror/LumenEvents",
            exclude: ["Protos"]
        ),
        .target(
            name: "LumenBoard",
            dependencies: [
                "COpenBLAS", "CLumenAllocator", "CZstd", "LumenEvents",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Mirror/LumenBoard"
        ),
        .target(name: "FuzzSupport", dependencies: ["LumenEvents", "LumenBoard"]),
        .executableTarget(name: "fuzz-tfrecord", dependencies: ["FuzzSupport", "LumenEvents"], linkerSettings: lld),
        .executableTarget(
            name: "fuzz-events", dependencies: ["FuzzSupport", "LumenEvents", "LumenBoard"], linkerSettings: lld),
        .executableTarget(
            name: "fuzz-query", dependencies: ["FuzzSupport", "LumenEvents", "LumenBoard"], linkerSettings: lld),
        // The decoders of plugin summaries, projector files and S3 listings; S3XML.swift and
        // S3ListPage.swift are symlinks to LumenS3's, which need nothing of its HTTP client.
        .executableTarget(
            name: "fuzz-decoders", dependencies: ["FuzzSupport", "LumenEvents", "LumenBoard"], linkerSettings: lld),
    ],
    swiftLanguageModes: [.v6]
)
