/// The HTML report of one run (`report.html`): a headline table and charts of the journey
/// funnel, the daily series, campaign outcomes and channels, each with its exact numbers.
public enum RunReportPage {
    /// Chart ids (`chart-<id>` in the page), in page order.
    public static let chartIDs = [
        "headline", "funnel", "daily-conversion-revenue", "daily-messaging", "campaign-conversion",
        "campaign-lift", "terminal-states", "channel-mix", "fallbacks",
    ]

    public static func html(_ summary: RunSummary) -> String {
        let s = summary.scenario
        var page = HTMLReportDocument(
            title: "journeysim report: \(s.name)",
            subtitle:
                "seed \(s.seed), \(ChartValueFormat.count.exact(Double(s.customers))) customers, \(s.durationDays.formatted6) simulated days from \(s.start) to \(s.end)"
        )
        if !summary.complete {
            page.raw(
                "<p class=\"warning\">Interrupted run: simulated until \(HTMLText.escape(summary.simulatedUntil)); every figure covers that span only.</p>"
            )
        }
        page.heading("Headline")
        page.raw(
            "<figure class=\"chart\" id=\"chart-headline\">\n<figcaption>Headline figures</figcaption>\n\(twoColumns(headline(summary)).html())</figure>"
        )
        page.heading("Journeys")
        funnel(summary, into: &page)
        if let journey = summary.journey { journeyStates(journey, into: &page) }
        daily(summary, into: &page)
        page.heading("Messaging")
        messaging(summary, into: &page)
        page.heading("Channels")
        channels(summary, into: &page)
        return page.html()
    }

    static func headline(_ summary: RunSummary) -> HTMLTable {
        let t = summary.totals
        let count = ChartValueFormat.count
        var rows: [[String]] = [
            ["customers", count.exact(Double(t.customers ?? summary.scenario.customers))],
            ["sessions", count.exact(Double(t.sessions))],
            ["cart adds", count.exact(Double(t.cartAdds))],
            ["abandoned carts", count.exact(Double(t.abandonedCarts))],
            ["checkouts", count.exact(Double(t.checkouts))],
            ["purchases", count.exact(Double(t.purchases))],
            ["customer conversion (bought at least once)", t.customerConversion.map(SummaryTable.percent) ?? "-"],
            ["cart abandonment rate", SummaryTable.percent(t.cartAbandonmentRate)],
            ["revenue", SummaryTable.money(t.revenue)],
            ["average order value", SummaryTable.money(t.averageOrderValue)],
            ["days from need to purchase", t.meanDaysToPurchase.formatted2],
            ["customers with 3–5 channels", SummaryTable.percent(summary.population.shareWith3To5Channels)],
        ]
        if let frequency = summary.multichannelEffect.purchaseFrequencyRatio,
            let value = summary.multichannelEffect.orderValueRatio
        {
            rows.append([
                "multichannel customers: purchase frequency × / order value ×",
                "\(frequency.formatted2) / \(value.formatted2)",
            ])
        }
        if let m = summary.messaging?.totals {
            rows += [
                ["messages created", count.exact(Double(m.messagesCreated))],
                ["messages delivered", count.exact(Double(m.messagesDelivered))],
                ["messages per customer per week", m.messagesPerCustomerPerWeek.formatted2],
                ["unhappy messages", count.exact(Double(m.unhappyMessages))],
                [
                    "opt-outs (share of unhappy)",
                    "\(count.exact(Double(m.optOuts))) (\(SummaryTable.percent(m.optOutShareOfUnhappy)))",
                ],
                ["carts recovered by a message click", count.exact(Double(m.cartReturns))],
                [
                    "purchases after a message click (revenue)",
                    "\(count.exact(Double(m.messagePurchases))) (\(SummaryTable.money(m.messageRevenue)))",
                ],
                ["revenue per delivered message", SummaryTable.money(m.revenuePerMessage)],
                ["messaging cost (USD)", SummaryTable.money(m.costUSD)],
            ]
        }
        rows.append(["events processed", count.exact(Double(summary.eventsProcessed))])
        return HTMLTable(header: ["figure", "value"], rows: rows, cssClass: "headline")
    }

