/// A journey program's counts in a run record, with the names they are counted under, so merged
/// shards summarise without the scenario file.
public struct JourneyRecord: Sendable, Equatable, Codable {
    public var stateNames: [String]
    public var customEventNames: [String]
    public var metrics: JourneyMetrics

    init(model: JourneyModel, metrics: JourneyMetrics) {
        stateNames = model.stateNames
        customEventNames = model.catalog.custom.map(\.name)
        self.metrics = metrics
    }

    var shapeProblem: String? {
        let checks: [(String, Int, Int)] = [
            ("journey.metrics.state_entries", metrics.stateEntries.count, stateNames.count),
            ("journey.metrics.state_exits", metrics.stateExits.count, stateNames.count),
            ("journey.metrics.state_dwell_milliseconds", metrics.stateDwellMilliseconds.count, stateNames.count),
            ("journey.metrics.custom_events", metrics.customEvents.count, customEventNames.count),
            ("journey.metrics.reactions_taken", metrics.reactionsTaken.count, JourneyGraph.reactionTriggers.count),
        ]
        for (field, found, expected) in checks where found != expected {
            return "\(field) has \(found) entries where \(expected) were expected"
        }
        return nil
    }
}

/// The journey section of `summary.json`: counts per custom event, and a funnel over the
/// journey's own states (entries, exits and the mean time spent in a state per entry).
public struct JourneySummary: Codable, Sendable, Equatable {
    public struct StateSummary: Codable, Sendable, Equatable {
        public var entries: Int
        public var exits: Int
        /// Time spent in the state per entry, in hours, stays still under way at the end counted
        /// up to the end (nil: nobody entered it). A junction (a state that only chooses where to
        /// go next) reads 0.
        public var meanDwellHours: Double?
    }

    public var events: [String: Int]
    public var states: [String: StateSummary]
    /// Reactions to messages that moved a customer, per trigger (message_clicked, …, unhappy).
    public var reactions: [String: Int]

    init(record: JourneyRecord) {
        var events: [String: Int] = [:]
        for (index, name) in record.customEventNames.enumerated() { events[name] = record.metrics.customEvents[index] }
        self.events = events
        var states: [String: StateSummary] = [:]
        for (index, name) in record.stateNames.enumerated() {
            let entries = record.metrics.stateEntries[index]
            let dwell =
                entries > 0
                ? rounded(Double(record.metrics.stateDwellMilliseconds[index]) / Double(entries) / 3_600_000) : nil
            states[name] = StateSummary(
                entries: entries, exits: record.metrics.stateExits[index], meanDwellHours: dwell)
        }
        self.states = states
        var reactions: [String: Int] = [:]
        for (index, name) in JourneyGraph.reactionTriggers.enumerated() where record.metrics.reactionsTaken[index] > 0 {
            reactions[name] = record.metrics.reactionsTaken[index]
        }
        self.reactions = reactions
    }
}
