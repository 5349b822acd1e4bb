extension RunSummary {
    /// Summarises a finished (or interrupted) simulation.
    public init<Observer>(simulator sim: Simulator<Observer>, complete: Bool) {
        self.init(record: sim.record(complete: complete, digest: ""))
    }

    /// Summarises a run's (or merged shards') record.
    public init(record: RunRecord) {
        let metrics = record.metrics
        let customers = record.customers
        let start = SimTime(milliseconds: record.start)
        let duration = SimDuration(milliseconds: record.duration)
        complete = record.complete
        simulatedUntil = SimTime(milliseconds: record.simulatedUntil).iso8601
        self.scenario = ScenarioInfo(
            name: record.scenarioName, seed: record.seed, start: start.iso8601, end: (start + duration).iso8601,
            durationDays: rounded(duration.days), customers: customers.customers)
        totals = FunnelSummary(metrics.totals, customers: customers)
        var archetypes: [String: FunnelSummary] = [:]
        for archetype in Archetype.allCases {
            archetypes[archetype.name] = FunnelSummary(
                metrics.byArchetype[Int(archetype.rawValue)],
                customers: record.customersByArchetype[Int(archetype.rawValue)])
        }
        byArchetype = archetypes
        var channels: [String: FunnelSummary] = [:]
        for channel in Channel.allCases {
            channels[channel.name] = FunnelSummary(metrics.byChannel[Int(channel.rawValue)], customers: nil)
        }
        byChannel = channels
        stageTransitions = RunSummary.transitionSummaries(metrics)
        population = RunSummary.populationSummary(record)
        let hourTotal = metrics.sessionsByLocalHour.reduce(0, +)
        sessionsByLocalHour = metrics.sessionsByLocalHour.map { ratio($0, hourTotal) }
        multichannelEffect = RunSummary.multichannelSummary(record)
        daily = metrics.daily.enumerated().map { day, counts in
            DailySummary(
                date: (start + .days(Double(day))).isoDate, sessions: counts.sessions,
                cartAdds: counts.cartAdds, abandonedCarts: counts.abandonedCarts,
                purchases: counts.purchases, revenue: Double(counts.revenueCents) / 100,
                messagesDelivered: counts.messagesDelivered, unhappyMessages: counts.unhappyMessages,
                optOuts: counts.optOuts)
        }
        if let stats = record.triggers, let counts = record.messaging {
            let reached = SimTime(milliseconds: record.simulatedUntil) - start
            messaging = MessagingSummary(
                stats: stats, messaging: counts, labels: record.stepLabels ?? [],
                conversionEvents: record.conversionEvents ?? [],
                customers: customers.customers, days: reached.days, revenueCents: metrics.totals.revenueCents)
        }
        journey = record.journey.map(JourneySummary.init(record:))
        eventsProcessed = metrics.eventsProcessed
    }

    /// Per archetype and stage (research, cart, checkout), the steps taken and the share of them
    /// that went to each next stage (an outcome a stage does not have is left out).
    private static func transitionSummaries(_ metrics: RunMetrics) -> [String: [String: TransitionSummary]] {
        var transitions: [String: [String: TransitionSummary]] = [:]
        let rowNames: [(stage: String, outcomes: [String?])] = [
            ("research", ["cart", "research", nil, "end"]),
            ("cart", ["checkout", "cart", "research", "end"]),
            ("checkout", ["purchase", nil, "research", "end"]),
        ]
        for archetype in Archetype.allCases {
            var rows: [String: TransitionSummary] = [:]
            for (row, names) in rowNames.enumerated() {
                let counts = (0..<RunMetrics.outcomes).map {
                    metrics.transitions[RunMetrics.transitionIndex(archetype: archetype, row: row, outcome: $0)]
                }
                let steps = counts.reduce(0, +)
                var shares: [String: Double] = [:]
                for (outcome, name) in names.outcomes.enumerated() {
                    if let name { shares[name] = ratio(counts[outcome], steps) }
                }
                rows[names.stage] = TransitionSummary(steps: steps, shares: shares)
            }
            transitions[archetype.name] = rows
        }
        return transitions
    }

    /// The population's shares: by number of channels, multichannel customers and archetypes.
    private static func populationSummary(_ record: RunRecord) -> PopulationSummary {
        let total = record.customers.customers
        let histogram = record.channelCountHistogram
        var countShare: [String: Double] = [:]
        for (count, customers) in histogram.enumerated() where customers > 0 {
            countShare[String(count)] = ratio(customers, total)
        }
        return PopulationSummary(
            channelCountShare: countShare,
            shareWith3To5Channels: ratio(histogram[3] + histogram[4] + histogram[5], total),
            multichannelShare: ratio(record.multichannelGroups[1], total),
            archetypeShare: Dictionary(
                uniqueKeysWithValues: Archetype.allCases.map {
                    ($0.name, ratio(record.customersByArchetype[Int($0.rawValue)].customers, total))
                }))
    }

    /// How multichannel customers buy compared with the others: the ratios of their purchase
    /// frequency and order value, when both groups have customers and purchases.
    private static func multichannelSummary(_ record: RunRecord) -> MultichannelSummary {
        let groups = record.multichannelGroups
        let purchases = record.metrics.multichannelPurchases
        let revenue = record.metrics.multichannelRevenueCents
        var frequencyRatio: Double?
        var valueRatio: Double?
        if groups[0] > 0, groups[1] > 0, purchases[0] > 0, purchases[1] > 0 {
            frequencyRatio = rounded(
                (Double(purchases[1]) / Double(groups[1])) / (Double(purchases[0]) / Double(groups[0])))
            valueRatio = rounded(
                (Double(revenue[1]) / Double(purchases[1])) / (Double(revenue[0]) / Double(purchases[0])))
        }
        return MultichannelSummary(
            archetypes: record.multichannelArchetypes, purchaseFrequencyRatio: frequencyRatio,
            orderValueRatio: valueRatio)
    }
}
