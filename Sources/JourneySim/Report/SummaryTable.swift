/// The terminal summary: the figures a person checks first, as aligned plain-text tables.
public enum SummaryTable {
    public static func render(_ summary: RunSummary) -> String {
        var out = ""
        let s = summary.scenario
        out += "journeysim run: \(s.name), seed \(s.seed), \(s.customers) customers, \(s.durationDays.formatted6) days from \(s.start)\n"
        if !summary.complete { out += "INTERRUPTED: simulated until \(summary.simulatedUntil); figures cover that span only\n" }
        out += "\n"
        let header = ["slice", "customers", "sessions", "carts", "abandoned", "purchases", "conversion", "revenue", "AOV", "days→buy"]
        var rows: [[String]] = [row("all", summary.totals)]
        for archetype in Archetype.allCases {
            if let funnel = summary.byArchetype[archetype.name] { rows.append(row(archetype.name, funnel)) }
        }
        out += table(header: header, rows: rows)
        out += "\n"
        var channelRows: [[String]] = []
        for channel in Channel.allCases {
            guard let funnel = summary.byChannel[channel.name], funnel.sessions > 0 else { continue }
            channelRows.append(row(channel.name, funnel))
        }
        if !channelRows.isEmpty {
            out += table(header: ["channel"] + header.dropFirst(), rows: channelRows)
            out += "\n"
        }
        out += "conversion = share of customers who bought; abandoned = sessions ended with a non-empty cart\n"
        out += "customers with 3–5 channels: \(percent(summary.population.shareWith3To5Channels))"
        if let frequency = summary.multichannelEffect.purchaseFrequencyRatio,
           let value = summary.multichannelEffect.orderValueRatio {
            out += "; multichannel \(summary.multichannelEffect.archetypes.joined(separator: "/")) customers buy \(frequency.formatted2)× as often, spend \(value.formatted2)× per order"
        }
        out += "\n"
        return out
    }

    static func row(_ name: String, _ f: FunnelSummary) -> [String] {
        [name, f.customers.map(String.init) ?? "-", String(f.sessions), String(f.cartAdds), String(f.abandonedCarts),
         String(f.purchases), f.customerConversion.map(percent) ?? "-", money(f.revenue), money(f.averageOrderValue),
         f.meanDaysToPurchase.formatted2]
    }

    static func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ") + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }

    static func percent(_ share: Double) -> String { "\((share * 100).formatted2)%" }

    static func money(_ value: Double) -> String {
        let cents = Int64((value * 100).rounded())
        let whole = String(cents / 100)
        var grouped = ""
        for (i, ch) in whole.reversed().enumerated() {
            if i > 0, i % 3 == 0, ch != "-" { grouped.append(",") }
            grouped.append(ch)
        }
        let fraction = abs(cents % 100)
        return String(grouped.reversed()) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

extension Double {
    /// Two decimals, for people.
    var formatted2: String {
        let cents = Int64((self * 100).rounded())
        let fraction = abs(cents % 100)
        return (cents < 0 && cents > -100 ? "-" : "") + String(cents / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
