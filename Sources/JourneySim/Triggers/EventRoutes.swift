/// For each event kind, the campaigns that react to it in each role, in the order `apply`
/// visits them: conversions, exceptions, waits, triggers; and where each campaign's cell sits
/// in a customer's row of cells.
///
/// One flat list of (campaign, cell column) pairs, and per kind one row of where each role's
/// part of it begins. Four separate lists, one per role, cost `apply` four bounds lookups
/// through four buffers per event, on the path every event takes; a row is read once. The
/// exceptions and waits are next to each other, so the prefetcher walks the flows an event may
/// touch as one run.
///
/// ## Cell columns
/// A customer's cells are not in campaign order: campaigns with the same trigger event sit
/// together, and trigger events whose campaigns react to the same events sit next to each
/// other (see `columns(of:)`). An event then finds the cells it reads in one cache line, not
/// spread over the row (160 bytes, three lines, with twenty campaigns): in the benchmark's
/// twenty campaigns, a view or a session start read two or three lines of cells, one now.
struct EventRoutes: Sendable {
    /// Where each role's entries begin in `entries`; `end` is where the kind's list ends.
    struct Row: Sendable, BitwiseCopyable {
        var conversions: Int32
        var exceptions: Int32
        var waits: Int32
        var triggers: Int32
        var end: Int32
        /// The lowest and highest cell column the kind reads in any role (`low > high`: none).
        var cellLow: Int32
        var cellHigh: Int32
        /// The kind's bit in `CustomerProfile.seenKinds` when a first-time trigger listens to it; 0 otherwise.
        var seenBit: UInt32 = 0
    }

    /// A campaign and the column of its cell.
    struct Entry: Sendable, BitwiseCopyable, Equatable {
        var campaign: UInt16
        var column: UInt16
    }

    /// One row per `EventKind.rawValue` (`EventKind.limit` rows).
    let rows: StateBuffer<Row>
    let entries: StateBuffer<Entry>
    /// Per kind and per offset of a customer's row of cells in its first cache line (in cells,
    /// 0...7; index `kind * 8 + offset`), the lines of the row holding a cell the kind reads,
    /// bit `n` for the row's `n`th line; 0 when a kind reads no cell, or when a row spans more
    /// than 64 lines (then the prefetcher loads the span from `cellLow` to `cellHigh`).
    let lineMasks: StateBuffer<UInt64>

    /// `columns[c]`: the cell column of campaign `c` (`columns(of:)`; the core keeps it in
    /// `CompiledCampaign.cellColumn`).
    init(campaigns: [Campaign], columns columnOf: [UInt16]) {
        precondition(columnOf.count == campaigns.count, "one cell column per campaign")
        let kinds = EventKind.limit
        var conversions = [[UInt16]](repeating: [], count: kinds)
        var exceptions = conversions
        var waits = conversions
        var triggers = conversions
        for (index, campaign) in campaigns.enumerated() {
            let id = UInt16(index)
            let converts = EventRoutes.kinds(of: campaign, roles: [.conversion])
            let cancels = EventRoutes.kinds(of: campaign, roles: [.exception])
            let resumes = EventRoutes.kinds(of: campaign, roles: [.wait])
            for raw in 0..<kinds {
                let kind = EventKind(rawValue: UInt8(raw))!
                if converts.contains(kind) { conversions[Int(kind.rawValue)].append(id) }
                if cancels.contains(kind) { exceptions[Int(kind.rawValue)].append(id) }
                if resumes.contains(kind) { waits[Int(kind.rawValue)].append(id) }
            }
            triggers[Int(campaign.trigger.event.rawValue)].append(id)
        }
        var rows = StateBuffer<Row>(capacity: kinds)
        var entries = StateBuffer<Entry>(capacity: 16)
        let masks = StateBuffer<UInt64>(repeating: 0, count: kinds * 8)
        let cellsPerLine = 64 / MemoryLayout<CampaignCell>.stride
        // First-time triggers need to know whether the customer has emitted the kind before:
        // one bit each, given to the kinds such a trigger listens to, in id order.
        let firstTimeKinds = Set(campaigns.filter(\.trigger.firstTimeOnly).map(\.trigger.event.rawValue)).sorted()
        precondition(firstTimeKinds.count <= 32, "at most 32 event kinds with first-time triggers (TriggerSpec checks)")
        for kind in 0..<kinds {
            // A kind no campaign reacts to gets an empty row without building the lists below
            // (most of the 64 ids are unused; building them allocated at setup for nothing).
            if conversions[kind].isEmpty && exceptions[kind].isEmpty && waits[kind].isEmpty && triggers[kind].isEmpty {
                let at = Int32(entries.count)
                rows.append(
                    Row(
                        conversions: at, exceptions: at, waits: at, triggers: at, end: at, cellLow: 1, cellHigh: 0,
                        seenBit: 0))
                continue
            }
            var bounds: [Int32] = []
            for role in [conversions, exceptions, waits, triggers] {
                bounds.append(Int32(entries.count))
                for campaign in role[kind] {
                    entries.append(Entry(campaign: campaign, column: columnOf[Int(campaign)]))
                }
            }
            let read = [conversions, exceptions, waits, triggers].flatMap { $0[kind] }.map { Int(columnOf[Int($0)]) }
            rows.append(
                Row(
                    conversions: bounds[0], exceptions: bounds[1], waits: bounds[2], triggers: bounds[3],
                    end: Int32(entries.count), cellLow: Int32(read.min() ?? 1),
                    cellHigh: read.max().map(Int32.init) ?? 0,
                    seenBit: firstTimeKinds.firstIndex(of: UInt8(kind)).map { UInt32(1) << UInt32($0) } ?? 0))
            if (cellsPerLine - 1 + campaigns.count) / cellsPerLine <= 64 {
                for offset in 0..<cellsPerLine {
                    for column in read { masks[kind * 8 + offset] |= 1 << UInt64((offset + column) / cellsPerLine) }
                }
            }
        }
        self.rows = rows
        self.entries = entries
        lineMasks = masks
    }

