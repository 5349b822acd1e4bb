/// Throughput and memory of the trigger core on its own: a synthetic, time-ordered stream of
/// customer events for a large population through a core with many live campaigns. Called by
/// `journeysim bench`; run it in a release build.
public enum TriggerBenchmark {
    /// The population the committed baseline and the target are measured on.
    public static let defaultCustomers = 1_000_000
    /// Customer ids are 32-bit and the cells of 20 campaigns take 160 bytes each: 50 M customers
    /// is 8 GB of cells, as far as a one-machine benchmark should go.
    public static let maxCustomers = 50_000_000

    /// The benchmark's row name: "trigger core, 20 campaigns, 1M customers", with the
    /// population written as 10k, 250k, 1M, 2.5M.
    public static func name(customers: Int) -> String {
        func short(_ value: Int, _ unit: Int, _ suffix: String) -> String {
            value % unit == 0 ? "\(value / unit)\(suffix)" : "\(Double(value) / Double(unit))\(suffix)"
        }
        let count =
            customers >= 1_000_000
            ? short(customers, 1_000_000, "M")
            : customers >= 1_000 ? short(customers, 1_000, "k") : String(customers)
        return "trigger core, 20 campaigns, \(count) customers"
    }

    public struct Result: Sendable {
        public var customers: Int
        public var campaigns: Int
        public var events: Int
        /// Wall-clock seconds spent inside the core (event generation excluded).
        public var seconds: Double
        public var eventsPerSecond: Double
        public var sendRequests: Int
        public var messagesCreated: UInt64
        public var memory: TriggerMemoryFootprint
        public var bytesPerCustomerPerCampaign: Double
        /// Whether the run's message counts added up.
        public var conserved: Bool
    }