    /// The headline rows side by side in two column pairs, so the table takes half the height.
    static func twoColumns(_ table: HTMLTable) -> HTMLTable {
        let half = (table.rows.count + 1) / 2
        let rows = (0..<half).map { index in table.rows[index] + (table.rows[safe: index + half] ?? ["", ""]) }
        return HTMLTable(header: table.header + table.header, rows: rows, cssClass: table.cssClass)
    }

    static func funnel(_ summary: RunSummary, into page: inout HTMLReportDocument) {
        let archetypes = Archetype.allCases.map(\.name).filter { summary.byArchetype[$0] != nil }
        let stages: [(String, KeyPath<FunnelSummary, Int>)] = [
            ("sessions", \.sessions), ("carts", \.cartAdds),
            ("checkouts", \.checkouts), ("purchases", \.purchases),
        ]
        let chart = BarChart(
            categories: archetypes,
            series: stages.enumerated().map { index, stage in
                BarChart.Series(
                    name: stage.0, color: ChartPalette.color(index),
                    values: archetypes.map { Double(summary.byArchetype[$0]![keyPath: stage.1]) })
            })
        let rows = (archetypes + ["all"]).map { name -> [String] in
            let f = name == "all" ? summary.totals : summary.byArchetype[name]!
            return [
                name, String(f.customers ?? 0), String(f.sessions), String(f.cartAdds), String(f.checkouts),
                String(f.purchases),
                String(f.abandonedCarts), f.customerConversion.map(SummaryTable.percent) ?? "-",
                SummaryTable.money(f.revenue),
            ]
        }
        page.figure(
            id: "funnel", caption: "Journey funnel by archetype: sessions → carts → checkouts → purchases",
            svg: chart.svg(label: "Journey funnel by archetype"),
            note:
                "carts = items added to a cart; conversion = share of the archetype's customers who bought at least once.",
            data: HTMLTable(
                header: [
                    "archetype", "customers", "sessions", "carts", "checkouts", "purchases", "abandoned",
                    "conversion", "revenue",
                ], rows: rows))
    }

    /// A scenario's own journey: a funnel over its states (entries, most first), the mean stay
    /// in each, and its custom events. Only in reports of runs with a `journey:`.
    static func journeyStates(_ journey: JourneySummary, into page: inout HTMLReportDocument) {
        let states = journey.states.sorted { ($1.value.entries, $0.key) < ($0.value.entries, $1.key) }
        let shown = Array(states.prefix(30))
        let chart = BarChart(
            categories: shown.map(\.key),
            series: [
                .init(name: "entries", color: ChartPalette.color(0), values: shown.map { Double($0.value.entries) })
            ], valueLabels: shown.count <= 24)
        let rows = states.map { name, state -> [String] in
            [name, String(state.entries), String(state.exits), state.meanDwellHours.map { $0.formatted6 } ?? "-"]
        }
        page.figure(
            id: "journey-states", caption: "The journey's states: how often customers entered each one",
            svg: chart.svg(label: "Entries per journey state"),
            note:
                "mean stay = time in the state before leaving it, over the customers who left it\(states.count > 30 ? "; the chart shows the 30 most entered states" : "").",
            data: HTMLTable(header: ["state", "entries", "exits", "mean stay (h)"], rows: rows))
        if !journey.events.isEmpty {
            let events = journey.events.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            page.raw(
                "<figure class=\"chart\" id=\"chart-journey-events\">\n<figcaption>Custom events</figcaption>\n"
                    + HTMLTable(header: ["event", "count"], rows: events.map { [$0.key, String($0.value)] }).html()
                    + "</figure>")
        }
    }

    static func dayLabel(_ date: String) -> String { date.count == 10 ? String(date.suffix(5)) : date }

