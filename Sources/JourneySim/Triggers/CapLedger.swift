/// Per-customer frequency-cap state, in one small block of bytes per customer, so a check
/// touches one or two cache lines and memory is bounded by the limits.
///
/// - A rule of one local calendar day (`per: 1d`, the common case) keeps a single 4-byte word:
///   the local day of the customer's last counted send and how many counted sends that day has
///   had. It is full when that day is today and the count has reached the limit.
/// - Any other rule keeps the times of the customer's last `limit` counted sends in a ring, and
///   one byte with the ring's next position. It is full exactly when the oldest time (the one at
///   that position, since sends are recorded in time order) is still inside its period; a new
///   send overwrites it. The position byte makes a check and a record one read instead of a
///   scan of `limit` times (for every such rule, on every send), and at the shipped caps it
///   fits in the block's padding. A time takes 3 bytes (seconds since the zone table's window
///   began) when that window is shorter than 2²⁴ seconds (194 days), else 4 (seconds since 1970).
///
/// At the shipped abandoned-cart caps (3 a day, 10 a rolling week, 2 a day on WhatsApp) and a
/// 30-day run that is 40 bytes per customer, where a ring of 4-byte times per rule took 64.
///
/// Times are kept in whole seconds rounded up, so caps have a resolution of one second, and a
/// send's local day is the day of that rounded second. Like local times, caps are exact inside
/// the zone table's window; a 3-byte time outside it is held at the window's edge. Where a zone
/// turns its clocks back across midnight, the repeated hour counts toward the day that had
/// already begun: a local day does not start twice.
struct CapLedger: Sendable {
    struct Rule: Sendable {
        var limit: Int
        /// Rolling window in ms, or 0 for calendar days.
        var rollingMs: Int64
        var calendarDays: Int64
        /// Channels the rule counts (all channels for `any`).
        var channels: ChannelSet
        /// Offset of the rule's bytes inside a customer's block.
        var base: Int
        /// Offset of the ring's next position (a byte, 0..<limit) inside the block; unused by day words.
        var position: Int
        /// One (day, count) word instead of `limit` send times.
        var countsDays: Bool
    }

    /// In a `StateBuffer` rather than an array: the send path reads every rule on every send,
    /// and array reads paid a bounds check and a 56-byte copy each.
    let rules: StateBuffer<Rule>
    /// Bytes per customer (a multiple of 4).
    let bytesPerCustomer: Int
    /// Bytes per send time: 3 or 4.
    let timeWidth: Int
    /// The second a stored time of 0 would stand for (0 means "no send"; codes count from 1).
    let origin: Int64
    /// The largest code a time may take.
    let maxCode: UInt32
    /// All customers' blocks, plus 4 bytes so a 3-byte time at the very end loads as a word.
    var bytes: StateBuffer<UInt8>

    init(caps: [FrequencyCap], customers: Int, zones: TimeZoneTable) {
        let first = zones.windowStart.milliseconds / 1000 - 1
        let span = zones.windowEnd.milliseconds / 1000 + 1 - first
        let compact = span > 0 && span < (1 << 24) - 1
        timeWidth = compact ? 3 : 4
        origin = compact ? first : 0
        maxCode = compact ? (1 << 24) - 1 : .max
        var rules = ContiguousArray<Rule>()
        var base = 0
        for cap in caps {
            var rule = Rule(
                limit: cap.limit, rollingMs: 0, calendarDays: 0,
                channels: cap.channel.map(ChannelSet.init) ?? ChannelSet(rawValue: 0xFFFF),
                base: base, position: 0, countsDays: false)
            switch cap.period {
            case let .rolling(duration): rule.rollingMs = max(1, duration.milliseconds)
            case let .calendarDays(days):
                rule.calendarDays = Int64(max(1, days))
                rule.countsDays = rule.calendarDays == 1
            }
            rules.append(rule)
            base += rule.countsDays ? 4 : cap.limit * timeWidth
        }
        // The ring positions follow all the rules' times (a 3-byte time read as a word then
        // reads into them, and masks them off).
        for index in rules.indices where !rules[index].countsDays {
            rules[index].position = base
            base += 1
        }
        // A ring position is one byte (FrequencyCap.maxLimit is 255).
        precondition(
            caps.allSatisfy { (1...FrequencyCap.maxLimit).contains($0.limit) },
            "a frequency cap's limit must be 1 to \(FrequencyCap.maxLimit)")
        self.rules = StateBuffer(copying: rules)
        bytesPerCustomer = (base + 3) & ~3
        bytes = StateBuffer(repeating: 0, count: customers * bytesPerCustomer + (rules.isEmpty ? 0 : 4))
    }

    /// Gives this ledger storage of its own if a copy shares it; mutating methods do not check
    /// (see `StateBuffer`), so the owner calls this before mutating a copy.
    mutating func makeUnique() { bytes.makeUnique() }

    // MARK: Codes

    /// The send time `time` is stored as: its second rounded up, from `origin`, never 0.
    @inline(__always)
    func code(_ time: SimTime) -> UInt32 {
        UInt32(truncatingIfNeeded: min(max(Self.roundedUpSecond(time) &- origin, 1), Int64(maxCode)))
    }

    /// The instant a stored (non-zero) code stands for.
    @inline(__always)
    func instant(_ code: UInt32) -> SimTime {
        // Cannot overflow: `origin` is a second inside the zone table's window, `code` 32 bits.
        SimTime(milliseconds: (origin &+ Int64(code)) &* 1000)
    }

    /// A local day number as the high 24 bits of a day word (offset so days before 1970 fit and
    /// no real day codes as 0, the never-sent word).
    @inline(__always)
    static func dayCode(_ day: Int64) -> UInt32 {
        UInt32(clamping: min(max(day &+ (1 << 23), 1), (1 << 24) - 1))
    }

