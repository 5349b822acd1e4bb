/// The discrete-event loop: customers' journeys on a virtual clock.
///
/// Pops the earliest pending `SimEvent` (ties broken by scheduling order), advances the clock to
/// it and lets the journey machine act, which emits customer events and schedules the customer's
/// next step. Everything random comes from per-customer streams, so the run is a pure function of
/// the scenario and the seed.
public struct Simulator<Observer: EventObserver> {
    public let scenario: Scenario
    public let population: Population
    public let zones: TimeZoneTable
    public internal(set) var state: CustomerState
    /// The run's counts so far.
    public var metrics: RunMetrics { tally.snapshot }
    /// The counts as the run writes them (see `LiveRunMetrics`).
    var tally: LiveRunMetrics
    public internal(set) var now: SimTime
    public var observer: Observer

    var queue: EventQueue<SimEvent>
    let timing: SessionTiming
    let journeys: ContiguousArray<JourneyParameters>
    let starTables: [CategoricalTable]
    /// Purchase-probability multiplier by `CustomerState.liftChannel`: 1 at 0, then each
    /// channel's lift (rounded to `Float`, as the multiplier always was).
    let purchaseLifts: ContiguousArray<Float>

    /// The campaigns; `messagingEnabled` is false when the scenario has none, and the messaging
    /// state below is then left empty.
    public internal(set) var triggers: TriggerCore
    let messagingEnabled: Bool
    public internal(set) var backend: MockBackend
    let response: ResponseModel
    public internal(set) var fatigue: FatigueState
    public internal(set) var messaging: MessagingMetrics
    var messageState: MessageState
    /// The scenario's journey program, when it writes one (nil: the built-in stage machine),
    /// its per-archetype tables, its per-customer state and what it counts.
    let journeyModel: JourneyModel
    let journeyTables: JourneyTables
    var runtime: JourneyRuntime
    /// Per event kind, its column in `runtime.trackedAt`, or -1 (an untracked kind).
    let trackedIndex: ContiguousArray<Int8>
    /// Custom events and reactions taken (the per-state arrays stay empty: see `journeyStates`).
    var journeyEventCounts: JourneyMetrics
    /// Per state: entries and time spent.
    var journeyStates: StateBuffer<JourneyStateCounter>
    /// The runaway guard's count of entries at the current instant.
    var journeyGuard: JourneyInstantGuard
    /// What the journey program counted so far: the customers in a state now have not left it,
    /// and their stay so far counts in its time.
    public var journeyMetrics: JourneyMetrics {
        var metrics = journeyEventCounts
        var occupied = [Int](repeating: 0, count: journeyStates.count)
        for slot in 0..<runtime.slots.count where runtime.slots[slot].current != JourneyRuntime.notRunning {
            occupied[Int(runtime.slots[slot].current)] += 1
        }
        let clock = journeyClock
        for index in 0..<journeyStates.count {
            metrics.stateEntries[index] = journeyStates[index].entries
            metrics.stateExits[index] = journeyStates[index].entries - occupied[index]
            metrics.stateDwellMilliseconds[index] = journeyStates[index].time &+ Int64(occupied[index]) &* clock
        }
        return metrics
    }
    /// Set when a customer looped without time passing; the run stops (see `JourneyRunaway`).
    public internal(set) var journeyRunawayFound: JourneyRunaway?
    /// Message interactions emitted as events (bit per `EventKind.rawValue`): the ones a campaign
    /// triggers on, exits on, waits for or converts on, or a journey reaction answers. None when
    /// nothing listens, so scenarios without them emit (and trace) what they always did.
    let messageEvents: UInt64
    /// Reaction triggers a journey program answers (bit per message kind; bit 63: unhappy).
    let journeyReactions: UInt64
    /// Per campaign, its `ignored_after` window.
    let ignoreWindows: [SimDuration?]
    /// Delivered, unopened messages waiting for their ignore window to end.
    var ignoreRecords = SlotPool<SendRequest>()
    /// Per channel, the delay from delivery to opening (nil: opened at delivery), and the
    /// empirical rows those delays use.
    let openDelays: [CompiledDistribution?]
    let openDelayTable: [(cumulative: Double, value: Double)]
    /// Opened messages waiting for their open delay.
    var openRecords = SlotPool<OpenRecord>()
    /// Reused buffer for the trigger core's send requests.
    var actions: ContiguousArray<SendRequest> = []
    /// When set, every message handed to the backend is also logged here (up to `sendLogLimit`),
    /// so `load` can replay the journeys' traffic against a real backend.
    public var sendLog: ContiguousArray<SentMessage>?
    public var sendLogLimit = Int.max