    static func daily(_ summary: RunSummary, into page: inout HTMLReportDocument) {
        guard !summary.daily.isEmpty else {
            page.missingFigure(
                id: "daily-conversion-revenue", caption: "Conversion and revenue per day",
                reason: "The run covers no whole day.")
            return
        }
        let labels = summary.daily.map { dayLabel($0.date) }
        let chart = LineChart(
            labels: labels,
            series: [
                .init(name: "revenue", color: ChartPalette.color(0), values: summary.daily.map(\.revenue)),
                .init(
                    name: "purchases per session", color: ChartPalette.color(3),
                    values: summary.daily.map { $0.sessions > 0 ? Double($0.purchases) / Double($0.sessions) : 0 },
                    rightAxis: true),
            ], leftFormat: .money, rightFormat: .percent, leftTitle: "revenue", rightTitle: "purchases per session")
        let rows = summary.daily.map { d in
            [
                d.date, String(d.sessions), String(d.cartAdds), String(d.abandonedCarts), String(d.purchases),
                d.sessions > 0 ? SummaryTable.percent(Double(d.purchases) / Double(d.sessions)) : "-",
                SummaryTable.money(d.revenue),
            ]
        }
        page.figure(
            id: "daily-conversion-revenue", caption: "Conversion and revenue per simulated day (UTC dates)",
            svg: chart.svg(label: "Revenue and purchases per session per day"),
            data: HTMLTable(
                header: [
                    "date", "sessions", "cart adds", "abandoned carts", "purchases", "purchases per session", "revenue",
                ],
                rows: rows))
    }

    static func messaging(_ summary: RunSummary, into page: inout HTMLReportDocument) {
        guard let m = summary.messaging else {
            for (id, caption) in [
                ("daily-messaging", "Messages delivered per day against opt-outs and unhappy messages"),
                ("campaign-conversion", "Campaign conversion, treatment vs control"),
                ("campaign-lift", "Lift of each campaign"), ("terminal-states", "Terminal states per campaign"),
                ("fallbacks", "Fallbacks per campaign"),
            ] {
                page.missingFigure(
                    id: id, caption: caption, reason: "The scenario has no campaigns, so no messages were sent.")
            }
            return
        }
        if !summary.daily.isEmpty { dailyMessaging(summary.daily, m, into: &page) }
        let names = m.campaigns.keys.sorted()
        campaignConversion(m, names, into: &page)
        campaignLift(m, names, into: &page)
        terminalStates(m, names, into: &page)
        fallbacks(m, names, into: &page)
    }

    /// Messages delivered per day, against unhappy messages and opt-outs on the right axis.
    private static func dailyMessaging(
        _ daily: [RunSummary.DailySummary], _ m: MessagingSummary, into page: inout HTMLReportDocument
    ) {
        let labels = daily.map { dayLabel($0.date) }
        let chart = LineChart(
            labels: labels,
            series: [
                .init(
                    name: "messages delivered", color: ChartPalette.color(0),
                    values: daily.map { Double($0.messagesDelivered) }),
                .init(
                    name: "unhappy messages", color: ChartPalette.color(1),
                    values: daily.map { Double($0.unhappyMessages) }, rightAxis: true),
                .init(
                    name: "opt-outs", color: ChartPalette.color(3),
                    values: daily.map { Double($0.optOuts) }, rightAxis: true, dashed: true),
            ], leftTitle: "delivered", rightTitle: "unhappy / opt-outs")
        let rows = daily.map {
            [$0.date, String($0.messagesDelivered), String($0.unhappyMessages), String($0.optOuts)]
        }
        page.figure(
            id: "daily-messaging", caption: "Messages delivered per day against opt-outs and unhappy messages",
            svg: chart.svg(label: "Messages delivered, unhappy messages and opt-outs per day"),
            note:
                "\(m.totals.optOuts) opt-outs from \(m.totals.unhappyMessages) unhappy messages (\(SummaryTable.percent(m.totals.optOutShareOfUnhappy))); the source figure is 78%.",
            data: HTMLTable(header: ["date", "delivered", "unhappy", "opt-outs"], rows: rows))
    }

