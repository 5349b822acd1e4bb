/// The terminal summary: the figures a person checks first, as aligned plain-text tables.
public enum SummaryTable {
    public static func render(_ summary: RunSummary) -> String {
        var out = ""
        let s = summary.scenario
        out +=
            "journeysim run: \(s.name), seed \(s.seed), \(s.customers) customers, \(s.durationDays.formatted6) days from \(s.start)\n"
        if !summary.complete {
            out += "INTERRUPTED: simulated until \(summary.simulatedUntil); figures cover that span only\n"
        }
        out += "\n"
        let header = [
            "slice", "customers", "sessions", "carts", "abandoned", "purchases", "conversion", "revenue", "AOV",
            "days→buy",
        ]
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
            let value = summary.multichannelEffect.orderValueRatio
        {
            out +=
                "; multichannel \(summary.multichannelEffect.archetypes.joined(separator: "/")) customers buy \(frequency.formatted2)× as often, spend \(value.formatted2)× per order"
        }
        out += "\n"
        if let messaging = summary.messaging { out += render(messaging) }
        return out
    }

    /// Campaign terminal states, treatment versus control, and channel reactions.
    static func render(_ m: MessagingSummary) -> String {
        var out = "\n"
        let states: [(TerminalState, String)] = [
            (.sent, "sent"), (.fellBack, "fell back"), (.suppressedByCap, "capped"), (.droppedByWindow, "window"),
            (.cancelledByException, "cancelled"), (.heldOut, "held out"), (.suppressedOptedOut, "opted out"),
            (.suppressedNoReachableChannel, "unreachable"), (.suppressedAudience, "audience"), (.expired, "expired"),
            (.aborted, "aborted"), (.skippedFlowExit, "flow exit"), (.pendingAtEnd, "pending"),
        ]
        var rows: [[String]] = []
        for name in m.campaigns.keys.sorted() {
            let c = m.campaigns[name]!
            rows.append(
                [name, String(c.entered), String(c.created)] + states.map { String(c.terminalStates[$0.0.name] ?? 0) }
                    + [String(c.delivered)])
            if c.steps.count > 1 {
                for step in c.steps where step.created > 0 {
                    rows.append(
                        ["  " + step.step, "", String(step.created)]
                            + states.map { String(step.terminalStates[$0.0.name] ?? 0) } + [""])
                }
            }
        }
        out += table(header: ["campaign / step", "entered", "created"] + states.map(\.1) + ["delivered"], rows: rows)
        out += "\n"
        var liftRows: [[String]] = []
        for name in m.campaigns.keys.sorted() {
            let c = m.campaigns[name]!
            guard c.treatment.exposures > 0, c.conversionEvent != nil else { continue }
            let lift =
                c.lift.map { "\(pp($0.estimate)) [\(pp($0.lower)), \(pp($0.upper))]\($0.excludesZero ? " *" : "")" }
                ?? "no control group"
            liftRows.append([
                name, "\(c.treatment.conversions)/\(c.treatment.exposures)",
                percent(c.treatment.conversionRate.estimate),
                c.control.exposures > 0 ? "\(c.control.conversions)/\(c.control.exposures)" : "-",
                c.control.exposures > 0 ? percent(c.control.conversionRate.estimate) : "-", lift,
            ])
        }
        if !liftRows.isEmpty {
            out += table(
                header: ["campaign", "treated conv.", "rate", "control conv.", "rate", "lift (95% CI)"], rows: liftRows)
            out += "lift = treatment minus control conversion rate in percentage points; * = significant at 95%\n\n"
        }
        var channelRows: [[String]] = []
        for channel in Channel.allCases {
            guard let c = m.byChannel[channel.name] else { continue }
            channelRows.append([
                channel.name, String(c.attempts), String(c.delivered), String(c.failed), percent(c.openRate),
                percent(c.clickRate), String(c.unhappy), String(c.optOuts), money(c.costUSD),
            ])
        }
        out += table(
            header: [
                "channel", "attempts", "delivered", "failed", "opened", "clicked", "unhappy", "opt-outs", "cost $",
            ], rows: channelRows)
        let t = m.totals
        out +=
            "\nmessages: \(t.messagesDelivered) delivered to \(t.recipients) customers (\(t.messagesPerCustomerPerWeek.formatted2) per customer per week); "
        out +=
            "\(t.unhappyMessages) left the recipient unhappy, \(t.optOuts) opt-outs (\(percent(t.optOutShareOfUnhappy)) of unhappy); "
        out += "revenue per message \(money(t.revenuePerMessage)); carts recovered by a click \(t.cartReturns)"
        out +=
            m.terminalStatesConserved
            ? "; every message accounted for\n" : "; WARNING: message accounting does not add up\n"
        return out
    }

    static func pp(_ share: Double) -> String { "\(share >= 0 ? "+" : "")\((share * 100).formatted2)pp" }

    static func row(_ name: String, _ f: FunnelSummary) -> [String] {
        [
            name, f.customers.map(String.init) ?? "-", String(f.sessions), String(f.cartAdds), String(f.abandonedCarts),
            String(f.purchases), f.customerConversion.map(percent) ?? "-", money(f.revenue), money(f.averageOrderValue),
            f.meanDaysToPurchase.formatted2,
        ]
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

    /// `1,234.50`, `-0.38`: the sign is taken apart from the digits, so an amount between -1 and
    /// 0 keeps it.
    static func money(_ value: Double) -> String {
        let cents = Int64((value * 100).rounded())
        let fraction = cents.magnitude % 100
        return (cents < 0 ? "-" : "") + ChartValueFormat.grouped(Int64(cents.magnitude / 100)) + "."
            + (fraction < 10 ? "0" : "") + String(fraction)
    }
}

extension Double {
    /// Two decimals, for people.
    var formatted2: String {
        let cents = Int64((self * 100).rounded())
        let fraction = abs(cents % 100)
        return (cents < 0 && cents > -100 ? "-" : "") + String(cents / 100) + "." + (fraction < 10 ? "0" : "")
            + String(fraction)
    }
}
