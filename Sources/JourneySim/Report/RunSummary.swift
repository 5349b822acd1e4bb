/// The machine-readable result of a run, written as `summary.json`.
///
/// Holds only what the scenario and seed determine (no wall-clock figures), so the same seed
/// gives a byte-identical file. `schemaVersion` changes whenever a field changes meaning.
public struct RunSummary: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion = RunSummary.currentSchemaVersion
    /// False when the run was interrupted; `simulatedUntil` then says how far it got.
    public var complete: Bool
    public var simulatedUntil: String
    public var scenario: ScenarioInfo
    public var totals: FunnelSummary
    public var byArchetype: [String: FunnelSummary]
    public var byChannel: [String: FunnelSummary]
    /// Observed step outcomes per archetype and stage: the session steps' realised rates.
    public var stageTransitions: [String: [String: TransitionSummary]]
    public var population: PopulationSummary
    /// Share of session starts per customer-local hour (0–23).
    public var sessionsByLocalHour: [Double]
    public var multichannelEffect: MultichannelSummary
    public var daily: [DailySummary]
    /// Campaigns, messages and customer reactions; absent when the scenario has no campaigns.
    public var messaging: MessagingSummary?
    /// The journey's custom events and states (the scenario's journey or the built-in e-commerce file).
    public var journey: JourneySummary?
    public var eventsProcessed: Int

    public struct ScenarioInfo: Codable, Sendable, Equatable {
        public var name: String
        public var seed: UInt64
        public var start: String
        public var end: String
        public var durationDays: Double
        public var customers: Int
    }

    public struct TransitionSummary: Codable, Sendable, Equatable {
        public var steps: Int
        /// Outcome name (e.g. `cart`, `research`, `end`) → observed share of steps.
        public var shares: [String: Double]
    }

    public struct PopulationSummary: Codable, Sendable, Equatable {
        /// Channel count ("1" … "10") → share of customers.
        public var channelCountShare: [String: Double]
        public var shareWith3To5Channels: Double
        /// Share of customers the multichannel effect applies to.
        public var multichannelShare: Double
        public var archetypeShare: [String: Double]
    }

    public struct MultichannelSummary: Codable, Sendable, Equatable {
        public var archetypes: [String]
        /// Purchases per customer with the effect ÷ purchases per customer without it (target ≈ 1.7).
        public var purchaseFrequencyRatio: Double?
        /// Average order value with the effect ÷ without it (target ≈ 1.34).
        public var orderValueRatio: Double?
    }

    public struct DailySummary: Codable, Sendable, Equatable {
        public var date: String
        public var sessions: Int
        public var cartAdds: Int
        public var abandonedCarts: Int
        public var purchases: Int
        public var revenue: Double
        public var messagesDelivered: Int
        public var unhappyMessages: Int
        public var optOuts: Int
    }
}

/// Funnel figures for one slice. `customers`, `buyers` and `customerConversion` are absent for
/// channel slices, where a customer belongs to several slices at once.
public struct FunnelSummary: Codable, Sendable, Equatable {
    public var customers: Int?
    public var buyers: Int?
    public var repeatBuyers: Int?
    public var journeys: Int
    public var sessions: Int
    public var views: Int
    public var cartAdds: Int
    public var checkouts: Int
    public var purchases: Int
    public var revenue: Double
    public var abandonedCarts: Int
    public var lapsedJourneys: Int
    public var deliveries: Int
    public var supportRequests: Int
    public var reviews: Int
    public var referrals: Int
    /// Share of customers who bought at least once.
    public var customerConversion: Double?
    /// Purchases per journey started.
    public var journeyConversion: Double
    /// Sessions ending with a non-empty cart ÷ (those + purchases).
    public var cartAbandonmentRate: Double
    public var averageOrderValue: Double
    /// Mean time from the need arising to the purchase, in days.
    public var meanDaysToPurchase: Double

    init(_ funnel: FunnelCounts, customers: CustomerCounts?) {
        self.customers = customers?.customers
        buyers = customers?.buyers
        repeatBuyers = customers?.repeatBuyers
        journeys = funnel.journeys
        sessions = funnel.sessions
        views = funnel.views
        cartAdds = funnel.cartAdds
        checkouts = funnel.checkouts
        purchases = funnel.purchases
        revenue = Double(funnel.revenueCents) / 100
        abandonedCarts = funnel.abandonedCarts
        lapsedJourneys = funnel.lapsedJourneys
        deliveries = funnel.deliveries
        supportRequests = funnel.supportRequests
        reviews = funnel.reviews
        referrals = funnel.referrals
        customerConversion = customers.map { ratio($0.buyers, $0.customers) }
        journeyConversion = ratio(funnel.purchases, funnel.journeys)
        cartAbandonmentRate = ratio(funnel.abandonedCarts, funnel.abandonedCarts + funnel.purchases)
        averageOrderValue = rounded(
            funnel.purchases > 0 ? Double(funnel.revenueCents) / 100 / Double(funnel.purchases) : 0)
        meanDaysToPurchase = rounded(
            funnel.purchases > 0
                ? Double(funnel.journeyMillisecondsToPurchase) / 86_400_000 / Double(funnel.purchases) : 0)
    }
}

/// A share rounded to six decimals; 0 when the denominator is 0.
func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? rounded(Double(a) / Double(b)) : 0 }

/// Six decimals: enough for any rate a person reads, and stable across platforms.
func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
