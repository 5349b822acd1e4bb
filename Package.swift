// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "journeysim",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "JourneySim", targets: ["JourneySim"]),
        .library(name: "JourneySimHTTP", targets: ["JourneySimHTTP"]),
        .executable(name: "journeysim", targets: ["journeysim"]),
        // Preloaded by `journeysim bench` into a run of itself to count allocations per event.
        .library(name: "JourneySimAllocationCounter", type: .dynamic, targets: ["JourneySimAllocationCounter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        // `swift package generate-documentation --target JourneySim` builds the DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The simulator, channel stubs, backend protocol, virtual-time mock backend and the load
        // driver: no networking stack, so simulation-only users and tests stay light.
        // One inline C function: a cache prefetch hint for the trigger core's batch path.
        .target(name: "JourneySimPrefetch"),
        .target(
            name: "JourneySim",
            dependencies: [
                "JourneySimPrefetch",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            // The default journey (the e-commerce funnel), compiled into the library so a scenario
            // without `journey:` runs anywhere; scenarios/journeys/ecommerce.yaml links to it.
            resources: [.embedInCode("Resources/ecommerce.yaml")]
        ),
        // Real HTTP: the HTTPBackend client (AsyncHTTPClient) and the mock provider server
        // (Hummingbird). Kept apart so the SwiftNIO stack is linked only where it is used.
        .target(
            name: "JourneySimHTTP",
            dependencies: [
                "JourneySim",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Counts heap allocations for `bench` (wraps glibc's malloc). Linked into nothing: bench
        // loads it with LD_PRELOAD into a run of itself, so profilers that replace malloc
        // (heaptrack, valgrind) still see every other run.
        .target(name: "JourneySimAllocationCounter"),
        .executableTarget(
            name: "journeysim",
            dependencies: [
                "JourneySim",
                "JourneySimHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fuzz target: the path scenario text takes through `validate` and the start of `run`.
        // `journeysim-fuzz` is libFuzzer's harness when built by scripts/fuzz (-sanitize=fuzzer
        // -DFUZZING), and a replayer of saved inputs otherwise; the tests replay the corpus.
        .target(name: "JourneySimFuzzing", dependencies: ["JourneySim"]),
        .executableTarget(name: "journeysim-fuzz", dependencies: ["JourneySimFuzzing"]),
        // What both test targets share: finding the package and the built executable.
        .target(name: "JourneySimTestSupport", path: "Tests/JourneySimTestSupport"),
        .testTarget(name: "JourneySimTests", dependencies: ["JourneySim", "JourneySimFuzzing", "JourneySimTestSupport"],
                    exclude: ["FuzzCorpus"]),
        .testTarget(
            name: "JourneySimHTTPTests",
            dependencies: ["JourneySimHTTP", "JourneySim", "JourneySimTestSupport",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
