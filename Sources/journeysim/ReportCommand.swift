import ArgumentParser
import Foundation
import JourneySim

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild report.html, summary.md and daily.csv from a saved summary.json.",
        discussion: """
            Reads <results-dir>/summary.json (written by `journeysim run` or `journeysim merge`) and
            writes the HTML report (self-contained: open it offline), the Markdown summary and the
            per-day CSV beside it. Exits 2 when the folder has no summary.json or it is malformed.

            Examples:
              journeysim report results/abandoned-cart-7
              journeysim report results/baseline-42-merged --output /tmp/baseline-report
            """)

    @Argument(help: "A results folder holding summary.json, e.g. results/baseline-42.")
    var resultsDir: String

    @Option(help: "Folder to write the reports to (default: the results folder).")
    var output: String?

    func run() throws {
        let path = (resultsDir as NSString).appendingPathComponent("summary.json")
        guard FileManager.default.fileExists(atPath: path) else {
            printError(
                "\(resultsDir): no summary.json there; pass a folder written by `journeysim run` or `journeysim merge`."
            )
            throw ExitCode(2)
        }
        let summary: RunSummary
        do {
            summary = try RunReportFiles.decodeSummary(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            printError(
                "\(path): malformed summary.json (\(Self.describe(error))); rerun `journeysim run` to write it again.")
            throw ExitCode(2)
        } catch {
            printError("\(path): cannot read it (\(error.localizedDescription)).")
            throw ExitCode(2)
        }
        guard summary.schemaVersion == RunSummary.currentSchemaVersion else {
            printError(
                "\(path): schema_version \(summary.schemaVersion), but this journeysim reads version \(RunSummary.currentSchemaVersion); rerun the scenario with this version."
            )
            throw ExitCode(2)
        }
        let folder = output ?? resultsDir
        do throws(ResultsError) {
            try OutputFile.makeFolder(folder)
            let files = RunReportFiles.files(for: summary).map {
                (URL(fileURLWithPath: (folder as NSString).appendingPathComponent($0.name)), $0.data)
            }
            // Every path is checked before the first is written, so a refusal leaves all as they were.
            for (url, _) in files { try OutputFile.check(url.path, inputs: [path], what: "report") }
            for (url, data) in files { try OutputFile.write(data, to: url, inputs: [path], what: "report") }
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        print("report: \((folder as NSString).appendingPathComponent("report.html")) (with summary.md, daily.csv)")
    }

    /// Where and what: e.g. "missing key 'totals'", "wrong type at daily.3.revenue".
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key '\(key.stringValue)' at \(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "wrong or missing value at \(path(context))"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(context))"
        @unknown default: return "cannot decode"
        }
    }
}
