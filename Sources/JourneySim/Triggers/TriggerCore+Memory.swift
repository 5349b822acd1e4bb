/// Bytes the trigger core holds, from the capacities of its arrays (not their counts), so a
/// benchmark reports what is actually allocated.
public struct TriggerMemoryFootprint: Sendable, Equatable {
    /// Per (customer, campaign) cells: running-flow slot, last exposure, exposure flags.
    public var perCustomerCampaignBytes: Int
    /// Per customer: packed profile (channels, consent, reachability, zone, archetype, event kinds
    /// seen, opt-outs) and frequency-cap rings.
    public var perCustomerBytes: Int
    /// Running flow instances and their free list.
    public var flowPoolBytes: Int
    /// The due-time queue (lanes and heap).
    public var heapBytes: Int
    /// Per-campaign rate-limit counters and compiled campaigns, steps and filters.
    public var campaignBytes: Int

    public var totalBytes: Int {
        perCustomerCampaignBytes + perCustomerBytes + flowPoolBytes + heapBytes + campaignBytes
    }

    /// Total state divided over customers × campaigns: the figure to keep ≤ 128 B.
    public func bytesPerCustomerPerCampaign(customers: Int, campaigns: Int) -> Double {
        Double(totalBytes) / Double(max(1, customers * campaigns))
    }
}

extension TriggerCore {
    public var memoryFootprint: TriggerMemoryFootprint {
        TriggerMemoryFootprint(
            perCustomerCampaignBytes: cells.allocatedBytes,
            perCustomerBytes: profiles.allocatedBytes + caps.stateBytes,
            flowPoolBytes: instances.allocatedBytes + generations.allocatedBytes + freeInstances.allocatedBytes,
            heapBytes: queue.allocatedBytes,
            campaignBytes: rateMinute.allocatedBytes + rateCount.allocatedBytes + campaigns.allocatedBytes
                + steps.allocatedBytes + filters.allocatedBytes + cases.allocatedBytes)
    }
}
