/// The trigger core's running counts, laid out like `TriggerStats` (a row of message counters
/// and terminal states per campaign step, a row of campaign counters per campaign) but held in
/// `StateBuffer`s.
///
/// Why not count straight into a `TriggerStats`: its arrays are public value types, and every
/// count through them asked the runtime for uniqueness from an outlined call, and the core
/// counts several times per event. The core makes these buffers unique with the rest of its
/// state and copies them into a `TriggerStats` only when read.
struct TriggerCounters: Sendable {
    /// First row of each campaign, plus the total: never written after `init`, so copies share it.
    let stepOffsets: StateBuffer<Int>
    var messageCounts: StateBuffer<UInt64>
    var campaignCounts: StateBuffer<UInt64>
    static let messageColumns = TriggerStats.MessageCounter.allCases.count
    static let campaignColumns = TriggerStats.CampaignCounter.allCases.count

    init(layout stats: TriggerStats) {
        var offsets = StateBuffer<Int>(capacity: stats.stepOffsets.count)
        for offset in stats.stepOffsets { offsets.append(offset) }
        stepOffsets = offsets
        messageCounts = StateBuffer(repeating: 0, count: stats.messageCounts.count)
        campaignCounts = StateBuffer(repeating: 0, count: stats.campaignCounts.count)
    }

    mutating func makeUnique() {
        messageCounts.makeUnique()
        campaignCounts.makeUnique()
    }

    func stepCount(campaign: Int) -> Int { stepOffsets[campaign &+ 1] &- stepOffsets[campaign] }

    @inline(__always) func row(_ campaign: Int, _ step: Int) -> Int {
        (stepOffsets[campaign] &+ step) &* TriggerStats.columns
    }

    @inline(__always) mutating func add(_ counter: TriggerStats.MessageCounter, campaign: Int, step: Int) {
        messageCounts[row(campaign, step) &+ counter.rawValue] &+= 1
    }

    @inline(__always) mutating func create(campaign: Int, step: Int) {
        let base = row(campaign, step)
        messageCounts[base &+ TriggerStats.MessageCounter.created.rawValue] &+= 1
        messageCounts[base &+ TriggerStats.MessageCounter.pending.rawValue] &+= 1
    }

    /// Moves one pending message to its terminal state.
    @inline(__always) mutating func finish(_ state: TerminalState, campaign: Int, step: Int) {
        let base = row(campaign, step)
        messageCounts[base &+ TriggerStats.MessageCounter.pending.rawValue] &-= 1
        messageCounts[base &+ TriggerCounters.messageColumns &+ Int(state.rawValue)] &+= 1
    }

    /// Moves one message from one terminal state to another (sent → fell back on a delivery failure).
    mutating func move(from old: TerminalState, to new: TerminalState, campaign: Int, step: Int) {
        let base = row(campaign, step) &+ TriggerCounters.messageColumns
        messageCounts[base &+ Int(old.rawValue)] &-= 1
        messageCounts[base &+ Int(new.rawValue)] &+= 1
    }

    @inline(__always) mutating func add(_ counter: TriggerStats.CampaignCounter, campaign: Int) {
        campaignCounts[campaign &* TriggerCounters.campaignColumns &+ counter.rawValue] &+= 1
    }

    /// The counts as a `TriggerStats` with the campaign names and step rows of `layout`.
    func stats(layout: TriggerStats) -> TriggerStats {
        var stats = layout
        for index in 0..<messageCounts.count { stats.messageCounts[index] = messageCounts[index] }
        for index in 0..<campaignCounts.count { stats.campaignCounts[index] = campaignCounts[index] }
        return stats
    }
}
