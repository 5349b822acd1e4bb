/// Everything a run (or one shard of it) counted, in a form that merges exactly: integer
/// counters that add. `RunSummary` is computed from a record, so the summary of merged shards is
/// the summary of the whole run. Written as `record.json` beside the summary.
public struct RunRecord: Sendable, Equatable, Codable {
    public static let currentFormat = 1

    public var format = RunRecord.currentFormat
    public var scenarioName: String
    /// Digest of the scenario as run (file text and overrides): shards of different scenarios refuse to merge.
    public var scenarioDigest: String
    public var seed: UInt64
    /// The run's window (ms since the epoch) and the archetypes the multichannel effect covers:
    /// what a summary needs besides counts, so merged shards summarise without the scenario file.
    public var start: Int64
    public var duration: Int64
    public var multichannelArchetypes: [String]
    public var shards: ShardSet
    public var complete: Bool
    /// The virtual time the run reached (ms since the epoch).
    public var simulatedUntil: Int64
    public var metrics: RunMetrics
    /// Indexed by `Archetype.rawValue`.
    public var customersByArchetype: [CustomerCounts]
    /// Customers by channel count (index = number of channels).
    public var channelCountHistogram: [Int]
    /// Customers in the multichannel effect's archetypes without (0) and with (1) the effect.
    public var multichannelGroups: [Int]
    /// Campaign message accounting and message outcomes; nil when the scenario has no campaigns.
    public var triggers: TriggerStats?
    public var messaging: MessagingMetrics?
    /// Per campaign, a label per flow step (its `id`, or its kind and template).
    public var stepLabels: [[String]]?
    /// Per campaign, the conversion event attributed to it (nil: none configured).
    public var conversionEvents: [String?]?
    /// True for a shard (or merged shards) whose traffic left its fair share of a limit shared by
    /// all customers (`Simulator.sharedLimitMayBind`): such limits apply per shard, so merged
    /// shards may then differ from an unsharded run. Nil otherwise, so records where nothing
    /// binds are unchanged.
    public var sharedLimitMayBind: Bool?
    /// What the journey program counted (every run has one: the scenario's or the built-in
    /// e-commerce file; nil only in a record written before the journey file was the default).
    public var journey: JourneyRecord?

    public var customers: CustomerCounts {
        var total = CustomerCounts()
        for counts in customersByArchetype { total.merge(counts) }
        return total
    }

    /// Adds another shard's counts. The caller checks the shards belong together.
    public mutating func merge(_ other: RunRecord) {
        shards.merge(other.shards)
        complete = complete && other.complete
        simulatedUntil = min(simulatedUntil, other.simulatedUntil)
        metrics.merge(other.metrics)
        for i in customersByArchetype.indices { customersByArchetype[i].merge(other.customersByArchetype[i]) }
        for i in channelCountHistogram.indices { channelCountHistogram[i] += other.channelCountHistogram[i] }
        for i in multichannelGroups.indices { multichannelGroups[i] += other.multichannelGroups[i] }
        if let stats = other.triggers { triggers?.merge(stats) }
        if let counts = other.messaging { messaging?.merge(counts) }
        if other.sharedLimitMayBind == true { sharedLimitMayBind = true }
        if let counts = other.journey { journey?.metrics.merge(counts.metrics) }
    }
}

/// Which shards of an `n`-way partition a record covers.
public struct ShardSet: Sendable, Equatable, Codable {
    public var count: Int
    /// Sorted shard indices, 0-based.
    public var indices: [Int]

    public init(count: Int, indices: [Int]) {
        self.count = count
        self.indices = indices
    }

    public static let whole = ShardSet(count: 1, indices: [0])

    public var isComplete: Bool { indices == Array(0..<count) }

    public mutating func merge(_ other: ShardSet) {
        indices = (indices + other.indices).sorted()
    }
}

extension Simulator {
    /// The run's counts as a mergeable record.
    public func record(complete: Bool, digest: String, shards: ShardSet = .whole) -> RunRecord {
        var byArchetype = [CustomerCounts](repeating: CustomerCounts(), count: Archetype.allCases.count)
        var histogram = [Int](repeating: 0, count: Channel.allCases.count + 1)
        var groups = [0, 0]
        let effect = scenario.population.multichannel
        for id in 0..<population.count {
            let archetype = Int(population.archetype[id].rawValue)
            let purchases = Int(state.purchases[id])
            byArchetype[archetype].customers += 1
            byArchetype[archetype].purchases += purchases
            byArchetype[archetype].revenueCents += state.spentCents[id]
            if purchases >= 1 { byArchetype[archetype].buyers += 1 }
            if purchases >= 2 { byArchetype[archetype].repeatBuyers += 1 }
            histogram[population.channels[id].count] += 1
            if effect.archetypes[archetype] {
                groups[population.boosted[id] ? 1 : 0] += 1
            }
        }
        return RunRecord(
            scenarioName: scenario.name, scenarioDigest: digest, seed: scenario.seed,
            start: scenario.start.milliseconds, duration: scenario.duration.milliseconds,
            multichannelArchetypes: Archetype.allCases.filter { effect.archetypes[Int($0.rawValue)] }.map(\.name),
            shards: shards,
            complete: complete, simulatedUntil: now.milliseconds, metrics: metrics,
            customersByArchetype: byArchetype, channelCountHistogram: histogram, multichannelGroups: groups,
            triggers: messagingEnabled ? triggers.stats : nil, messaging: messagingEnabled ? messaging : nil,
            stepLabels: messagingEnabled ? scenario.triggers.campaigns.map(\.flow.stepLabels) : nil,
            conversionEvents: messagingEnabled ? scenario.triggers.campaigns.map { $0.conversion?.event.name } : nil,
            sharedLimitMayBind: sharedLimitMayBind ? true : nil,
            journey: JourneyRecord(model: journeyModel, metrics: journeyMetrics))
    }
}

extension RunRecord {
    /// What is wrong with a decoded record's shape (a hand-edited or truncated record.json), so
    /// merging reports it instead of indexing past an array's end; nil when it is well formed.
    public var shapeProblem: String? {
        let archetypes = Archetype.allCases.count
        let channels = Channel.allCases.count
        let checks: [(String, Int, Int)] = [
            ("metrics.by_archetype", metrics.byArchetype.count, archetypes),
            ("metrics.by_channel", metrics.byChannel.count, channels),
            (
                "metrics.transitions", metrics.transitions.count,
                archetypes * RunMetrics.transitionRows * RunMetrics.outcomes
            ),
            ("metrics.sessions_by_local_hour", metrics.sessionsByLocalHour.count, 24),
            ("metrics.events_by_kind", metrics.eventsByKind.count, EventKind.allCases.count),
            ("metrics.multichannel_purchases", metrics.multichannelPurchases.count, 2),
            ("metrics.multichannel_revenue_cents", metrics.multichannelRevenueCents.count, 2),
            ("customers_by_archetype", customersByArchetype.count, archetypes),
            ("channel_count_histogram", channelCountHistogram.count, channels + 1),
            ("multichannel_groups", multichannelGroups.count, 2),
            ("messaging.by_channel", messaging?.byChannel.count ?? channels, channels),
        ]
        for (field, found, expected) in checks where found != expected {
            return "\(field) has \(found) entries where \(expected) were expected"
        }
        if metrics.daily.isEmpty { return "metrics.daily is empty" }
        if let journey, let problem = journey.shapeProblem { return problem }
        if let stats = triggers, !stats.isWellFormed {
            return "triggers: the counters do not match the campaigns and steps"
        }
        return nil
    }
}
