/// The HTML report of a strategy comparison: a side-by-side table of every metric, then per
/// metric the values per strategy and each strategy's difference from the baseline with its CI.
public enum ComparisonReportPage {
    public static func html(_ input: ComparisonReportInput) -> String {
        var page = HTMLReportDocument(title: input.title, subtitle: input.subtitle)
        guard let baseline = input.strategies.first else {
            page.paragraph("No strategies to compare.", cssClass: "empty")
            return page.html()
        }
        page.heading("Side by side")
        var header = ["metric"] + input.strategies
        header += input.strategies.dropFirst().map { "\($0) − \(baseline) [95% CI]" }
        let rows = input.metrics.map { metric -> [String] in
            var row =
                [metric.name] + input.strategies.indices.map { metric.values[safe: $0].map(metric.format.exact) ?? "-" }
            for index in input.strategies.indices.dropFirst() {
                row.append(difference(metric.differences[safe: index] ?? nil, format: metric.format))
            }
            return row
        }
        page.raw(
            "<figure class=\"chart\" id=\"chart-comparison-table\">\n<figcaption>Strategies side by side (baseline: \(HTMLText.escape(baseline)))</figcaption>\n\(HTMLTable(header: header, rows: rows, cssClass: "headline").html())<p class=\"note\">* = the 95% interval of the difference excludes zero.</p>\n</figure>"
        )
        page.heading("Metrics")
        for (index, metric) in input.metrics.enumerated() {
            let id = "metric-\(index)"
            let bars = BarChart(
                categories: input.strategies,
                series: [
                    .init(
                        name: metric.name, color: ChartPalette.color(0),
                        values: input.strategies.indices.map { metric.values[safe: $0] ?? 0 })
                ],
                format: metric.format, height: 260)
            var svg = bars.svg(label: "\(metric.name) per strategy")
            let differenceFormat: ChartValueFormat = metric.format == .percent ? .percentagePoints : metric.format
            let intervals = input.strategies.indices.dropFirst().compactMap { index -> IntervalChart.Row? in
                guard let interval = metric.differences[safe: index] ?? nil else { return nil }
                let better = metric.higherIsBetter ? interval.lower > 0 : interval.upper < 0
                let worse = metric.higherIsBetter ? interval.upper < 0 : interval.lower > 0
                return IntervalChart.Row(
                    label: "\(input.strategies[index]) − \(baseline)", interval: interval,
                    color: better ? "#109618" : worse ? "#dc3912" : ChartPalette.control)
            }
            if !intervals.isEmpty {
                svg +=
                    "\n"
                    + IntervalChart(rows: intervals, format: differenceFormat).svg(
                        label: "Difference of \(metric.name) from \(baseline)")
            }
            page.figure(
                id: id, caption: "\(metric.name): value per strategy and difference from \(baseline) (95% CI)",
                svg: svg,
                note: "Green: better than \(baseline) at 95%; red: worse; grey: not distinguishable.")
        }
        return page.html()
    }

    static func difference(_ interval: ConfidenceInterval?, format: ChartValueFormat) -> String {
        guard let i = interval else { return "-" }
        let f: ChartValueFormat = format == .percent ? .percentagePoints : format
        return "\(f.signed(i.estimate)) [\(f.signed(i.lower)), \(f.signed(i.upper))]\(i.excludesZero ? " *" : "")"
    }
}
