import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why results could not be written. Each names the folder or file and the cause.
public enum ResultsError: Error, Sendable, Equatable, CustomStringConvertible {
    case notWritable(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    /// The path is not one journeysim may write (a device, a link, the run's own input, …).
    case refused(path: String, reason: String)
    /// Another process is writing the same results folder now.
    case busy(path: String)
    /// The folder holds results of a run with other inputs or options.
    case otherRun(path: String, found: String, wanted: String)

    public var description: String {
        switch self {
        case let .notWritable(path, reason):
            return "\(path): cannot write results there: \(reason). Choose another folder with --output."
        case let .writeFailed(path, reason):
            return
                "\(path): writing results failed: \(reason). Nothing was left half-written; free space or choose another folder with --output."
        case let .refused(path, reason):
            return "\(path): will not write there: \(reason). Choose another path."
        case let .busy(path):
            return
                "\(path): another journeysim process is writing these results right now; wait for it to finish, or choose another folder with --output."
        case let .otherRun(path, found, wanted):
            return
                "\(path): holds the results of another run (\(found); this run is \(wanted)). Give --overwrite to replace them, or choose another folder with --output."
        }
    }
}

/// Writes a run's files so that a reader never sees a half-written result, and so that nothing
/// journeysim did not write is lost:
///
/// - every file goes into a hidden staging folder beside the destination, renamed into place
///   only when all files are written;
/// - the folder is locked (`flock` on a hidden file beside it) from the writer's creation to its
///   end, so a second run aimed at the same folder fails at its start instead of silently
///   racing the first for the last word;
/// - an existing folder is replaced only if journeysim wrote it: it must hold nothing but the
///   files a results folder holds, and its `.journeysim-run` stamp must name the same run
///   (scenario text, options, shard), unless `overwrite` is given; a symbolic link is never
///   followed or replaced.
public final class ResultsWriter: Sendable {
    /// The run's folder, e.g. `results/baseline-42`.
    public let directory: URL
    /// What identifies the run whose results these are (see `stampName`).
    let identity: String
    let lock: FolderLock

    /// The stamp file in every results folder: one line naming the run.
    public static let stampName = ".journeysim-run"
    /// Files a results folder may hold besides its stamp: what `run`, `compare`, `merge`, `load`
    /// and `report` write there. A folder with anything else in it is not replaced.
    static func isResultFile(_ name: String) -> Bool {
        let known = [
            "summary.json", "record.json", "performance.json", "report.html", "summary.md", "daily.csv",
            "comparison.json", "replications.json", "load.json", "junit.xml", stampName,
        ]
        // compare and --replications write one summary-<strategy or seed>.json each.
        return known.contains(name) || (name.hasPrefix("summary-") && name.hasSuffix(".json"))
    }

    /// Checks up front, before any simulation time is spent, that `directory` can be written:
    /// its parent exists or can be created and is writable, no other process holds it, and what
    /// is there now is an older copy of the same run (or `overwrite` is given and it is a results
    /// folder). `identity` names the run (e.g. the scenario digest, seed and shard).
    public init(directory: String, identity: String = "", overwrite: Bool = false) throws(ResultsError) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        self.identity = identity.replacingOccurrences(of: "\n", with: " ")
        let parent = self.directory.deletingLastPathComponent()
        if case .regular = OutputFile.kind(of: parent.path) {
            throw .notWritable(path: parent.path, reason: "it is a file, not a folder")
        }
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw .notWritable(path: parent.path, reason: Self.reason(error))
        }
        guard access(parent.path, W_OK) == 0 else {
            throw .notWritable(path: parent.path, reason: "permission denied or the file system is read-only")
        }
        lock = try FolderLock(for: self.directory)
        try Self.checkReplaceable(self.directory, identity: self.identity, overwrite: overwrite)
    }

    /// Whether `directory` may be replaced by this run's results (see the type's rules).
    static func checkReplaceable(_ directory: URL, identity: String, overwrite: Bool) throws(ResultsError) {
        switch OutputFile.kind(of: directory.path) {
        case .missing: return
        case .folder: break
        case let .other(kind): throw .refused(path: directory.path, reason: "it is \(kind), not a results folder")
        case .regular: throw .notWritable(path: directory.path, reason: "a file (not a results folder) is in the way")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .notWritable(path: directory.path, reason: reason(error))
        }
        let strangers = names.filter { name in
            let path = directory.appendingPathComponent(name).path
            guard isResultFile(name), case .regular = OutputFile.kind(of: path) else { return true }
            return false
        }
        if !strangers.isEmpty {
            let listed = strangers.sorted().prefix(3).joined(separator: ", ") + (strangers.count > 3 ? ", …" : "")
            throw .refused(
                path: directory.path,
                reason: "the folder holds files journeysim did not write (\(listed)), so it is not replaced")
        }
        if overwrite { return }
        let stamp = (try? String(contentsOf: directory.appendingPathComponent(stampName), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let stamp else {
            // A folder older than stamps, or left half-replaced: it cannot be told apart from another run's.
            if names.isEmpty { return }
            throw .otherRun(
                path: directory.path, found: "a run that left no \(stampName) stamp", wanted: describe(identity))
        }
        if stamp != identity {
            throw .otherRun(path: directory.path, found: describe(stamp), wanted: describe(identity))
        }
    }

    static func describe(_ identity: String) -> String { identity.isEmpty ? "unnamed" : identity }

    /// Writes all `files` (name → bytes) and the stamp, and moves them into place together,
    /// replacing the older copy `init` checked.
    public func write(_ files: [(name: String, data: Data)]) throws(ResultsError) {
        let fm = FileManager.default
        let staging = directory.deletingLastPathComponent()
            .appendingPathComponent(
                ".\(directory.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            if OutputFile.kind(of: staging.path) == .folder { try fm.removeItem(at: staging) }
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            for file in files + [(Self.stampName, Data((identity + "\n").utf8))] {
                try file.data.write(to: staging.appendingPathComponent(file.name), options: .atomic)
            }
            if OutputFile.kind(of: directory.path) == .folder {
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
            underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
        {
            return String(cString: strerror(code.rawValue))
        }
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileWriteOutOfSpaceError {
            return "no space left on the device"
        }
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

/// An exclusive `flock` on a hidden file beside a results folder (`.<name>.lock`), held from
/// creation until the last reference goes, when the file is removed again.
///
/// The lock is taken without waiting, so a second writer fails at once. After locking, the
/// path must still name the locked file: a holder that just finished unlinks it, and a writer
/// that opened the old file a moment before would otherwise hold a lock nobody else can see.
final class FolderLock: Sendable {
    let path: String
    let descriptor: Int32

    init(for directory: URL) throws(ResultsError) {
        path = directory.deletingLastPathComponent().appendingPathComponent(".\(directory.lastPathComponent).lock").path
        for _ in 0..<8 {
            let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw .notWritable(
                    path: directory.deletingLastPathComponent().path,
                    reason: "cannot create the lock file \(path) (\(String(cString: strerror(errno))))")
            }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                throw .busy(path: directory.path)
            }
            var locked = stat()
            var named = stat()
            if fstat(descriptor, &locked) == 0, lstat(path, &named) == 0, locked.st_ino == named.st_ino,
                locked.st_dev == named.st_dev
            {
                self.descriptor = descriptor
                return
            }
            close(descriptor)
        }
        throw .busy(path: directory.path)
    }

    deinit {
        unlink(path)
        close(descriptor)
    }
}
