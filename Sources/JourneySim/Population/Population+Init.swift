extension Population {
    /// Builds a population from explicit attribute arrays, for tests and synthetic benchmarks that
    /// need exact customers rather than ones drawn from a scenario. All arrays must have the same
    /// length; nobody is boosted by the multichannel effect.
    public init(
        archetype: ContiguousArray<Archetype>, channels: ContiguousArray<ChannelSet>,
        consent: ContiguousArray<ChannelSet>, reachable: ContiguousArray<ChannelSet>,
        timeZone: ContiguousArray<UInt16>
    ) {
        let count = archetype.count
        precondition(
            channels.count == count && consent.count == count && reachable.count == count
                && timeZone.count == count, "population arrays must have equal lengths")
        self.count = count
        idStride = 1
        idOffset = 0
        self.archetype = archetype
        self.channels = channels
        self.consent = consent
        self.reachable = reachable
        self.timeZone = timeZone
        self.boosted = ContiguousArray(repeating: false, count: count)
    }
}

extension Population {
    /// No customers: what the trigger core is built on when a scenario has no campaigns.
    public static let empty = Population(archetype: [], channels: [], consent: [], reachable: [], timeZone: [])
}
