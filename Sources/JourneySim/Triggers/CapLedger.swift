/// Per-customer frequency-cap state, in one block of 32-bit words per customer, so a check
/// touches one or two cache lines and memory is bounded by the limits.
///
/// - A rule of one local calendar day (`per: 1d`, the common case) keeps a single word: the
///   local day of the customer's last counted send and how many counted sends that day has had.
///   It is full when that day is today and the count has reached the limit.
/// - Any other rule keeps the times of the customer's last `limit` counted sends. It is full
///   exactly when the oldest of them is still inside its period. Sends are recorded in time
///   order, so the oldest is the smallest, and a new send replaces it; no ring position is
///   stored.
///
/// At the shipped abandoned-cart caps (3 a day, 10 a rolling week, 2 a day on WhatsApp) that is
/// 12 words per customer instead of the 16 a ring per rule took.
///
/// Times are kept in whole seconds rounded up, so caps have a resolution of one second, and a
/// send's local day is the day of that rounded second (as it was with one ring per rule). Where a
/// zone turns its clocks back across midnight, the repeated hour counts toward the day that had
/// already begun: a local day does not start twice.
struct CapLedger: Sendable {
    struct Rule: Sendable {
        var limit: UInt32
        /// Rolling window in ms, or 0 for calendar days.
        var rollingMs: Int64
        var calendarDays: Int64
        /// Channels the rule counts (all channels for `any`).
        var channels: ChannelSet
        /// Offset of the rule's words inside a customer's block.
        var base: Int32
        /// One (day, count) word instead of `limit` send times.
        var countsDays: Bool
    }

    let rules: ContiguousArray<Rule>
    let wordsPerCustomer: Int
    var words: ContiguousArray<UInt32>

    init(caps: [FrequencyCap], customers: Int) {
        var rules = ContiguousArray<Rule>()
        var base: Int32 = 0
        for cap in caps {
            var rule = Rule(limit: UInt32(cap.limit), rollingMs: 0, calendarDays: 0,
                            channels: cap.channel.map(ChannelSet.init) ?? ChannelSet(rawValue: 0xFFFF),
                            base: base, countsDays: false)
            switch cap.period {
            case let .rolling(duration): rule.rollingMs = max(1, duration.milliseconds)
            case let .calendarDays(days):
                rule.calendarDays = Int64(max(1, days))
                rule.countsDays = rule.calendarDays == 1
            }
            rules.append(rule)
            base += rule.countsDays ? 1 : Int32(cap.limit)
        }
        self.rules = rules
        wordsPerCustomer = Int(base)
        words = HugePages.array(repeating: 0, count: customers * wordsPerCustomer)
    }

    static func seconds(_ time: SimTime) -> UInt32 {
        UInt32(clamping: (time.milliseconds + 999) / 1000)
    }

    /// A local day number as the high 24 bits of a day word (offset so days before 1970 fit and
    /// no real day codes as 0, the never-sent word).
    static func dayCode(_ day: Int64) -> UInt32 {
        UInt32(clamping: min(max(day &+ (1 << 23), 1), (1 << 24) - 1))
    }

    /// Whether one more send on `channel` at `time` keeps every rule.
    func allows(customer: Int, channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) -> Bool {
        if rules.isEmpty { return true }
        let block = customer &* wordsPerCustomer
        for rule in rules where rule.channels.contains(channel) {
            let at = block &+ Int(rule.base)
            if rule.countsDays {
                let word = words[at]
                if word & 0xFF >= rule.limit, word >> 8 >= Self.dayCode(zones.localDay(zone: zone, at: time)) { return false }
                continue
            }
            var oldest = words[at]
            for slot in 1..<Int(rule.limit) { oldest = min(oldest, words[at &+ slot]) }
            if oldest == 0 { continue }  // fewer than `limit` sends ever
            let oldestMs = Int64(oldest) * 1000
            if rule.rollingMs > 0 {
                if oldestMs > time.milliseconds - rule.rollingMs { return false }
            } else {
                let today = zones.localDay(zone: zone, at: time)
                let then = zones.localDay(zone: zone, at: SimTime(milliseconds: oldestMs))
                if then > today - rule.calendarDays { return false }
            }
        }
        return true
    }

    /// Counts a send at `time`; sends must be recorded in time order.
    mutating func record(customer: Int, channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) {
        if rules.isEmpty { return }
        let stamp = max(1, CapLedger.seconds(time))
        let block = customer &* wordsPerCustomer
        for rule in rules where rule.channels.contains(channel) {
            let at = block &+ Int(rule.base)
            if rule.countsDays {
                let day = Self.dayCode(zones.localDay(zone: zone, at: SimTime(milliseconds: Int64(stamp) * 1000)))
                let word = words[at]
                words[at] = day > word >> 8 ? day << 8 | 1 : (word & ~0xFF) | min(word & 0xFF &+ 1, 0xFF)
                continue
            }
            var oldest = at
            for slot in 1..<Int(rule.limit) where words[at &+ slot] < words[oldest] { oldest = at &+ slot }
            words[oldest] = stamp
        }
    }

    var stateBytes: Int {
        words.capacity * MemoryLayout<UInt32>.stride
    }
}
