/// One frequency-cap rule: at most `limit` messages per `period` for a customer, on one channel
/// or on any channel. All rules must hold for a message to go out; a send counts once for its
/// channel's rules and once for the `any` rules.
public struct FrequencyCap: Sendable, Equatable {
    public enum Period: Sendable, Equatable {
        /// A rolling window ending now, e.g. 6 hours or 7 days (`per: 1w`). The window is the
        /// half-open span (now - duration, now]: a send exactly `duration` ago no longer counts.
        case rolling(SimDuration)
        /// Calendar days in the customer's local time zone: `per: 1d` is "today, local time";
        /// `per: 3d` is today and the two local days before it.
        case calendarDays(Int)
    }

    public var limit: Int
    public var period: Period
    /// The channel the rule limits, or nil for any channel.
    public var channel: Channel?

    public init(limit: Int, period: Period, channel: Channel? = nil) {
        self.limit = limit
        self.period = period
        self.channel = channel
    }

    /// The largest limit a rule may have; each customer keeps one timestamp per unit of limit.
    public static let maxLimit = 255
}

/// Per-customer cap state: for each rule, a ring with the times of the customer's last `limit`
/// counted sends that the rule sees. A rule is full exactly when the oldest of those is still
/// inside its period, so checking costs one read per rule and memory is bounded by the limits.
/// A customer's rings and their write positions sit in one block of 32-bit words (rings first,
/// then the positions packed four to a word), so a check touches one or two cache lines.
///
/// Times are kept in whole seconds rounded up, so caps have a resolution of one second.
struct CapLedger: Sendable {
    struct Rule: Sendable {
        var limit: Int32
        /// Rolling window in ms, or 0 for calendar days.
        var rollingMs: Int64
        var calendarDays: Int64
        /// Channels the rule counts (all channels for `any`).
        var channels: ChannelSet
        /// Offset of the rule's ring inside a customer's slots.
        var base: Int32
        var index: Int32
    }

    let rules: ContiguousArray<Rule>
    /// Words per customer: ring slots, then head words.
    let wordsPerCustomer: Int
    let headBase: Int
    var words: ContiguousArray<UInt32>

    init(caps: [FrequencyCap], customers: Int) {
        var rules = ContiguousArray<Rule>()
        var base: Int32 = 0
        for (index, cap) in caps.enumerated() {
            var rule = Rule(limit: Int32(cap.limit), rollingMs: 0, calendarDays: 0,
                            channels: cap.channel.map(ChannelSet.init) ?? ChannelSet(rawValue: 0xFFFF),
                            base: base, index: Int32(index))
            switch cap.period {
            case let .rolling(duration): rule.rollingMs = max(1, duration.milliseconds)
            case let .calendarDays(days): rule.calendarDays = Int64(max(1, days))
            }
            rules.append(rule)
            base += Int32(cap.limit)
        }
        self.rules = rules
        headBase = Int(base)
        wordsPerCustomer = rules.isEmpty ? 0 : Int(base) + (rules.count + 3) / 4
        words = HugePages.array(repeating: 0, count: customers * wordsPerCustomer)
    }

    func head(_ block: Int, _ rule: Int32) -> Int {
        Int((words[block &+ headBase &+ Int(rule >> 2)] >> (UInt32(rule & 3) &* 8)) & 0xFF)
    }

    mutating func setHead(_ block: Int, _ rule: Int32, _ value: Int) {
        let index = block &+ headBase &+ Int(rule >> 2)
        let shift = UInt32(rule & 3) &* 8
        words[index] = (words[index] & ~(0xFF << shift)) | (UInt32(truncatingIfNeeded: value) << shift)
    }

    static func seconds(_ time: SimTime) -> UInt32 {
        UInt32(clamping: (time.milliseconds + 999) / 1000)
    }

    /// Whether one more send on `channel` at `time` keeps every rule.
    func allows(customer: Int, channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) -> Bool {
        if rules.isEmpty { return true }
        let block = customer &* wordsPerCustomer
        for rule in rules where rule.channels.contains(channel) {
            let oldest = words[block &+ Int(rule.base) &+ head(block, rule.index)]
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

    mutating func record(customer: Int, channel: Channel, at time: SimTime) {
        if rules.isEmpty { return }
        let stamp = max(1, CapLedger.seconds(time))
        let block = customer &* wordsPerCustomer
        for rule in rules where rule.channels.contains(channel) {
            let position = head(block, rule.index)
            words[block &+ Int(rule.base) &+ position] = stamp
            setHead(block, rule.index, (position &+ 1) % Int(rule.limit))
        }
    }

    var stateBytes: Int {
        words.capacity * MemoryLayout<UInt32>.stride
    }
}
