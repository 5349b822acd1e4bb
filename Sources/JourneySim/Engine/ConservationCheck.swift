/// The books of a run, balanced at its end: every customer event scheduled was processed once or
/// is still pending, and every message the trigger core created is in exactly one terminal
/// state (or still pending). Cheap (a few counters), so every run keeps it; `run --check`
/// turns a violation into an error.
public struct ConservationCheck: Sendable, Equatable {
    /// Customer events put on the event heap (including ones a later message made obsolete).
    public var eventsScheduled: Int
    /// Events taken off the heap and handled (obsolete ones are handled by being skipped).
    public var eventsProcessed: Int
    /// Events still on the heap when the run stopped.
    public var eventsPending: Int
    /// `TriggerStats.conservationViolations()` of the run; empty when the messages add up.
    public var messageViolations: [String]

    public init(eventsScheduled: Int, eventsProcessed: Int, eventsPending: Int, messageViolations: [String]) {
        self.eventsScheduled = eventsScheduled
        self.eventsProcessed = eventsProcessed
        self.eventsPending = eventsPending
        self.messageViolations = messageViolations
    }

    /// Everything that does not add up, one line each; empty when the run is sound.
    public var violations: [String] {
        var problems: [String] = []
        if eventsScheduled != eventsProcessed + eventsPending {
            problems.append(
                "events: scheduled \(eventsScheduled) != processed \(eventsProcessed) + pending \(eventsPending)")
        }
        if eventsProcessed < 0 || eventsPending < 0 { problems.append("events: a negative count") }
        return problems + messageViolations.map { "messages: \($0)" }
    }

    public var isBalanced: Bool { violations.isEmpty }

    /// Adds another shard's books (shards' events and messages are disjoint).
    public mutating func merge(_ other: ConservationCheck) {
        eventsScheduled += other.eventsScheduled
        eventsProcessed += other.eventsProcessed
        eventsPending += other.eventsPending
        messageViolations += other.messageViolations
    }
}

extension Simulator {
    /// Customer events scheduled since the start.
    public var eventsScheduled: Int { Int(queue.scheduledCount) }

    /// This run's books now; see `ConservationCheck`.
    public var conservation: ConservationCheck {
        ConservationCheck(
            eventsScheduled: eventsScheduled, eventsProcessed: metrics.eventsProcessed,
            eventsPending: queue.count,
            messageViolations: messagingEnabled ? triggers.stats.conservationViolations() : [])
    }
}
