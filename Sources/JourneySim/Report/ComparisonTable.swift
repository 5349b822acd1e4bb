/// The terminal view of a strategy comparison: each metric per strategy, each strategy's
/// difference from the first with its 95% CI, and the verdicts.
public enum ComparisonTable {
    public static func render(_ c: StrategyComparison) -> String {
        var out =
            "journeysim compare: \(c.strategies.joined(separator: " vs ")), seed \(c.seed), \(c.customers) customers"
        out += c.replications > 1 ? " × \(c.replications) replications\n\n" : "\n\n"
        let base = c.strategies[0]
        var header = ["metric"] + c.strategies
        for other in c.strategies.dropFirst() { header.append("\(other) − \(base) (95% CI)") }
        var rows: [[String]] = []
        for metric in ComparisonMetric.allCases {
            var row = [metric.name]
            for name in c.strategies {
                let mean = c.means[metric.name]?[name]?.estimate ?? 0
                row.append(metric.isShare ? SummaryTable.percent(mean) : mean.formatted2)
            }
            for other in c.strategies.dropFirst() {
                guard let ci = c.differences[metric.name]?["\(other) vs \(base)"] else {
                    row.append("-")
                    continue
                }
                let f = { (v: Double) in StrategyComparison.format(v, metric, signed: true) }
                row.append("\(f(ci.estimate)) [\(f(ci.lower)), \(f(ci.upper))]\(ci.excludesZero ? " *" : "")")
            }
            rows.append(row)
        }
        out += SummaryTable.table(header: header, rows: rows)
        if let reason = c.unpairedBecause {
            out += "* = significant at 95% (NOT paired: \(reason); strategies are compared as independent samples)\n\n"
        } else {
            out += "* = significant at 95% (paired by customer: the same customers under every strategy)\n\n"
        }
        for metric in ComparisonMetric.allCases {
            if let verdict = c.verdicts[metric.name] { out += "- \(verdict)\n" }
        }
        return out
    }
}
