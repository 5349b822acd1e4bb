import Foundation

/// What a run will hold in memory, estimated before it starts from the sizes of the per-customer
/// state arrays, so a run that cannot fit is refused up front instead of being killed by the
/// kernel an hour in.
///
/// The per-customer figures are the strides of the struct-of-arrays state (rounded up):
/// population ~16 B, journey state ~40 B (the shop's columns: stage, cart, channels, session,
/// timers, purchases), the journey program's own columns (per process, attribute and tracked
/// event; 12 B for the default e-commerce funnel), event queue ~40 B (two pending events of 16 B
/// and the radix heap's partly filled chunks), and, when the scenario has campaigns, ~15 B per customer
/// per campaign in the trigger core plus a packed profile, the frequency-cap ledger (4 B per
/// one-day rule, 4 B per unit of limit for any other, the wider of its two time widths) and
/// ~24 B of messaging and fatigue state. Beside the per-customer state it counts everything
/// else whose size the input sets: each campaign's compiled tables and each flow step, each
/// frequency-cap rule, and the trace buffer (`--trace-limit` lines, or as many as the run's
/// customer events can fill).
public struct MemoryEstimate: Sendable, Equatable {
    public static let populationBytes = 16
    public static let journeyBytes = 40
    public static let eventHeapBytes = 40
    public static let triggerBytesPerCampaign = 15
    public static let triggerProfileBytes = 32
    public static let messagingBytes = 24
    /// Per customer, strategy and metric: one `Double` outcome kept by `compare`.
    public static let comparisonBytesPerMetric = 8
    /// The process itself (code, Foundation, buffers) before any customer exists.
    public static let fixedBytes = 40 << 20
    /// Per campaign, whatever its customers: the compiled campaign, its routes, counters and
    /// statistics rows, its queue lanes.
    public static let campaignBytes = 2048
    /// Per flow step: the compiled step, its counters and its statistics row.
    public static let stepBytes = 256
    /// Per trace line: about 130 B of JSON, twice (the buffer grows by doubling).
    public static let traceBytesPerLine = 280
    /// Trace lines per customer and simulated day at most: a line per customer event, and the
    /// shipped journeys emit up to 1.5 events per customer-day.
    public static let traceLinesPerCustomerDay = 3.0

    /// Customers held by this process (one shard's share).
    public var customers: Int
    public var bytesPerCustomer: Int
    /// Bytes sized by the input but not by customers (campaign tables, the trace).
    public var inputBytes: Int
    public var totalBytes: Int

    /// Estimates one process running `scenario` as shard 1 of `shards`; `comparedStrategies` > 0
    /// adds the per-customer outcomes `compare` keeps for that many strategies.
    public init(scenario: Scenario, shards: Int = 1, comparedStrategies: Int = 0, traceLimit: Int? = nil) {
        let shards = max(1, shards)
        customers = (scenario.population.customers + shards - 1) / shards
        var perCustomer = Self.populationBytes + Self.journeyBytes + Self.eventHeapBytes
        perCustomer += Self.journeyProgramBytes(scenario.effectiveJourney)
        let campaigns = scenario.triggers.campaigns.count
        if campaigns > 0 {
            perCustomer +=
                Self.triggerBytesPerCampaign * campaigns + Self.triggerProfileBytes
                + Self.capLedgerBytes(scenario.triggers.frequencyCaps) + Self.messagingBytes
        }
        perCustomer += comparedStrategies * ComparisonMetric.allCases.count * Self.comparisonBytesPerMetric
        bytesPerCustomer = perCustomer
        var fixed = Self.fixedBytes
        if campaigns > 0 {
            let steps = scenario.triggers.campaigns.reduce(0) { $0 + $1.flow.steps.count }
            fixed += campaigns * Self.campaignBytes + steps * Self.stepBytes
        }
        if let traceLimit {
            let expected = Double(customers) * scenario.duration.days * Self.traceLinesPerCustomerDay
            let lines = min(traceLimit, Int(min(expected.rounded(.up), Double(Int32.max))))
            fixed += lines * Self.traceBytesPerLine
        }
        let (product, overflow) = customers.multipliedReportingOverflow(by: perCustomer)
        totalBytes = overflow ? Int.max : product.addingReportingOverflow(fixed).partialValue
        inputBytes = fixed - Self.fixedBytes
    }

