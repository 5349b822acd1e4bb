import JourneySimPrefetch

/// Software prefetching in the event loop: while one event is processed, the cache lines the
/// next one will touch are loaded.
///
/// Customers' state is kept in columns (one per field), and with a few hundred thousand customers
/// the columns are far larger than the cache, so an event's first read of each column it needs is
/// a DRAM round trip, taken one after another as the code reaches them. Profiles of the default
/// journey showed most of a journey step's time in such stalls (the process's slot, the random
/// stream, the trigger core's profile). The next event's customer is known before the current one
/// is processed (`EventQueue.nextPayloadToPrefetch()`, once the pending set has outgrown the
/// 4-ary heap), so its lines load in the background. A prefetch never faults and changes
/// nothing but timing: results are the same with or without it.
extension Simulator {
    /// Prefetches the columns an event of `customer` reads first: its journey slot, random
    /// stream, stage, cart, session channel, archetype and time zone, and with messaging its
    /// message flags and response stream, fatigue, and trigger-core profile and campaign cells.
    @inline(__always) func prefetchCustomer(_ customer: UInt32) {
        let id = Int(customer)
        guard id < population.count else { return }
        if runtime.processes > 0 { journeysim_prefetch(runtime.slots.address(id &* runtime.processes)) }
        journeysim_prefetch(state.rng.draws.address(id))
        journeysim_prefetch(state.stage.address(id))
        journeysim_prefetch(state.cartCents.address(id))
        journeysim_prefetch(state.sessionChannel.address(id))
        population.archetype.withUnsafeBufferPointer { journeysim_prefetch($0.baseAddress! + id) }
        population.timeZone.withUnsafeBufferPointer { journeysim_prefetch($0.baseAddress! + id) }
        if messagingEnabled {
            journeysim_prefetch(messageState.flags.address(id))
            journeysim_prefetch(messageState.rng.draws.address(id))
            journeysim_prefetch(fatigue.annoyance.address(id))
            triggers.prefetchProfile(customer: id)
        }
    }
}