    /// The conversion rate of treated and control customers per campaign that has a conversion
    /// event and reached someone, with 95% intervals.
    private static func campaignConversion(
        _ m: MessagingSummary, _ names: [String], into page: inout HTMLReportDocument
    ) {
        let exposed = names.filter {
            m.campaigns[$0]!.conversionEvent != nil
                && (m.campaigns[$0]!.treatment.exposures > 0 || m.campaigns[$0]!.control.exposures > 0)
        }
        guard !exposed.isEmpty else {
            page.missingFigure(
                id: "campaign-conversion", caption: "Campaign conversion, treatment vs control",
                reason: "No campaign reached a customer or a control-group member.")
            return
        }
        let groups: [(String, String, KeyPath<MessagingSummary.CampaignSummary, MessagingSummary.GroupOutcome>)] = [
            ("treatment (received)", ChartPalette.treatment, \.treatment),
            ("control (held out)", ChartPalette.control, \.control),
        ]
        let chart = BarChart(
            categories: exposed,
            series: groups.map { group in
                BarChart.Series(
                    name: group.0, color: group.1,
                    values: exposed.map {
                        m.campaigns[$0]![keyPath: group.2].exposures > 0
                            ? m.campaigns[$0]![keyPath: group.2].conversionRate.estimate : .nan
                    },
                    intervals: exposed.map {
                        m.campaigns[$0]![keyPath: group.2].exposures > 0
                            ? m.campaigns[$0]![keyPath: group.2].conversionRate : nil
                    })
            }, format: .percent)
        let rows = exposed.map { name -> [String] in
            let c = m.campaigns[name]!
            func rate(_ g: MessagingSummary.GroupOutcome) -> String {
                g.exposures > 0
                    ? "\(SummaryTable.percent(g.conversionRate.estimate)) [\(SummaryTable.percent(g.conversionRate.lower)), \(SummaryTable.percent(g.conversionRate.upper))]"
                    : "-"
            }
            return [
                name, String(c.treatment.exposures), String(c.treatment.conversions), rate(c.treatment),
                String(c.control.exposures), String(c.control.conversions), rate(c.control),
                c.lift.map {
                    "\(SummaryTable.pp($0.estimate)) [\(SummaryTable.pp($0.lower)), \(SummaryTable.pp($0.upper))]"
                } ?? "no control group",
            ]
        }
        page.figure(
            id: "campaign-conversion",
            caption: "Campaign conversion (abandoned-cart recovery and others), treatment vs control, with 95% CIs",
            svg: chart.svg(label: "Conversion rate of treated and control customers per campaign"),
            note:
                "Conversion = the campaign's conversion event within its window after a message (treatment) or a held-out send (control). Whiskers: 95% Wilson intervals.",
            data: HTMLTable(
                header: [
                    "campaign", "treated", "converted", "rate [95% CI]", "control", "converted", "rate [95% CI]",
                    "lift [95% CI]",
                ],
                rows: rows))
    }

    /// The lift (treatment minus control conversion) of each campaign with a measured control group.
    private static func campaignLift(_ m: MessagingSummary, _ names: [String], into page: inout HTMLReportDocument) {
        let lifts = names.compactMap { name in
            m.campaigns[name]!.lift.map { IntervalChart.Row(label: name, interval: $0) }
        }
        if lifts.isEmpty {
            page.missingFigure(
                id: "campaign-lift", caption: "Lift of each campaign (treatment minus control)",
                reason: "No campaign has a control group with exposures, so no lift can be measured.")
        } else {
            page.figure(
                id: "campaign-lift",
                caption: "Lift of each campaign: treatment minus control conversion, percentage points, 95% CI",
                svg: IntervalChart(rows: lifts).svg(label: "Lift per campaign with 95% confidence intervals"),
                note:
                    "Newcombe intervals for a difference of proportions; * = the interval excludes zero (significant at 95%)."
            )
        }
    }

