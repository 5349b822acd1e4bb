import Foundation

/// The human-facing files written beside `summary.json`: `report.html`, `summary.md` and
/// `daily.csv`. `journeysim run` writes them with the run; `journeysim report` rebuilds them
/// from a saved summary.json.
public enum RunReportFiles {
    public static let names = ["report.html", "summary.md", "daily.csv"]

    public static func files(for summary: RunSummary) -> [(name: String, data: Data)] {
        [
            ("report.html", Data(RunReportPage.html(summary).utf8)),
            ("summary.md", Data(SummaryMarkdown.render(summary).utf8)),
            ("daily.csv", Data(DailyCSV.render(summary).utf8)),
        ]
    }

    /// Reads a `summary.json` written by `ResultsWriter.json` (snake_case keys).
    public static func decodeSummary(_ data: Data) throws -> RunSummary {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(RunSummary.self, from: data)
    }
}
