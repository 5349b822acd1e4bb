// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "journeysim",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "JourneySim", targets: ["JourneySim"]),
        .executable(name: "journeysim", targets: ["journeysim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "JourneySim",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "journeysim",
            dependencies: [
                "JourneySim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "JourneySimTests", dependencies: ["JourneySim"]),
    ],
    swiftLanguageModes: [.v6]
)