    /// How each campaign's messages ended, stacked (only the terminal states some campaign has).
    private static func terminalStates(
        _ m: MessagingSummary, _ names: [String], into page: inout HTMLReportDocument
    ) {
        let states = TerminalState.allCases.map(\.name).filter { state in
            names.contains { (m.campaigns[$0]!.terminalStates[state] ?? 0) > 0 }
        }
        let stacked = BarChart(
            categories: names,
            series: states.enumerated().map { index, state in
                BarChart.Series(
                    name: state, color: ChartPalette.color(index),
                    values: names.map { Double(m.campaigns[$0]!.terminalStates[state] ?? 0) })
            }, stacked: true)
        page.figure(
            id: "terminal-states", caption: "Terminal states per campaign (every message created ends in exactly one)",
            svg: stacked.svg(label: "Terminal states per campaign, stacked"),
            note: m.terminalStatesConserved
                ? "Every message is accounted for." : "WARNING: message accounting does not add up.",
            data: HTMLTable(
                header: ["campaign", "created", "delivered"] + states,
                rows: names.map { name in
                    let c = m.campaigns[name]!
                    return [name, String(c.created), String(c.delivered)]
                        + states.map { String(c.terminalStates[$0] ?? 0) }
                }))
    }

    /// Messages sent on a fallback channel and fallback attempts, per campaign.
    private static func fallbacks(_ m: MessagingSummary, _ names: [String], into page: inout HTMLReportDocument) {
        let chart = BarChart(
            categories: names,
            series: [
                .init(
                    name: "messages sent on a fallback channel (fell_back)", color: ChartPalette.color(1),
                    values: names.map { Double(m.campaigns[$0]!.terminalStates[TerminalState.fellBack.name] ?? 0) }),
                .init(
                    name: "fallback attempts", color: ChartPalette.color(4),
                    values: names.map { Double(m.campaigns[$0]!.fallbackAttempts) }),
            ], height: 300)
        page.figure(
            id: "fallbacks", caption: "Fallbacks per campaign",
            svg: chart.svg(label: "Fallback messages and attempts per campaign"),
            note:
                "A fallback happens when the first channel cannot reach the customer or reports a delivery failure (e.g. WhatsApp not installed → SMS).",
            data: HTMLTable(
                header: ["campaign", "fell back", "fallback attempts", "failed"],
                rows: names.map {
                    [
                        $0, String(m.campaigns[$0]!.terminalStates[TerminalState.fellBack.name] ?? 0),
                        String(m.campaigns[$0]!.fallbackAttempts), String(m.campaigns[$0]!.failed),
                    ]
                }))
    }

    static func channels(_ summary: RunSummary, into page: inout HTMLReportDocument) {
        let names = Channel.allCases.map(\.name).filter { (summary.byChannel[$0]?.sessions ?? 0) > 0 }
        let messages = summary.messaging?.byChannel ?? [:]
        var series: [BarChart.Series] = [
            .init(
                name: "sessions", color: ChartPalette.color(0),
                values: names.map { Double(summary.byChannel[$0]!.sessions) })
        ]
        if !messages.isEmpty {
            series.append(
                .init(
                    name: "messages delivered", color: ChartPalette.color(2),
                    values: names.map { Double(messages[$0]?.delivered ?? 0) }))
        }
        let chart = BarChart(categories: names, series: series, valueLabels: names.count * series.count <= 24)
        let rows = names.map { name -> [String] in
            let f = summary.byChannel[name]!
            let c = messages[name]
            return [
                name, String(f.sessions), String(f.purchases), SummaryTable.money(f.revenue),
                c.map { String($0.delivered) } ?? "-", c.map { String($0.failed) } ?? "-",
                c.map { SummaryTable.percent($0.openRate) } ?? "-", c.map { SummaryTable.percent($0.clickRate) } ?? "-",
                c.map { String($0.optOuts) } ?? "-",
            ]
        }
        page.figure(
            id: "channel-mix", caption: "Channel mix: sessions (and messages delivered) by channel",
            svg: chart.svg(label: "Sessions and delivered messages by channel"),
            data: HTMLTable(
                header: [
                    "channel", "sessions", "purchases", "revenue", "delivered", "failed", "open rate", "click rate",
                    "opt-outs",
                ],
                rows: rows))
    }
}