    /// The second `time` falls in, rounded up: the resolution of caps and exposure times.
    @inline(__always)
    static func roundedUpSecond(_ time: SimTime) -> Int64 { (time.milliseconds + 999) / 1000 }

    /// Seconds since 1970 rounded up, the resolution of exposure times.
    static func seconds(_ time: SimTime) -> UInt32 {
        UInt32(clamping: roundedUpSecond(time))
    }

    // MARK: Rules

    /// What a check and a record at one instant need from the customer's clock: the local day
    /// of the instant (today, for day rules), the code the send is stored as (its second
    /// rounded up) and that second's local day code. The trigger core works these out once per
    /// send (see `TriggerCore.capMoment`).
    struct Moment {
        var time: SimTime
        var today: Int64
        /// `dayCode(today)`.
        var todayCode: UInt32
        var stamp: UInt32
        var stampDay: UInt32
    }

    /// The moment of `time` in the customer's zone.
    func moment(at time: SimTime, zone: Int, zones: TimeZoneTable) -> Moment {
        let stamp = code(time)
        let today = zones.localDay(zone: zone, at: time)
        return Moment(
            time: time, today: today, todayCode: Self.dayCode(today), stamp: stamp,
            stampDay: Self.dayCode(zones.localDay(zone: zone, at: instant(stamp))))
    }

    /// Whether one more send on `channel` at `time` keeps every rule.
    func allows(customer: Int, channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) -> Bool {
        allows(
            customer: customer, channel: channel, at: moment(at: time, zone: zone, zones: zones), zone: zone,
            zones: zones)
    }

    /// `allows` at a moment worked out beforehand; `zones` is read only for rules of several
    /// calendar days.
    ///
    /// This and `record` read the ledger's fields into locals and address the customer's block
    /// through one pointer: inlined into the core's send path, every access through `self`
    /// after a store was a reload (the stores go through pointers the optimiser cannot tell
    /// apart from the core's own fields).
    @inline(__always)
    func allows(customer: Int, channel: Channel, at moment: Moment, zone: Int, zones: TimeZoneTable) -> Bool {
        assert(
            customer >= 0 && (customer &+ 1) &* bytesPerCustomer <= bytes.count,
            "cap ledger customer \(customer) out of range")
        let block = UnsafeRawPointer(bytes.base + customer &* bytesPerCustomer)
        let rules = self.rules.base
        let ruleCount = self.rules.count
        let width = timeWidth
        let bit = UInt16(1) << UInt16(channel.rawValue)
        var index = 0
        while index < ruleCount {
            let rule = rules + index
            index &+= 1
            guard rule.pointee.channels.rawValue & bit != 0 else { continue }
            let at = block + rule.pointee.base
            if rule.pointee.countsDays {
                let word = CapLedger.load(at)
                if word & 0xFF >= rule.pointee.limit, word >> 8 >= moment.todayCode { return false }
                continue
            }
            let slot = Int(block.load(fromByteOffset: rule.pointee.position, as: UInt8.self))
            let raw = CapLedger.load(at + slot &* width)
            let oldest = width == 4 ? raw : raw & 0xFF_FFFF
            if oldest == 0 { continue }  // fewer than `limit` sends ever
            let then = instant(oldest)
            if rule.pointee.rollingMs > 0 {
                if then.milliseconds > moment.time.milliseconds &- rule.pointee.rollingMs { return false }
            } else {
                if zones.localDay(zone: zone, at: then) > moment.today &- rule.pointee.calendarDays { return false }
            }
        }
        return true
    }

    @inline(__always) static func load(_ address: UnsafeRawPointer) -> UInt32 {
        UInt32(littleEndian: address.loadUnaligned(as: UInt32.self))
    }

    @inline(__always) static func store(_ value: UInt32, at address: UnsafeMutableRawPointer) {
        address.storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    /// Counts a send at `time`; sends must be recorded in time order.
    mutating func record(customer: Int, channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) {
        record(customer: customer, channel: channel, at: moment(at: time, zone: zone, zones: zones))
    }

    /// `record` at a moment worked out beforehand.
    @inline(__always)
    mutating func record(customer: Int, channel: Channel, at moment: Moment) {
        assert(
            customer >= 0 && (customer &+ 1) &* bytesPerCustomer <= bytes.count,
            "cap ledger customer \(customer) out of range")
        let block = UnsafeMutableRawPointer(bytes.base + customer &* bytesPerCustomer)
        let rules = self.rules.base
        let ruleCount = self.rules.count
        let width = timeWidth
        let bit = UInt16(1) << UInt16(channel.rawValue)
        let stamp = moment.stamp
        var index = 0
        while index < ruleCount {
            let rule = rules + index
            index &+= 1
            guard rule.pointee.channels.rawValue & bit != 0 else { continue }
            let at = block + rule.pointee.base
            if rule.pointee.countsDays {
                let day = moment.stampDay
                let word = CapLedger.load(at)
                CapLedger.store(day > word >> 8 ? day << 8 | 1 : (word & ~0xFF) | min(word & 0xFF &+ 1, 0xFF), at: at)
                continue
            }
            let position = block + rule.pointee.position
            let slot = Int(position.load(as: UInt8.self))
            let time = at + slot &* width
            // A 3-byte time keeps the byte after it (the next time, or a ring position).
            CapLedger.store(width == 4 ? stamp : (CapLedger.load(time) & 0xFF00_0000) | stamp, at: time)
            let next = slot &+ 1
            position.storeBytes(of: UInt8(truncatingIfNeeded: next == rule.pointee.limit ? 0 : next), as: UInt8.self)
        }
    }

    var stateBytes: Int {
        bytes.allocatedBytes
    }
}
