/// A message the simulation sent, as logged for replay: enough to render its wire payload.
public struct SentMessage: Sendable {
    public var message: OutboundMessage
    public var template: UInt16
    public var discount: UInt16
    /// The customer's cart when the message went out, for `cart_value` personalisation.
    public var cartCents: UInt32
    public var globalCustomer: UInt64
    /// Sent on a fallback channel after the first choice failed.
    public var isFallback: Bool
}

/// Journey-shaped traffic for `load`: the scenario runs in virtual time (customers, trigger core,
/// mock backend), every message it sends is logged with its intended send time, and the log is
/// replayed against a real backend on the wall clock. The traffic therefore has the bursts,
/// time-of-day waves and channel mix that the campaigns produce, not a flat request loop.
/// Receipts from the real backend do not feed back into the journeys.
public enum JourneyTraffic {
    /// Runs the scenario (or shard `shard` of `shards`: that shard's customers and so its share of
    /// the traffic) and returns its summary and up to `limit` messages in intended-time order.
    /// The run's performance figures are timed on `clock`.
    public static func record<C: Clock>(
        _ scenario: Scenario, shard: Int = 0, of shards: Int = 1,
        limit: Int = 10_000_000, clock: C = ContinuousClock()
    ) -> (run: SimulationRun, items: [LoadItem]) where C.Duration == Duration {
        let started = clock.now
        let population = Population(scenario: scenario, shard: shard, of: shards)
        let generated = started.duration(to: clock.now)
        var sim = Simulator(scenario: scenario, population: population, observer: NoObserver())
        sim.sendLog = []
        sim.sendLogLimit = limit
        sim.run()
        let record = sim.record(complete: true, digest: "", shards: ShardSet(count: shards, indices: [shard]))
        var run = SimulationRun.finish(
            record, scenario: scenario, trace: nil, skipped: 0,
            timing: (population: generated, total: started.duration(to: clock.now)))
        run.conservation = sim.conservation
        let spec = scenario.triggers
        let log = sim.sendLog ?? []
        var items = log.map { sent -> LoadItem in
            let campaign = spec.campaigns[Int(sent.message.campaign)]
            var fieldNames: [String] = []
            if Int(sent.message.step) < campaign.flow.steps.count,
                case let .message(step) = campaign.flow.steps[Int(sent.message.step)]
            {
                fieldNames = step.content.fields
            }
            let fields = fieldNames.map { name -> (name: String, value: String) in
                switch name {
                case "first_name": return (name, "Customer \(sent.globalCustomer)")
                case "cart_value", "order_total": return (name, (Double(sent.cartCents) / 100).formatted2)
                default: return (name, "\(name)-\(sent.globalCustomer)")
                }
            }
            let discount =
                Int(sent.discount) < spec.discountCodes.count && sent.discount != 0
                ? spec.discountCodes[Int(sent.discount)] : nil
            let content = MessageContent(
                campaignName: campaign.name, template: spec.templates[Int(sent.template)],
                fields: fields, discountCode: discount)
            return LoadItem(intendedTime: sent.message.intendedTime, message: sent.message, content: content)
        }
        items.sort {
            $0.intendedTime != $1.intendedTime ? $0.intendedTime < $1.intendedTime : $0.message.id < $1.message.id
        }
        return (run, items)
    }
}
