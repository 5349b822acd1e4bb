/// Counts of what happened to the trigger core's messages, per campaign and per flow step.
///
/// Every message created is counted `pending` until it reaches exactly one `TerminalState`, so
/// `created == pending + Σ terminal states` holds for every step at every moment (a delivery
/// failure that falls back moves a message from `sent` to `fellBack`). Counters are plain
/// integers so shards merge exactly with `merge(_:)`.
public struct TriggerStats: Sendable, Equatable, Codable {
    /// Per-step counters besides the terminal states.
    public enum MessageCounter: Int, CaseIterable, Sendable {
        case created = 0
        /// Created and not yet in a terminal state.
        case pending
        /// Sent after a delivery-window deferral (a flag on `sent` / `fellBack`).
        case deferred
        /// Extra send attempts on a fallback channel after a reported delivery failure.
        case fallbackAttempts
        case delivered
        case read
        case failed
        /// Pending messages moved to a newer trigger event (exception event = trigger event).
        case rescheduled
    }

    /// Per-campaign counters.
    public enum CampaignCounter: Int, CaseIterable, Sendable {
        /// Customers who entered the campaign (flow instances started).
        case entered = 0
        /// Flows left through an exception / `exit_on` event.
        case exited
        /// Flows still running when the run finished.
        case runningAtEnd
        /// Messages received (treatment) and held out (control): the exposures conversions count against.
        case treatmentExposures
        case controlExposures
        /// Conversion events within the window after an exposure, at most one per exposure.
        case treatmentConversions
        case controlConversions
    }

    static let stateColumns = TerminalState.allCases.count
    static let columns = MessageCounter.allCases.count + TerminalState.allCases.count

    public let campaignNames: [String]
    /// First row of each campaign; rows of campaign `c` are `stepOffsets[c]..<stepOffsets[c + 1]`.
    public let stepOffsets: [Int]
    var messageCounts: ContiguousArray<UInt64>
    var campaignCounts: ContiguousArray<UInt64>

    public init(campaignNames: [String], stepCounts: [Int]) {
        precondition(campaignNames.count == stepCounts.count)
        self.campaignNames = campaignNames
        var offsets = [0]
        for count in stepCounts { offsets.append(offsets.last! + count) }
        stepOffsets = offsets
        messageCounts = ContiguousArray(repeating: 0, count: offsets.last! * TriggerStats.columns)
        campaignCounts = ContiguousArray(repeating: 0, count: stepCounts.count * CampaignCounter.allCases.count)
    }

    public init(spec: TriggerSpec) {
        self.init(
            campaignNames: spec.campaigns.map(\.name), stepCounts: spec.campaigns.map { max(1, $0.flow.steps.count) })
    }

    public var campaignCount: Int { campaignNames.count }
    public func stepCount(campaign: Int) -> Int { stepOffsets[campaign + 1] - stepOffsets[campaign] }

    /// First counter of a step's row (the core's `TriggerCounters` uses the same layout).
    func row(_ campaign: Int, _ step: Int) -> Int { (stepOffsets[campaign] + step) * TriggerStats.columns }

    // MARK: Reading

    /// Messages in `state` for one step, or for the whole campaign when `step` is nil.
    public func count(_ state: TerminalState, campaign: Int, step: Int? = nil) -> UInt64 {
        sum(column: MessageCounter.allCases.count + Int(state.rawValue), campaign: campaign, step: step)
    }

    public func count(_ counter: MessageCounter, campaign: Int, step: Int? = nil) -> UInt64 {
        sum(column: counter.rawValue, campaign: campaign, step: step)
    }

    public func count(_ counter: CampaignCounter, campaign: Int) -> UInt64 {
        campaignCounts[campaign * CampaignCounter.allCases.count + counter.rawValue]
    }

    /// Every counter of one step (or of the whole campaign when `step` is nil) by report name:
    /// the message counters, then the terminal states.
    public func namedCounts(campaign: Int, step: Int? = nil) -> [(name: String, value: UInt64)] {
        let counters: [(name: String, value: UInt64)] = MessageCounter.allCases.map {
            ("\($0)", count($0, campaign: campaign, step: step))
        }
        return counters + TerminalState.allCases.map { ($0.name, count($0, campaign: campaign, step: step)) }
    }

    /// A state summed over all campaigns.
    public func total(_ state: TerminalState) -> UInt64 {
        (0..<campaignCount).reduce(0) { $0 + count(state, campaign: $1) }
    }

    public func total(_ counter: MessageCounter) -> UInt64 {
        (0..<campaignCount).reduce(0) { $0 + count(counter, campaign: $1) }
    }

    func sum(column: Int, campaign: Int, step: Int?) -> UInt64 {
        let steps = step.map { $0..<($0 + 1) } ?? 0..<stepCount(campaign: campaign)
        var total: UInt64 = 0
        for s in steps { total &+= messageCounts[row(campaign, s) + column] }
        return total
    }

    /// Campaign name and step of every row where `created != pending + Σ terminal states`
    /// (plus any counter that went negative); empty when the books balance.
    public func conservationViolations() -> [String] {
        var problems: [String] = []
        for campaign in 0..<campaignCount {
            for step in 0..<stepCount(campaign: campaign) {
                let base = row(campaign, step)
                let created = messageCounts[base + MessageCounter.created.rawValue]
                var accounted = messageCounts[base + MessageCounter.pending.rawValue]
                var negative = accounted > created
                for state in 0..<TriggerStats.stateColumns {
                    let value = messageCounts[base + MessageCounter.allCases.count + state]
                    if value > created { negative = true }
                    accounted &+= value
                }
                if accounted != created || negative {
                    problems.append(
                        "\(campaignNames[campaign]) step \(step): created \(created), accounted \(Int64(bitPattern: accounted))"
                    )
                }
            }
        }
        return problems
    }

    /// The counter arrays have the sizes the campaign and step lists call for (a decoded
    /// record.json may not).
    public var isWellFormed: Bool {
        stepOffsets.count == campaignNames.count + 1 && stepOffsets.first == 0
            && zip(stepOffsets, stepOffsets.dropFirst()).allSatisfy { $0 <= $1 }
            && messageCounts.count == (stepOffsets.last ?? 0) * TriggerStats.columns
            && campaignCounts.count == campaignNames.count * CampaignCounter.allCases.count
    }

    /// True when every step's messages add up (see `conservationViolations()`).
    public var isConserved: Bool { conservationViolations().isEmpty }

    /// Adds another shard's counts; both must come from the same spec.
    public mutating func merge(_ other: TriggerStats) {
        precondition(
            stepOffsets == other.stepOffsets && campaignNames == other.campaignNames,
            "merging stats of different campaign sets")
        for index in messageCounts.indices { messageCounts[index] &+= other.messageCounts[index] }
        for index in campaignCounts.indices { campaignCounts[index] &+= other.campaignCounts[index] }
    }
}
