import Foundation

/// Why results could not be written. Each names the folder or file and the cause.
public enum ResultsError: Error, Sendable, CustomStringConvertible {
    case notWritable(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notWritable(path, reason):
            return "\(path): cannot write results there: \(reason). Choose another folder with --output."
        case let .writeFailed(path, reason):
            return "\(path): writing results failed: \(reason). Nothing was left half-written; free space or choose another folder with --output."
        }
    }
}

/// Writes a run's files so that a reader never sees a half-written result: every file goes into
/// a hidden staging folder beside the destination, which is renamed into place only when all
/// files are written.
public struct ResultsWriter: Sendable {
    /// The run's folder, e.g. `results/baseline-42`.
    public let directory: URL

    /// Checks up front, before any simulation time is spent, that `directory`'s parent can be
    /// created and written to.
    public init(directory: String) throws(ResultsError) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = self.directory.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: self.directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            // An older run's folder is replaced; a file of the same name is not ours to delete.
            throw .notWritable(path: self.directory.path, reason: "a file (not a results folder) is in the way")
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw .notWritable(path: parent.path, reason: Self.reason(error))
        }
        let probe = parent.appendingPathComponent(".journeysim-probe-\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: probe.path, contents: Data("ok".utf8)) else {
            throw .notWritable(path: parent.path, reason: "permission denied or the disk is full or read-only")
        }
        try? FileManager.default.removeItem(at: probe)
    }

    /// Writes all `files` (name → bytes) and moves them into place together, replacing an older run.
    public func write(_ files: [(name: String, data: Data)]) throws(ResultsError) {
        let fm = FileManager.default
        let staging = directory.deletingLastPathComponent()
            .appendingPathComponent(".\(directory.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fm.removeItem(at: staging)
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            for file in files {
                try file.data.write(to: staging.appendingPathComponent(file.name), options: .atomic)
            }
            if fm.fileExists(atPath: directory.path) {
                // Keep files from other tools (e.g. a report generated later) only if they are ours to replace.
                try fm.removeItem(at: directory)
            }
            try fm.moveItem(at: staging, to: directory)
        } catch {
            try? fm.removeItem(at: staging)
            throw .writeFailed(path: directory.path, reason: Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileWriteOutOfSpaceError { return "no space left on the device" }
        var text = ns.localizedDescription
        while text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Deterministic pretty JSON: sorted keys, snake_case field names, no escaped slashes.
    public static func json<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Encoding our own plain value types cannot fail.
        var data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
