import Foundation

/// A run's summary as Markdown (`summary.md`), for pull requests, wikis and chat: the headline
/// figures, the funnel by archetype, campaigns with lift, and the per-day series.
public enum SummaryMarkdown {
    public static func render(_ summary: RunSummary) -> String {
        let s = summary.scenario
        var out = "# journeysim run: \(s.name)\n\n"
        out +=
            "Seed \(s.seed), \(s.customers) customers, \(s.durationDays.formatted6) simulated days from \(s.start) to \(s.end).\n\n"
        if !summary.complete {
            out += "> **Interrupted:** simulated until \(summary.simulatedUntil); figures cover that span only.\n\n"
        }
        out += "## Headline\n\n"
        out += table(["figure", "value"], RunReportPage.headline(summary).rows)
        out += "\n## Funnel by archetype\n\n"
        let funnelRows = (Archetype.allCases.map(\.name) + ["all"]).compactMap { name -> [String]? in
            guard let f = name == "all" ? summary.totals : summary.byArchetype[name] else { return nil }
            return [
                name, String(f.customers ?? 0), String(f.sessions), String(f.cartAdds), String(f.checkouts),
                String(f.purchases),
                String(f.abandonedCarts), f.customerConversion.map(SummaryTable.percent) ?? "-",
                SummaryTable.money(f.revenue),
            ]
        }
        out += table(
            [
                "archetype", "customers", "sessions", "carts", "checkouts", "purchases", "abandoned", "conversion",
                "revenue",
            ], funnelRows)
        if let m = summary.messaging {
            out += "\n## Campaigns\n\n"
            let rows = m.campaigns.keys.sorted().map { name -> [String] in
                let c = m.campaigns[name]!
                let lift =
                    c.lift.map {
                        "\(SummaryTable.pp($0.estimate)) [\(SummaryTable.pp($0.lower)), \(SummaryTable.pp($0.upper))]\($0.excludesZero ? " *" : "")"
                    } ?? "-"
                return [
                    name, String(c.entered), String(c.created), String(c.delivered),
                    String(c.terminalStates[TerminalState.fellBack.name] ?? 0),
                    c.conversionEvent == nil ? "-" : "\(c.treatment.conversions)/\(c.treatment.exposures)",
                    c.conversionEvent != nil && c.control.exposures > 0
                        ? "\(c.control.conversions)/\(c.control.exposures)" : "-", lift,
                ]
            }
            out += table(
                [
                    "campaign", "entered", "created", "delivered", "fell back", "treated conv.", "control conv.",
                    "lift (95% CI)",
                ], rows)
            out += "\nLift: treatment minus control conversion rate, percentage points; * = significant at 95%.\n"
        }
        out += "\n## Per day\n\n"
        out += table(
            ["date", "sessions", "cart adds", "abandoned", "purchases", "revenue", "delivered", "unhappy", "opt-outs"],
            summary.daily.map { d in
                [
                    d.date, String(d.sessions), String(d.cartAdds), String(d.abandonedCarts), String(d.purchases),
                    SummaryTable.money(d.revenue), String(d.messagesDelivered), String(d.unhappyMessages),
                    String(d.optOuts),
                ]
            })
        return out
    }

    /// A GitHub-flavoured Markdown table; `|` inside cells is escaped.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return line(header) + "|" + header.indices.map { $0 == 0 ? " --- |" : " ---: |" }.joined() + "\n"
            + rows.map(line).joined()
    }
}