    /// Feeds `events` events for `customers` customers through `campaigns` campaigns (a mix of
    /// single messages and multi-step flows with filters, delays, exceptions, windows, caps,
    /// control groups, fallback and rate limits). Events come from `SessionStream` (interleaved
    /// sessions of random customers, 14 simulated days) and are generated in chunks outside the
    /// timed section; delivery failures are reported for about 3% of sends. Pass `spec` to
    /// measure a scenario's own campaigns instead of the synthetic twenty.
    public static func run(
        customers: Int = 1_000_000, campaigns: Int = 20, events: Int = 20_000_000,
        concurrentSessions: Int = 2048, seed: UInt64 = 1, spec custom: TriggerSpec? = nil
    ) -> Result {
        let start = SimTime(unixSeconds: 1_772_409_600)
        let zoneNames = ["America/New_York", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo"]
        let population = syntheticPopulation(customers: customers, zones: zoneNames.count, seed: seed)
        let spec = custom ?? syntheticSpec(campaigns: campaigns)
        let campaigns = spec.campaigns.count
        let span = SimDuration.days(14)
        var core = TriggerCore(
            spec: spec, population: population,
            zones: TimeZoneTable(identifiers: zoneNames, start: start, end: start + span + .days(30)), seed: seed)
        let step = max(1, span.milliseconds / Int64(max(1, events)))
        var stream = SessionStream(customers: customers, concurrentSessions: concurrentSessions, seed: seed)
        var chunk = ContiguousArray<CustomerEvent>()
        let chunkSize = 1 << 20
        /// Events per `handle(batch:)` call, like a stream consumer's poll.
        let batchSize = 1024
        chunk.reserveCapacity(chunkSize)
        var actions = ContiguousArray<SendRequest>()
        actions.reserveCapacity(4096)
        var sends = 0
        var elapsed = Duration.zero
        let clock = ContinuousClock()
        var produced = 0
        var time = start.milliseconds
        while produced < events {
            chunk.removeAll(keepingCapacity: true)
            let count = min(chunkSize, events - produced)
            for _ in 0..<count {
                time &+= step
                chunk.append(stream.next(time: time))
            }
            produced += count
            let began = clock.now
            var batchStart = 0
            while batchStart < chunk.count {
                let batchEnd = min(chunk.count, batchStart &+ batchSize)
                core.handle(batch: chunk[batchStart..<batchEnd], into: &actions)
                sends &+= settle(&actions, core: &core)
                batchStart = batchEnd
            }
            elapsed += clock.now - began
        }
        let began = clock.now
        let end = SimTime(milliseconds: time) + .days(30)
        core.advance(to: end, into: &actions)
        sends &+= settle(&actions, core: &core)
        core.finish(at: end)
        elapsed += clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let memory = core.memoryFootprint
        return Result(
            customers: customers, campaigns: campaigns, events: events, seconds: seconds,
            eventsPerSecond: Double(events) / max(seconds, 1e-9), sendRequests: sends,
            messagesCreated: core.stats.total(.created), memory: memory,
            bytesPerCustomerPerCampaign: memory.bytesPerCustomerPerCampaign(customers: customers, campaigns: campaigns),
            conserved: core.stats.isConserved)
    }

    /// Counts the requests and reports a delivery failure for about 3% of them, at the send time.
    static func settle(_ actions: inout ContiguousArray<SendRequest>, core: inout TriggerCore) -> Int {
        var index = 0
        while index < actions.count {
            let request = actions[index]
            if !request.isFallback, SplitMix64.mix(request.message.serial) % 32 == 0 {
                core.reportDelivery(request.message, outcome: .failed, at: request.time, into: &actions)
            }
            index &+= 1
        }
        let count = actions.count
        actions.removeAll(keepingCapacity: true)
        return count
    }

    /// Shapes the synthetic stream like real journeys: `concurrentSessions` sessions are open at
    /// once and their events interleave in time order. A session is session_start, 1–6 views,
    /// maybe add_to_cart, checkout and purchase, then session_end (in stage cart when the cart was
    /// left). Between sessions some customers get a delivery, review, support request or go dormant.
    struct SessionStream {
        struct Session {
            var customer: UInt32
            var channel: Channel
            var remainingViews: Int32
            var next: EventKind
            var cartValue: Float
        }

        var sessions: ContiguousArray<Session>
        var rng: Xoshiro256StarStar
        let customers: Int

        init(customers: Int, concurrentSessions: Int, seed: UInt64) {
            self.customers = customers
            rng = Xoshiro256StarStar(seed: seed, stream: .trigger, customer: .max)
            sessions = []
            for _ in 0..<concurrentSessions {
                sessions.append(Session(customer: 0, channel: .sms, remainingViews: 0, next: .needArises, cartValue: 0))
            }
            for index in sessions.indices { sessions[index] = newSession() }
        }

        mutating func newSession() -> Session {
            let customer = UInt32(truncatingIfNeeded: rng.next().multipliedFullWidth(by: UInt64(customers)).high)
            let draw = rng.next()
            let roll = draw & 0xFF
            let first: EventKind =
                roll < 10
                ? .delivery : roll < 14 ? .review : roll < 17 ? .dormant : roll < 19 ? .supportRequest : .sessionStart
            return Session(
                customer: customer, channel: Channel(rawValue: UInt8((draw >> 8) % 3))!,
                remainingViews: Int32(1 + (draw >> 16) % 6), next: first, cartValue: 0)
        }

        mutating func next(time: Int64) -> CustomerEvent {
            let slot = Int(truncatingIfNeeded: rng.next().multipliedFullWidth(by: UInt64(sessions.count)).high)
            var session = sessions[slot]
            let draw = rng.next()
            let kind = session.next
            var stage = Stage.research
            var stars: UInt8 = 0
            var done = false
            switch kind {
            case .sessionStart:
                session.next = .view
            case .view:
                session.remainingViews -= 1
                if session.remainingViews > 0 {
                    session.next = .view
                } else {
                    session.next = draw & 0xFF < 102 ? .addToCart : .sessionEnd
                }
            case .addToCart:
                stage = .cart
                session.cartValue = Float(10 + (draw >> 8) % 250)
                session.next = draw & 0xFF < 77 ? .checkout : .sessionEnd
            case .checkout:
                stage = .checkout
                session.next = draw & 0xFF < 180 ? .purchase : .sessionEnd
            case .purchase:
                stage = .purchased
                session.next = .sessionEnd
            case .sessionEnd:
                stage = session.cartValue > 0 ? .cart : .research
                done = true
            case .review:
                stage = .using
                stars = UInt8(1 + (draw >> 8) % 5)
                done = true
            case .delivery, .supportRequest:
                stage = .using
                done = true
            default:
                stage = .dormant
                done = true
            }
            let event = CustomerEvent(
                customer: session.customer, kind: kind, time: SimTime(milliseconds: time),
                channel: session.channel, stage: stage, cartValue: session.cartValue, stars: stars)
            if kind == .purchase { session.cartValue = 0 }
            sessions[slot] = done ? newSession() : session
            return event
        }
    }

    static func syntheticPopulation(customers: Int, zones: Int, seed: UInt64) -> Population {
        var archetypes = ContiguousArray<Archetype>(repeating: .routine, count: customers)
        var channels = ContiguousArray<ChannelSet>(repeating: [], count: customers)
        var consent = channels
        var reachable = channels
        var zone = ContiguousArray<UInt16>(repeating: 0, count: customers)
        for id in 0..<customers {
            let bits = SplitMix64.hash(seed, UInt64(RandomStream.profile.rawValue), UInt64(id))
            archetypes[id] = Archetype(rawValue: UInt8(bits & 3))!
            let set = ChannelSet(rawValue: UInt16((bits >> 8) & 0x3FF) | 0b110)  // always SMS and email
            channels[id] = set
            consent[id] = ChannelSet(rawValue: set.rawValue & (UInt16((bits >> 20) & 0x3FF) | 0b100))
            reachable[id] = ChannelSet(rawValue: set.rawValue & (UInt16((bits >> 32) & 0x3FF) | 0b110))
            zone[id] = UInt16((bits >> 48) % UInt64(zones))
        }
        return Population(
            archetype: archetypes, channels: channels, consent: consent, reachable: reachable, timeZone: zone)
    }

    /// `count` campaigns cycling through ten realistic shapes with varied delays.
    static func syntheticSpec(campaigns count: Int) -> TriggerSpec {
        TriggerSpec(
            campaigns: (0..<count).map(syntheticCampaign),
            frequencyCaps: [
                FrequencyCap(limit: 3, period: .calendarDays(1)), FrequencyCap(limit: 10, period: .rolling(.days(7))),
                FrequencyCap(limit: 2, period: .calendarDays(1), channel: .whatsapp),
            ])
    }

    /// Campaign `index`: shape `index % 10`, its delays stretched by `index / 10 + 1`.
    static func syntheticCampaign(_ index: Int) -> Campaign {
        let variant = Double(index / 10 + 1)
        return switch index % 10 {
        case 0: abandonedCart(index, variant: variant)
        case 1: bigCart(index, variant: variant)
        case 2: orderConfirmation(index, variant: variant)
        case 3: deliveryUpdate(index, variant: variant)
        case 4: review(index, variant: variant)
        case 5: welcome(index, variant: variant)
        case 6: reEngagement(index, variant: variant)
        case 7: browseAbandonment(index, variant: variant)
        case 8: checkoutAbandonment(index, variant: variant)
        default: supportFollowUp(index, variant: variant)
        }
    }

    /// A two-message cart reminder with a wait for the purchase.
    private static func abandonedCart(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "abandoned_cart_\(index)",
            trigger: .init(
                event: .sessionEnd,
                filters: [
                    EventFilter(field: .stage, comparison: .equal, value: Float(Stage.cart.rawValue)),
                    EventFilter(field: .cartValue, comparison: .greater, value: 0),
                ]),
            flow: Flow(steps: [
                .message(MessageStep(delay: .minutes(30 * variant), content: .init(template: "cart_reminder"))),
                .wait(WaitStep(event: .purchase, timeout: .hours(23.5), onEvent: Flow.end, onTimeout: 2)),
                .message(MessageStep(content: .init(template: "cart_discount", discountCode: "SAVE10"))),
            ]),
            isMultiStep: true)
        campaign.exceptionEvents = [EventKindSet(.purchase)]
        campaign.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260, outside: .defer)
        campaign.controlGroup = 0.1
        campaign.reeligibility = .days(7)
        campaign.conversion = .init(event: .purchase, window: .days(3))
        return campaign
    }

    /// A one-off nudge for big WhatsApp carts.
    private static func bigCart(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "big_cart_\(index)",
            trigger: .init(
                event: .sessionEnd,
                filters: [
                    EventFilter(field: .cartValue, comparison: .greater, value: 100),
                    EventFilter(field: .channel, comparison: .equal, value: Float(Channel.whatsapp.rawValue)),
                ]),
            delay: .minutes(30 * variant), content: .init(template: "big_cart"))
        campaign.exceptionEvents = [EventKindSet(.purchase)]
        campaign.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260)
        return campaign
    }

    /// A transactional order confirmation outside the caps.
    private static func orderConfirmation(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "order_confirmation_\(index)", trigger: .init(event: .purchase),
            content: .init(template: "order_confirmation"))
        campaign.priority = .transactional
        campaign.overrideCaps = true
        campaign.countsTowardCaps = false
        campaign.reeligibility = .zero
        campaign.preferJourneyChannel = true
        return campaign
    }

    /// A transactional delivery update outside the caps.
    private static func deliveryUpdate(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "delivery_update_\(index)", trigger: .init(event: .delivery),
            content: .init(template: "delivery_update"))
        campaign.overrideCaps = true
        campaign.countsTowardCaps = false
        campaign.reeligibility = .zero
        return campaign
    }

    /// A review request branching on the stars given.
    private static func review(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "review_\(index)", trigger: .init(event: .delivery),
            flow: Flow(
                steps: [
                    .message(MessageStep(delay: .days(3), content: .init(template: "review_request"))),
                    .wait(WaitStep(event: .review, timeout: .days(7), onEvent: 2, onTimeout: Flow.end)),
                    .branch(
                        BranchStep(
                            cases: [
                                .init(
                                    condition: EventFilter(field: .stars, comparison: .lessOrEqual, value: 3),
                                    goto: 3)
                            ], otherwise: 4)),
                    .message(MessageStep(content: .init(template: "agent", routeToAgent: true))),
                    .message(MessageStep(content: .init(template: "public_review"))),
                ], next: [1, 2, 3, Flow.end, Flow.end]), isMultiStep: true)
        campaign.reeligibility = .days(14)
        campaign.controlGroup = 0.05
        campaign.conversion = .init(event: .review, window: .days(7))
        return campaign
    }

    /// A first-visit welcome series.
    private static func welcome(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "welcome_\(index)", trigger: .init(event: .sessionStart, firstTimeOnly: true),
            flow: Flow(steps: [
                .message(MessageStep(delay: .minutes(5), content: .init(template: "welcome"))),
                .delay(.days(2)),
                .message(MessageStep(content: .init(template: "tips"))),
            ]), isMultiStep: true)
        campaign.exceptionEvents = [EventKindSet(.purchase)]
        campaign.channels = [.email, .whatsapp]
        return campaign
    }

    /// A re-engagement series for dormant customers.
    private static func reEngagement(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "re_engagement_\(index)", trigger: .init(event: .dormant),
            flow: Flow(steps: [
                .message(MessageStep(delay: .days(1), content: .init(template: "we_miss_you"))),
                .wait(WaitStep(event: .sessionStart, timeout: .days(7), onEvent: Flow.end, onTimeout: 2)),
                .message(MessageStep(content: .init(template: "come_back", discountCode: "BACK20"))),
            ]), isMultiStep: true)
        campaign.exceptionEvents = [EventKindSet(.purchase)]
        campaign.reeligibility = .days(30)
        campaign.controlGroup = 0.1
        campaign.conversion = .init(event: .sessionStart, window: .days(7))
        return campaign
    }

    /// A rate-limited browse reminder.
    private static func browseAbandonment(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "browse_abandonment_\(index)", trigger: .init(event: .view), delay: .hours(2 * variant),
            content: .init(template: "browse"))
        campaign.exceptionEvents = [EventKindSet(.addToCart), EventKindSet(.purchase), EventKindSet(.view)]
        campaign.reeligibility = .days(3)
        campaign.rateLimitPerMinute = 1000
        return campaign
    }

    /// A checkout reminder that rechecks its audience at send.
    private static func checkoutAbandonment(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "checkout_abandonment_\(index)", trigger: .init(event: .checkout), delay: .hours(1),
            content: .init(template: "checkout", discountCode: "FREESHIP"))
        campaign.exceptionEvents = [EventKindSet(.purchase)]
        campaign.reeligibility = .days(2)
        campaign.recheckAudienceAtSend = true
        campaign.audience.archetypes = [.joyride, .odyssey, .trek]
        return campaign
    }

    /// A support satisfaction survey.
    private static func supportFollowUp(_ index: Int, variant: Double) -> Campaign {
        var campaign = Campaign(
            name: "support_follow_up_\(index)", trigger: .init(event: .supportRequest), delay: .days(1),
            content: .init(template: "support_csat"))
        campaign.reeligibility = .days(7)
        campaign.channels = [.email, .sms]
        return campaign
    }
}
