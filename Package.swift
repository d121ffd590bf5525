// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Lumen",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Lumen", targets: ["Lumen"]),
        .library(name: "LumenEvents", targets: ["LumenEvents"]),
        .executable(name: "lumen-bench", targets: ["lumen-bench"]),
        .executable(name: "train-digits", targets: ["train-digits"]),
        .executable(name: "board", targets: ["board"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .target(
            name: "Lumen",
            dependencies: [
                "COpenBLAS",
                "CLumenGEMM",
                "LumenEvents",
                "LumenS3",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .target(
            name: "LumenEvents",
            dependencies: ["CZlib", "CLumenCRC32C", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Protos"]
        ),
        .target(
            name: "CLumenCRC32C"
        ),
        .target(
            name: "CLumenGEMM"
        ),
        .target(
            name: "CLumenAllocator"
        ),
        .target(
            name: "AWSSigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "LumenS3",
            dependencies: [
                "AWSSigV4",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "LumenBoard",
            dependencies: [
                "COpenBLAS",
                "CLumenAllocator",
                "CZstd",
                "LumenEvents",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "LumenBoardS3",
            dependencies: ["LumenBoard", "LumenS3", "LumenEvents"]
        ),
        .target(
            name: "LumenBoardUI",
            path: "Public",
            sources: ["LumenBoardUI.swift"],
            resources: [.copy("index.html"), .copy("style.css"), .copy("js")]
        ),
        .target(
            name: "LumenBoardServer",
            dependencies: [
                "LumenBoard",
                "LumenBoardUI",
                "LumenEvents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "LumenTestSupport",
            dependencies: ["LumenEvents"],
            path: "Tests/LumenTestSupport"
        ),
        .executableTarget(
            name: "board",
            dependencies: [
                "LumenBoard", "LumenBoardS3", "LumenBoardServer", "LumenBoardUI", "LumenS3",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DigitsExample",
            dependencies: ["Lumen"]
        ),
        .executableTarget(
            name: "train-digits",
            dependencies: [
                "DigitsExample", "LumenEvents", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "event-writer-probe",
            dependencies: ["LumenEvents"]
        ),
        .executableTarget(
            name: "s3-bench",
            dependencies: ["LumenBoard", "LumenBoardS3", "LumenEvents", "LumenS3", "AWSSigV4"]
        ),
        .executableTarget(
            name: "board-bench-logdir",
            dependencies: ["LumenEvents"]
        ),
        .executableTarget(
            name: "lumen-bench",
            dependencies: ["Lumen", "COpenBLAS", "LumenBoard", "LumenTestSupport"]
        ),
        .testTarget(
            name: "LumenTests",
            dependencies: ["Lumen", "LumenTestSupport"],
            resources: [.copy("Goldens")]
        ),
        .testTarget(
            name: "DigitsExampleTests",
            dependencies: ["DigitsExample", "Lumen", "LumenTestSupport"]
        ),
        .testTarget(
            name: "LumenEventsTests",
            dependencies: [
                "LumenEvents", "LumenTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LumenS3Tests",
            dependencies: [
                "AWSSigV4", "LumenS3", "Lumen", "LumenBoard", "LumenBoardS3", "LumenBoardServer", "LumenEvents",
                "LumenTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("SigV4Vectors")]
        ),
        .testTarget(
            name: "LumenBoardTests",
            dependencies: [
                "LumenBoard", "LumenBoardServer", "LumenBoardUI", "LumenEvents", "LumenTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
