import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one policy for every file journeysim writes outside a results folder (`--trace`,
/// `bench --write`, `drive --summary`, `init`, the reports `report` rebuilds):
///
/// - only regular files are written: a folder, a device, a pipe or a socket at the path is
///   refused, and so is a symbolic link (it could point anywhere);
/// - never one of the run's own inputs (the scenario file, a baseline), however it is spelled;
/// - checked before any work is done, so a bad path costs nothing;
/// - replaced atomically: the bytes go to a temporary file beside it, which is renamed over the
///   path only when complete, so a full disk leaves the old file as it was.
public enum OutputFile {
    /// What is at a path, as `lstat` sees it (links are not followed).
    enum Kind: Equatable {
        case missing
        case regular(device: UInt64, inode: UInt64)
        case folder
        /// Anything else (a link, a device, a pipe, a socket), as a person would name it.
        case other(String)
    }

    static func kind(of path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        case S_IFDIR: return .folder
        case S_IFLNK: return .other("a symbolic link")
        case S_IFCHR: return .other("a character device")
        case S_IFBLK: return .other("a block device")
        case S_IFIFO: return .other("a named pipe")
        case S_IFSOCK: return .other("a socket")
        default: return .other("not a regular file")
        }
    }

    /// The (device, inode) of a file, following links, for comparing paths that name one file.
    static func identity(of path: String) -> (UInt64, UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Checks that `path` may be written: see the type's rules. `inputs` are the files the run
    /// reads; `replacing: false` also refuses an existing file (e.g. `init` without `--force`).
    /// Returns the path as a URL.
    @discardableResult
    public static func check(
        _ path: String, inputs: [String] = [], replacing: Bool = true,
        what: String = "output file"
    ) throws(ResultsError) -> URL {
        guard !path.isEmpty else { throw .refused(path: path, reason: "the \(what)'s path is empty") }
        let url = URL(fileURLWithPath: path)
        switch kind(of: url.path) {
        case .missing:
            break
        case .folder:
            throw .refused(path: path, reason: "it is a folder; journeysim writes a \(what) only as a regular file")
        case let .other(kind):
            throw .refused(path: path, reason: "it is \(kind); journeysim writes a \(what) only as a regular file")
        case let .regular(device, inode):
            for input in inputs {
                if let other = identity(of: input), other == (device, inode) {
                    throw .refused(path: path, reason: "it is the run's own input \(input), which would be destroyed")
                }
            }
            guard replacing else { throw .refused(path: path, reason: "the file exists; give --force to replace it") }
        }
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .refused(path: path, reason: "its folder \(folder) does not exist")
        }
        guard access(folder, W_OK) == 0 else {
            throw .refused(path: path, reason: "its folder \(folder) is not writable")
        }
        return url
    }

    /// Creates `path` (and its parents) unless a folder is there already; anything else there is refused.
    public static func makeFolder(_ path: String) throws(ResultsError) {
        switch kind(of: path) {
        case .folder: return
        case .missing:
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw .notWritable(path: path, reason: ResultsWriter.reason(error))
            }
        case let .other(kind): throw .refused(path: path, reason: "it is \(kind), not a folder")
        case .regular: throw .refused(path: path, reason: "it is a file, not a folder")
        }
    }

    /// Writes `data` to `url` atomically (a temporary file in the same folder, then a rename);
    /// checks the path again first, since something may have appeared there during the run.
    public static func write(
        _ data: Data, to url: URL, inputs: [String] = [], what: String = "output file"
    ) throws(ResultsError) {
        try check(url.path, inputs: inputs, what: what)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw .writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary.path, url.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw .writeFailed(path: url.path, reason: String(cString: strerror(failure)))
        }
    }
}

#if canImport(Glibc)
    private let posixWrite = Glibc.write
#elseif canImport(Darwin)
    private let posixWrite = Darwin.write
#endif