    /// Bytes per customer a journey program adds to the shop's columns: its processes,
    /// attributes and tracked event times, and an event pending per process beyond the first.
    public static func journeyProgramBytes(_ journey: JourneyModel) -> Int {
        JourneyRuntime.bytesPerCustomer(
            processes: journey.processNames.count, attributes: journey.attributeNames.count,
            tracked: journey.trackedKinds.count, elapsed: journey.readsElapsed)
            + max(0, journey.processNames.count - 1) * eventHeapBytes
    }

    /// Bytes of cap ledger per customer for these rules (see `CapLedger`), at 4-byte times and
    /// with each ring's position byte.
    public static func capLedgerBytes(_ caps: [FrequencyCap]) -> Int {
        caps.reduce(0) { total, cap in total + (cap.period == .calendarDays(1) ? 4 : 4 * cap.limit + 1) }
    }

    /// The refusal when the estimate exceeds `available` bytes, nil when it fits (or nothing is known).
    public func problem(available: Int?) -> MemoryEstimateError? {
        guard let available, totalBytes > available else { return nil }
        return MemoryEstimateError(estimate: self, availableBytes: available)
    }
}

/// A run that would not fit in memory: the estimate, what is available, and how to split it.
public struct MemoryEstimateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var estimate: MemoryEstimate
    public var availableBytes: Int

    /// Shards needed so that each fits, leaving the fixed overhead aside.
    public var suggestedShards: Int {
        let room = max(1, availableBytes - MemoryEstimate.fixedBytes - estimate.inputBytes)
        let perCustomer = max(1, estimate.bytesPerCustomer)
        let fitting = max(1, room / perCustomer)
        return max(2, (estimate.customers + fitting - 1) / fitting)
    }

    public var description: String {
        "this run needs about \(MemoryEstimate.megabytes(estimate.totalBytes)) MB (\(estimate.customers) customers × "
            + "\(estimate.bytesPerCustomer) B + \(MemoryEstimate.megabytes(MemoryEstimate.fixedBytes + estimate.inputBytes)) MB) but only "
            + "\(MemoryEstimate.megabytes(availableBytes)) MB of memory is available. Split it with --shard 0/\(suggestedShards) … "
            + "\(suggestedShards - 1)/\(suggestedShards) (one process or machine each, then `journeysim merge`), or lower --customers."
    }
}

extension MemoryEstimate {
    static func megabytes(_ bytes: Int) -> Int { bytes / (1 << 20) }

    /// Memory this process may use: the smaller of `MemAvailable` in /proc/meminfo and the cgroup
    /// v2 limit (`memory.max` minus `memory.current`), nil when neither can be read.
    /// `JOURNEYSIM_MEMORY_AVAILABLE` (bytes) overrides both, for tests and odd containers.
    public static func availableBytes(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let text = environment["JOURNEYSIM_MEMORY_AVAILABLE"], let bytes = Int(text), bytes > 0 { return bytes }
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
        return availableBytes(
            meminfo: read("/proc/meminfo"), cgroupMax: read("/sys/fs/cgroup/memory.max"),
            cgroupCurrent: read("/sys/fs/cgroup/memory.current"))
    }

    /// The figure from the files' texts (see `availableBytes(environment:)`).
    public static func availableBytes(meminfo: String?, cgroupMax: String?, cgroupCurrent: String?) -> Int? {
        var available: Int?
        if let meminfo {
            for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kilobytes = Int(fields[1]) {
                    available = kilobytes * 1024
                }
            }
        }
        if let text = cgroupMax?.trimmingCharacters(in: .whitespacesAndNewlines), let limit = Int(text) {
            let used = cgroupCurrent.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            let room = max(0, limit - used)
            available = min(available ?? room, room)
        }
        return available
    }
}
