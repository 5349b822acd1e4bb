import Foundation

/// The rows a benchmark run is compared with (`bench --compare FILE`), checked so that a check
/// can only pass by comparing: a baseline that is missing, unreadable or empty, one that shares
/// no row with the run, or one with a row the run does not have (a benchmark renamed or removed)
/// is an error, never a pass with nothing compared.
public struct BenchmarkBaseline: Sendable {
    /// The file it was read from, for messages.
    public var file: String
    public var rows: [BenchmarkResult]

    public init(file: String, rows: [BenchmarkResult]) {
        self.file = file
        self.rows = rows
    }

    /// Reads a baseline written by `bench --write`: a JSON list of rows, each with samples.
    public init(contentsOf file: String) throws(BenchmarkBaselineError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: file)
                ? "it cannot be read (\(error.localizedDescription))" : "there is no such file"
            throw .unreadable(file: file, reason: reason)
        }
        guard data.contains(where: { !" \t\r\n".utf8.contains($0) }) else { throw .empty(file: file) }
        let rows: [BenchmarkResult]
        do {
            rows = try JSONDecoder().decode([BenchmarkResult].self, from: data)
        } catch {
            throw .unreadable(
                file: file,
                reason: "it is not a JSON list of benchmark rows ({\"name\", \"unit\", \"samples\"}) as --write writes")
        }
        guard !rows.isEmpty else { throw .empty(file: file) }
        if let row = rows.first(where: { $0.samples.isEmpty || !$0.samples.allSatisfy(\.isFinite) }) {
            throw .badRow(file: file, name: row.name)
        }
        self.init(file: file, rows: rows)
    }

    /// Compares the run with the baseline's rows, after checking that the run has every one of
    /// them. `meant` tells which rows the run set out to measure: the others (another `--only`
    /// group, allocation rows without the counter) are left out, not errors.
    public func compare(
        with current: [BenchmarkResult], tolerance: Double,
        meant: (BenchmarkResult) -> Bool = { _ in true }
    ) throws(BenchmarkBaselineError) -> [BenchmarkComparison] {
        let expected = rows.filter(meant)
        let measured = Set(current.map(\.name))
        let missing = expected.map(\.name).filter { !measured.contains($0) }
        if missing.count == expected.count {
            throw .noSharedRows(file: file, baseline: expected.map(\.name), current: current.map(\.name))
        }
        if !missing.isEmpty { throw .missingRows(file: file, names: missing) }
        return BenchmarkComparison.compare(baseline: expected, current: current, tolerance: tolerance)
    }
}

/// Why a baseline cannot be compared with; `bench` exits 2 on each.
public enum BenchmarkBaselineError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case empty(file: String)
    /// A row without samples (or with a non-finite one): there is no median to compare with.
    case badRow(file: String, name: String)
    case noSharedRows(file: String, baseline: [String], current: [String])
    /// Rows of the baseline that the run does not have.
    case missingRows(file: String, names: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "cannot read the baseline \(file): \(reason). Write one with --write \(file)."
        case let .empty(file):
            return
                "the baseline \(file) has no benchmark rows, so nothing would be compared. Write one with --write \(file)."
        case let .badRow(file, name):
            return
                "the baseline \(file): row '\(name)' has no samples (or a non-finite one); write the baseline again with --write \(file)."
        case let .noSharedRows(file, baseline, current):
            return
                "the baseline \(file) shares no benchmark with this run (baseline: \(Self.list(baseline)); run: \(Self.list(current))). "
                + "Compare with a baseline of the same benchmarks, or write one with --write \(file)."
        case let .missingRows(file, names):
            return
                "the baseline \(file) has \(names.count == 1 ? "a row" : "rows") this run does not have: \(Self.list(names)). "
                + "A benchmark was renamed or removed (or its size changed, e.g. --trigger-customers): write a new baseline with --write \(file)."
        }
    }

    static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", ")
    }
}
