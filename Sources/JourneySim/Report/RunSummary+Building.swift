extension RunSummary {
    /// Summarises a finished (or interrupted) simulation.
    public init<Observer>(simulator sim: Simulator<Observer>, complete: Bool) {
        let scenario = sim.scenario
        let population = sim.population
        let metrics = sim.metrics
        self.complete = complete
        simulatedUntil = sim.now.iso8601
        self.scenario = ScenarioInfo(
            name: scenario.name, seed: scenario.seed, start: scenario.start.iso8601, end: scenario.end.iso8601,
            durationDays: rounded(scenario.duration.days), customers: population.count)
        totals = FunnelSummary(metrics.totals, customers: sim.customerCounts())
        var archetypes: [String: FunnelSummary] = [:]
        for archetype in Archetype.allCases {
            archetypes[archetype.name] = FunnelSummary(metrics.byArchetype[Int(archetype.rawValue)],
                                                       customers: sim.customerCounts(archetype: archetype))
        }
        byArchetype = archetypes
        var channels: [String: FunnelSummary] = [:]
        for channel in Channel.allCases {
            channels[channel.name] = FunnelSummary(metrics.byChannel[Int(channel.rawValue)], customers: nil)
        }
        byChannel = channels

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
        stageTransitions = transitions

        var countHistogram = [Int](repeating: 0, count: Channel.allCases.count + 1)
        var archetypeCounts = [Int](repeating: 0, count: Archetype.allCases.count)
        var withEffect = 0
        for id in 0..<population.count {
            countHistogram[population.channels[id].count] += 1
            archetypeCounts[Int(population.archetype[id].rawValue)] += 1
            if population.frequencyMultiplier[id] != 1 || population.spendMultiplier[id] != 1 { withEffect += 1 }
        }
        var countShare: [String: Double] = [:]
        for (count, customers) in countHistogram.enumerated() where customers > 0 {
            countShare[String(count)] = ratio(customers, population.count)
        }
        do {
            self.population = PopulationSummary(
                channelCountShare: countShare,
                shareWith3To5Channels: ratio(countHistogram[3] + countHistogram[4] + countHistogram[5], population.count),
                multichannelShare: ratio(withEffect, population.count),
                archetypeShare: Dictionary(uniqueKeysWithValues: Archetype.allCases.map {
                    ($0.name, ratio(archetypeCounts[Int($0.rawValue)], population.count))
                }))
        }
        let hourTotal = metrics.sessionsByLocalHour.reduce(0, +)
        sessionsByLocalHour = metrics.sessionsByLocalHour.map { ratio($0, hourTotal) }

        let effect = scenario.population.multichannel
        var groupCustomers = [0, 0]
        for id in 0..<population.count where effect.archetypes[Int(population.archetype[id].rawValue)] {
            groupCustomers[population.frequencyMultiplier[id] != 1 || population.spendMultiplier[id] != 1 ? 1 : 0] += 1
        }
        let purchases = metrics.multichannelPurchases, revenue = metrics.multichannelRevenueCents
        var frequencyRatio: Double?, valueRatio: Double?
        if groupCustomers[0] > 0, groupCustomers[1] > 0, purchases[0] > 0, purchases[1] > 0 {
            frequencyRatio = rounded((Double(purchases[1]) / Double(groupCustomers[1])) / (Double(purchases[0]) / Double(groupCustomers[0])))
            valueRatio = rounded((Double(revenue[1]) / Double(purchases[1])) / (Double(revenue[0]) / Double(purchases[0])))
        }
        multichannelEffect = MultichannelSummary(
            archetypes: Archetype.allCases.filter { effect.archetypes[Int($0.rawValue)] }.map(\.name),
            purchaseFrequencyRatio: frequencyRatio, orderValueRatio: valueRatio)

        daily = metrics.daily.enumerated().map { day, counts in
            DailySummary(date: (scenario.start + .days(Double(day))).isoDate, sessions: counts.sessions,
                         cartAdds: counts.cartAdds, abandonedCarts: counts.abandonedCarts,
                         purchases: counts.purchases, revenue: Double(counts.revenueCents) / 100)
        }
        eventsProcessed = metrics.eventsProcessed
    }
}