    enum Role { case trigger, exception, wait, conversion }

    /// The event kinds a campaign reacts to in the given roles.
    static func kinds(of campaign: Campaign, roles: Set<Role>) -> EventKindSet {
        var kinds = EventKindSet()
        if roles.contains(.trigger) { kinds.insert(EventKindSet(campaign.trigger.event)) }
        if roles.contains(.exception) { kinds.formUnion(campaign.exceptionEvents) }
        if roles.contains(.wait) {
            for step in campaign.flow.steps {
                if case let .wait(wait) = step { kinds.insert(EventKindSet(wait.event)) }
            }
        }
        if roles.contains(.conversion), let conversion = campaign.conversion {
            kinds.insert(EventKindSet(conversion.event))
        }
        return kinds
    }

    /// The cell column of each campaign: campaigns grouped by trigger event, in campaign order
    /// within a group. The largest group goes first (ties: the lower event kind); each next
    /// group is the one whose campaigns react to the most event kinds in common with the last
    /// group's (ties: the larger group, then the lower kind). A session start then reads its
    /// welcome series and, next to it, the re-engagement flows waiting for it; a view reads the
    /// browse reminders it triggers and cancels, side by side.
    static func columns(of campaigns: [Campaign]) -> [UInt16] {
        var groups: [(kind: EventKind, members: [Int], reacts: EventKindSet)] = []
        for (index, campaign) in campaigns.enumerated() {
            let reacts = kinds(of: campaign, roles: [.trigger, .exception, .wait, .conversion])
            if let group = groups.firstIndex(where: { $0.kind == campaign.trigger.event }) {
                groups[group].members.append(index)
                groups[group].reacts.formUnion(reacts)
            } else {
                groups.append((campaign.trigger.event, [index], reacts))
            }
        }
        func precedes(
            _ a: (kind: EventKind, members: [Int], reacts: EventKindSet),
            _ b: (kind: EventKind, members: [Int], reacts: EventKindSet),
            sharedA: Int, sharedB: Int
        ) -> Bool {
            if sharedA != sharedB { return sharedA > sharedB }
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            return a.kind.rawValue < b.kind.rawValue
        }
        var order: [Int] = []
        var last = EventKindSet()
        while !groups.isEmpty {
            var best = 0
            for candidate in groups.indices.dropFirst() {
                let shared = groups[candidate].reacts.intersection(last).rawValue.nonzeroBitCount
                let bestShared = groups[best].reacts.intersection(last).rawValue.nonzeroBitCount
                if precedes(groups[candidate], groups[best], sharedA: shared, sharedB: bestShared) { best = candidate }
            }
            order += groups[best].members
            last = groups[best].reacts
            groups.remove(at: best)
        }
        var columns = [UInt16](repeating: 0, count: campaigns.count)
        for (column, campaign) in order.enumerated() { columns[campaign] = UInt16(column) }
        return columns
    }

    /// The campaigns of one part of the list, for tests and cold paths.
    func campaigns(from start: Int32, to end: Int32) -> [Int] {
        (Int(start)..<Int(end)).map { Int(entries[$0].campaign) }
    }
}
