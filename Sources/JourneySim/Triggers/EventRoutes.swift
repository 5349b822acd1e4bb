/// For each event kind, the campaigns that react to it in each role, in the order `apply`
/// visits them: conversions, exceptions, waits, triggers.
///
/// One flat list of campaign numbers, and per kind one row of where each role's part of it
/// begins, plus the span of campaign cells the kind reads (for the prefetcher). Four separate
/// lists, one per role, cost `apply` four bounds lookups through four buffers per event (30
/// instructions per event at a million customers); a row is read once. The exceptions and
/// waits are next to each other, so the prefetcher walks the flows an event may touch as one
/// run.
struct EventRoutes: Sendable {
    /// Where each role's campaigns begin in `campaigns`; `end` is where the kind's list ends.
    struct Row: Sendable, BitwiseCopyable {
        var conversions: Int32
        var exceptions: Int32
        var waits: Int32
        var triggers: Int32
        var end: Int32
        /// The lowest and highest campaign the kind names in any role (`low > high`: none).
        var cellLow: Int32
        var cellHigh: Int32
        var reserved: Int32 = 0
    }

    /// One row per `EventKind.rawValue`.
    let rows: StateBuffer<Row>
    let campaigns: StateBuffer<UInt16>

    /// `lists[role][kind]` names the campaigns of one role for one kind; roles in the order
    /// conversions, exceptions, waits, triggers.
    init(conversions: [[UInt16]], exceptions: [[UInt16]], waits: [[UInt16]], triggers: [[UInt16]]) {
        let kinds = EventKind.allCases.count
        precondition([conversions, exceptions, waits, triggers].allSatisfy { $0.count == kinds }, "one list per event kind")
        var rows = StateBuffer<Row>(capacity: kinds)
        var flat = StateBuffer<UInt16>(capacity: 16)
        for kind in 0..<kinds {
            var bounds: [Int32] = []
            for role in [conversions, exceptions, waits, triggers] {
                bounds.append(Int32(flat.count))
                for campaign in role[kind] { flat.append(campaign) }
            }
            let named = [conversions, exceptions, waits, triggers].flatMap { $0[kind] }
            rows.append(Row(conversions: bounds[0], exceptions: bounds[1], waits: bounds[2], triggers: bounds[3],
                            end: Int32(flat.count), cellLow: Int32(named.min() ?? 1), cellHigh: named.max().map(Int32.init) ?? 0))
        }
        self.rows = rows
        campaigns = flat
    }

    /// The campaigns of one part of the list, for tests and cold paths.
    func campaigns(from start: Int32, to end: Int32) -> [Int] {
        (Int(start)..<Int(end)).map { Int(campaigns[$0]) }
    }
}
