/// Journey funnel counters for one slice of the population (all customers, one archetype or one
/// channel). Money is in integer cents so sums are exact and merge identically in any order.
public struct FunnelCounts: Sendable, Equatable, Codable, BitwiseCopyable {
    public var journeys = 0
    public var sessions = 0
    public var views = 0
    public var cartAdds = 0
    public var checkouts = 0
    public var purchases = 0
    public var revenueCents: Int64 = 0
    /// Sessions that ended with a non-empty cart.
    public var abandonedCarts = 0
    public var lapsedJourneys = 0
    public var deliveries = 0
    public var supportRequests = 0
    public var reviews = 0
    public var referrals = 0
    /// Sum over purchases of the time from the need arising to the purchase.
    public var journeyMillisecondsToPurchase: Int64 = 0

    public init() {}

    public mutating func merge(_ other: FunnelCounts) {
        journeys += other.journeys
        sessions += other.sessions
        views += other.views
        cartAdds += other.cartAdds
        checkouts += other.checkouts
        purchases += other.purchases
        revenueCents += other.revenueCents
        abandonedCarts += other.abandonedCarts
        lapsedJourneys += other.lapsedJourneys
        deliveries += other.deliveries
        supportRequests += other.supportRequests
        reviews += other.reviews
        referrals += other.referrals
        journeyMillisecondsToPurchase += other.journeyMillisecondsToPurchase
    }
}

/// Per-customer outcome counters that need the customer's whole history (buyers, repeat buyers).
public struct CustomerCounts: Sendable, Equatable, Codable {
    public var customers = 0
    /// Customers with at least one purchase in the run.
    public var buyers = 0
    /// Customers with two or more purchases in the run.
    public var repeatBuyers = 0
    public var purchases = 0
    public var revenueCents: Int64 = 0

    public init() {}

    public mutating func merge(_ other: CustomerCounts) {
        customers += other.customers
        buyers += other.buyers
        repeatBuyers += other.repeatBuyers
        purchases += other.purchases
        revenueCents += other.revenueCents
    }
}