    public init(scenario: Scenario, population: Population? = nil, observer: Observer) {
        self.scenario = scenario
        let population = population ?? Population(scenario: scenario)
        precondition(
            population.count < SimEvent.customerLimit,
            "one simulator holds fewer than \(SimEvent.customerLimit) customers: run more shards")
        self.population = population
        zones = TimeZoneTable(
            identifiers: scenario.population.timeZones.map(\.identifier),
            start: scenario.start, end: scenario.end)
        state = CustomerState(population: population, seed: scenario.seed, start: scenario.start, end: scenario.end)
        tally = LiveRunMetrics(days: Int((scenario.duration.milliseconds + 86_399_999) / 86_400_000))
        now = scenario.start
        self.observer = observer
        queue = EventQueue()
        timing = SessionTiming(hourlyActivity: scenario.sessions.hourlyActivity)
        journeys = ContiguousArray(scenario.journeys)
        starTables = scenario.journeys.map { CategoricalTable(weights: $0.stars) }
        var lifts = ContiguousArray<Float>(repeating: 1, count: Int(Channel.allCases.map(\.rawValue).max() ?? 0) + 2)
        for channel in Channel.allCases {
            lifts[Int(channel.rawValue) + 1] = Float(scenario.behavior.response(channel).purchaseLift)
        }
        purchaseLifts = lifts
        messagingEnabled = !scenario.triggers.isEmpty
        let messagingCustomers = messagingEnabled ? population.count : 0
        // Without campaigns nothing is sent, so frequency caps have nothing to count: the core is
        // built empty rather than with a cap ledger sized by customers × caps.
        triggers = TriggerCore(
            spec: messagingEnabled ? scenario.triggers : .empty,
            population: messagingEnabled ? population : Population.empty, zones: zones, seed: scenario.seed)
        backend = MockBackend(spec: scenario.backend, scenarioSeed: scenario.seed, partitions: population.idStride)
        response = ResponseModel(spec: scenario.behavior)
        fatigue = FatigueState(count: messagingCustomers, start: scenario.start, end: scenario.end)
        messaging = MessagingMetrics()
        messageState = MessageState(
            population: population, customers: messagingCustomers, seed: scenario.seed,
            campaigns: scenario.triggers.campaigns, start: scenario.start, end: scenario.end)
        var listened: UInt64 = 0
        for campaign in scenario.triggers.campaigns {
            listened |= EventRoutes.kinds(of: campaign, roles: [.trigger, .exception, .wait, .conversion]).rawValue
        }
        let model = scenario.effectiveJourney
        var reactions: UInt64 = 0
        for program in model.programs { reactions |= program.reactsTo }
        for kind in model.trackedKinds { listened |= EventKindSet(kind).rawValue }
        let messageMask = EventKindSet.messageInteractions.rawValue
        messageEvents = messagingEnabled ? (listened | reactions & ~(1 << 63)) & messageMask : 0
        journeyReactions = reactions
        ignoreWindows = scenario.triggers.campaigns.map(\.ignoredAfter)
        var delayTable: [(cumulative: Double, value: Double)] = []
        openDelays = Channel.allCases.map { channel in
            scenario.behavior.response(channel).openDelay.map { CompiledDistribution($0, empirical: &delayTable) }
        }
        openDelayTable = delayTable
        journeyModel = model
        journeyTables = JourneyTables(
            programs: model.programs, stateCount: model.stateNames.count, processStarts: model.processStarts)
        var tracked = ContiguousArray<Int8>(repeating: -1, count: EventKind.limit)
        for (index, kind) in model.trackedKinds.enumerated() {
            tracked[Int(kind.rawValue)] = Int8(index)
        }
        trackedIndex = tracked
        runtime = JourneyRuntime(
            model: model, customers: population.count, start: scenario.start, end: scenario.end)
        journeyStates = StateBuffer(repeating: JourneyStateCounter(), count: model.stateNames.count)
        journeyGuard = JourneyInstantGuard(customers: population.count)
        journeyEventCounts = JourneyMetrics(
            states: model.stateNames.count, customEvents: model.catalog.custom.count)
        actions.reserveCapacity(64)
        // One pending event per customer from the start and a few more while journeys run
        // (deliveries, reviews, messages in flight); address space beyond what is used is free.
        queue.reserveCapacity(2 * population.count)
        startJourneys()
    }

