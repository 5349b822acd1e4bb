import Foundation

/// Where the tests find the package and the `journeysim` executable, shared by both test
/// targets so the CLI tests and the load-security tests run the same binary the same way.
public enum BuiltBinary {
    /// The package's root folder (scenarios, scripts), from this file's own path.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public enum Failure: Error, CustomStringConvertible {
        case notFound(testBundle: String)

        public var description: String {
            switch self {
            case let .notFound(bundle):
                "no journeysim executable beside the test bundle \(bundle) or in .build/debug: run `swift build` first"
            }
        }
    }

    /// The `journeysim` executable built beside the running test bundle (`swift test` builds every
    /// product), else the debug build in the package.
    public static func journeysim() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("journeysim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = packageRoot.appendingPathComponent(".build/debug/journeysim")
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
            throw Failure.notFound(testBundle: CommandLine.arguments[0])
        }
        return fallback
    }
}
