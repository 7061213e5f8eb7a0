// swift-tools-version:6.1
import PackageDescription

// checkpointd: capture → read → decide → alert → deliver.
// Each library target is one stage or one edge (store, server); data flows one way.
let package = Package(
    name: "checkpointd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "checkpointd", targets: ["checkpointd"]),
        .executable(name: "checkpoint", targets: ["checkpoint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // System libraries, linked through pkg-config (module maps only).
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev", "libjpeg-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),

        // Pixels: planes, frames, JPEG encode/decode (libjpeg-turbo).
        .target(name: "Imaging", dependencies: ["CJPEG"]),
        // Camera feeds: libavformat/libavcodec demux+decode, snapshot polling, sampling, health.
        .target(name: "Capture", dependencies: [
            "Config", "Imaging", "CFFmpeg",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Frames in, plate reads out: detection, the character recogniser (Swift inference), formats.
        .target(name: "PlateReader", dependencies: ["Imaging", "Plates", "CPlateKernels"],
                resources: [.copy("Resources/recognizer.cpdm"), .copy("Resources/detector.cpdm")]),
        // The plate networks' matrix product in C: an AVX2+FMA kernel picked at run time, a portable one otherwise.
        .target(name: "CPlateKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Who may do what: roles, principals, API tokens. Pure logic.
        .target(name: "Access", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
        ]),
        // Decisions: a lane's vehicles, card scans and gate signals → explained entry records. Pure logic.
        .target(name: "Checkpoint", dependencies: ["Registry", "Plates"]),
        // Alert routing (actions, quiet hours, de-duplication, escalation), case states, delivery retries and
        // webhook signatures. Pure logic.
        .target(name: "Alerting", dependencies: [
            "Registry",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Plate text, region formats and look-alike characters. Pure logic.
        .target(name: "Plates"),
        // Holders, entry cards, signed tokens and scan decisions. Pure logic.
        .target(name: "Registry", dependencies: [
            "Access", "Plates",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // checkpointd.yaml and cameras/*.yaml, validated once at the edge.
        .target(name: "Config", dependencies: [
            "Access", "Alerting", "Plates", "Registry",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The one SQLite database: schema, migrations, audit log, tokens.
        .target(name: "Store", dependencies: [
            "Access", "Registry", "Checkpoint", "Alerting",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Issuing, renewing, revoking and scanning entry cards; signing keys; QR rendering.
        .target(name: "Cards", dependencies: [
            "Access", "Registry", "Store", "CQREncode",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Cases out to the grid case system (Open311 GeoReport v2) and webhooks: the outbox worker, retries,
        // status polling.
        .target(name: "Delivery", dependencies: [
            "Alerting", "Config", "Store",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // HTTP API, auth, errors, metrics.
        .target(name: "Server", dependencies: [
            "Access", "Store", "Registry", "Cards", "Capture", "Imaging", "Plates", "Checkpoint", "Alerting",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Resources/openapi.yaml")]),
        // The daemon's assembly: services, systemd protocol, signals, reload.
        .target(name: "Daemon", dependencies: [
            "Access", "Config", "Store", "Server", "Cards", "Registry", "Capture", "Imaging", "CFFmpeg", "CJPEG", "CQREncode",
            "Checkpoint", "PlateReader", "Plates", "Alerting", "Delivery",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "checkpointd", dependencies: [
            "Daemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "checkpoint", dependencies: [
            "Access", "Config", "Store", "Daemon", "Cards", "Registry", "Server", "Capture", "Imaging", "Plates", "PlateReader",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared test helpers: temporary state dirs, spawning the daemon, raw sockets.
        .target(name: "TestSupport", dependencies: [
            "Config", "Alerting",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "AccessTests", dependencies: ["Access"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "Registry"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "Registry"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "Alerting", "Config", "Store", "Access", "Checkpoint", "Registry",
            "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Plates"]),
        .testTarget(name: "PlatesTests", dependencies: ["Plates"]),
        .testTarget(name: "PlateReaderTests", dependencies: ["PlateReader", "CPlateKernels", "Plates", "Imaging", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Config", "Imaging", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird")]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Alerting", "Registry", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Checkpoint", "Plates", "Registry", "Access", "Alerting", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Store", "Access", "Cards", "Registry", "Checkpoint", "Capture", "Config", "Imaging", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus")]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "TestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v6]
)
