/// The synthetic customers' fixed attributes, stored as parallel arrays (struct of arrays) indexed
/// by customer id so the event loop touches only the bytes it needs.
///
/// Each customer's attributes are drawn from that customer's own profile stream, derived from
/// (seed, customer id), so a customer is the same whatever else is in the run: in a shard, in a
/// different strategy, or in a larger population.
public struct Population: Sendable {
    /// Customers in this population (this shard's share of the scenario's customers).
    public let count: Int
    /// Customers of shard `i` of `n` are the scenario's ids `i, i + n, i + 2n, …`: local index
    /// `k` is global id `k × idStride + idOffset`. A whole population has stride 1, offset 0.
    public let idStride: Int
    public let idOffset: Int
    public internal(set) var archetype: ContiguousArray<Archetype>
    /// Channels the customer uses.
    public internal(set) var channels: ContiguousArray<ChannelSet>
    /// Channels on which the customer consents to marketing messages (a subset of `channels`).
    public internal(set) var consent: ContiguousArray<ChannelSet>
    /// Channels that can actually deliver: app installed, number or address valid.
    public internal(set) var reachable: ContiguousArray<ChannelSet>
    /// Index into the scenario's time-zone list (and `TimeZoneTable`).
    public internal(set) var timeZone: ContiguousArray<UInt16>
    /// Whether the multichannel effect (`boostedFrequency`, `boostedSpend`) applies to the
    /// customer. One byte instead of two per-customer `Float`s: the multipliers are the same for
    /// every customer they apply to.
    public internal(set) var boosted: ContiguousArray<Bool>
    /// Multipliers on the rate at which needs arise and on basket value for boosted customers.
    public internal(set) var boostedFrequency: Float = 1
    public internal(set) var boostedSpend: Float = 1

    /// Generates the scenario's customers, or one shard's share of them (`shard` of `shards`).
    public init(scenario: Scenario, shard: Int = 0, of shards: Int = 1) {
        precondition(shards >= 1 && shard >= 0 && shard < shards, "shard index out of range")
        let spec = scenario.population
        idStride = shards
        idOffset = shard
        count = spec.customers > shard ? (spec.customers - shard + shards - 1) / shards : 0
        archetype = ContiguousArray(repeating: .routine, count: count)
        channels = ContiguousArray(repeating: [], count: count)
        consent = ContiguousArray(repeating: [], count: count)
        reachable = ContiguousArray(repeating: [], count: count)
        timeZone = ContiguousArray(repeating: 0, count: count)
        boosted = ContiguousArray(repeating: false, count: count)
        let archetypeTable = CategoricalTable(weights: spec.archetypeMix)
        let countTable = CategoricalTable(weights: spec.channelCountMix)
        let zoneTable = CategoricalTable(weights: spec.timeZones.map(\.share))
        let weights = spec.channels.map(\.weight)
        let effect = spec.multichannel
        boostedFrequency = Float(effect.frequencyMultiplier)
        boostedSpend = Float(effect.spendMultiplier)
        // An effect of 1 and 1 changes nothing, and its customers count as not boosted.
        let effective = boostedFrequency != 1 || boostedSpend != 1
        for id in 0..<count {
            var rng = Xoshiro256StarStar(seed: scenario.seed, stream: .profile, customer: globalID(id))
            let kind = Archetype(rawValue: UInt8(archetypeTable.sample(&rng)))!
            archetype[id] = kind
            let wanted = countTable.sample(&rng) + 1
            let set = Population.drawChannels(count: wanted, weights: weights, rng: &rng)
            channels[id] = set
            var consents: ChannelSet = []
            var reach: ChannelSet = []
            var members = set.rawValue  // the set's channels in raw-value order, without an array
            while members != 0 {
                let channel = Channel(rawValue: UInt8(members.trailingZeroBitCount))!
                members &= members &- 1
                let profile = spec.channels[Int(channel.rawValue)]
                if rng.bernoulli(profile.consent) { consents.insert(ChannelSet(channel)) }
                if rng.bernoulli(profile.reachable) { reach.insert(ChannelSet(channel)) }
            }
            consent[id] = consents
            reachable[id] = reach
            timeZone[id] = UInt16(zoneTable.sample(&rng))
            if effective && effect.archetypes[Int(kind.rawValue)] && set.count >= effect.minChannels {
                boosted[id] = true
            }
        }
    }

    /// Multiplier on the rate at which the customer's needs arise (the multichannel effect).
    @inlinable public func frequencyMultiplier(_ id: Int) -> Float { boosted[id] ? boostedFrequency : 1 }

    /// Multiplier on the customer's basket value (the multichannel effect).
    @inlinable public func spendMultiplier(_ id: Int) -> Float { boosted[id] ? boostedSpend : 1 }

    /// The scenario-wide id of local customer `local`: what random streams, control groups and
    /// traces use, so a customer behaves the same in any shard.
    @inlinable public func globalID(_ local: Int) -> UInt64 {
        UInt64(local &* idStride &+ idOffset)
    }

    /// Draws `count` distinct channels, each pick weighted by popularity among those not yet
    /// picked. Fewer come back only when fewer channels have a positive weight.
    static func drawChannels(count: Int, weights: [Double], rng: inout Xoshiro256StarStar) -> ChannelSet {
        var set: ChannelSet = []
        // The weights of channels not yet chosen (a chosen one weighs 0), read in place so
        // generating a million customers allocates nothing per customer.
        func remaining(_ index: Int) -> Double { set.rawValue & (1 << UInt16(index)) != 0 ? 0 : weights[index] }
        for _ in 0..<count {
            var total = 0.0
            for index in weights.indices { total += remaining(index) }
            guard total > 0 else { break }
            var target = rng.nextUnit() * total
            var chosen = weights.count - 1
            for index in weights.indices where remaining(index) > 0 {
                target -= remaining(index)
                chosen = index
                if target < 0 { break }
            }
            set.insert(ChannelSet(Channel(rawValue: UInt8(chosen))!))
        }
        return set
    }
}