    /// Pending events right now.
    public var pendingEvents: Int { queue.count }

    /// Whether a limit shared by all customers (a campaign's `rate_limit`, a mock sender's rate)
    /// may have acted on this part's traffic in a way the whole run's would not: false for a
    /// whole population, and for a part whose traffic stayed within its fair share of every
    /// such limit (see `MockBackend` and `TriggerCore.sharedLimitMayBind`).
    public var sharedLimitMayBind: Bool {
        population.idStride > 1 && (triggers.sharedLimitMayBind || backend.sharedLimitMayBind)
    }

    /// Runs until the scenario's end (or `until`, if earlier). Returns false when it stopped early
    /// because `shouldStop` said so (checked every 65,536 events or trigger-core advances). `progress` is told the
    /// simulated time and the events processed so far at the same checkpoints.
    /// With `stopWhenSharedLimitMayBind`, it also stops (at the same checkpoints) once
    /// `sharedLimitMayBind` is true, for a part whose results will be thrown away.
    @discardableResult
    public mutating func run(
        until limit: SimTime? = nil, shouldStop: () -> Bool = { false },
        stopWhenSharedLimitMayBind: Bool = false,
        progress: (_ now: SimTime, _ events: Int) -> Void = { _, _ in }
    ) -> Bool {
        let end = min(limit ?? scenario.end, scenario.end)
        var processed = 0
        // Customer events and trigger-core advances both count towards the checkpoints, so a
        // stretch of flow steps with no customer event in it still stops when asked.
        var steps = 0
        // Asked once before the first event too, so a caller learns that the loop has started.
        if shouldStop() { return false }
        state.makeUnique()
        messageState.makeUnique()
        fatigue.makeUnique()
        tally.makeUnique()
        // From here on the loop calls the trigger core's unchecked entry points.
        if messagingEnabled { triggers.makeUnique() }
        runtime.makeUnique()
        journeyStates.makeUnique()
        while true {
            let next = queue.nextTime
            steps &+= 1
            // Events at an instant go before sends due at that instant, so an exception event
            // cancels a message due at the same millisecond.
            if messagingEnabled, triggers.mayFallDue(before: next.map { min($0, end) } ?? end),
                let due = triggers.nextDueTimeUnchecked, due < end, next == nil || due < next!
            {
                now = due
                triggers.advanceUnchecked(to: due, into: &actions)
                dispatchActions()
            } else {
                guard let next, next < end else { break }
                let entry = queue.pop()!
                if let upcoming = queue.nextPayloadToPrefetch() { prefetchCustomer(upcoming.customer) }
                now = entry.time
                process(entry.payload)
                processed &+= 1
                if journeyRunawayFound != nil {
                    tally.eventsProcessed &+= processed
                    return false
                }
            }
            if steps & 0xFFFF == 0 {
                progress(now, processed)
                if shouldStop() || (stopWhenSharedLimitMayBind && sharedLimitMayBind) {
                    tally.eventsProcessed &+= processed
                    return false
                }
            }
        }
        tally.eventsProcessed &+= processed
        if end == scenario.end {
            now = end
            if messagingEnabled { triggers.finish(at: end) }
        }
        return true
    }
}
