/// How one archetype's journeys unfold: timing, basket size and the per-step transition
/// probabilities of a session's steps (the default journey's parameters). Defaults make Routine
/// short and predictable and Odyssey long and wandering; every field can be overridden per
/// archetype in the scenario.
public struct JourneyParameters: Sendable, Equatable {
    /// Mean time from the end of one journey (or the start) until a new need arises.
    public var needInterval: SimDuration
    /// Mean time until a customer whose journey lapsed has a need again.
    public var dormancy: SimDuration
    /// Mean gap between sessions within an active journey (before time-of-day shaping).
    public var sessionGap: SimDuration
    /// Mean time between steps (page views, cart actions) within a session.
    public var stepGap: SimDuration
    /// Median basket value (currency units) and the log-normal spread around it.
    public var basketMedian: Double
    public var basketSigma: Double
    /// Probability that a journey lapses (goes dormant) after a session that ended without a
    /// purchase and with an empty cart (browsing).
    public var lapse: Double
    /// The same after a session that ended with a non-empty cart (an abandoned cart): most
    /// abandoned carts are never recovered on their own, which is what reminders work against.
    public var abandonLapse: Double
    public var research: StepProbabilities
    public var cart: StepProbabilities
    public var checkout: StepProbabilities
    /// Mean time from purchase to delivery.
    public var deliveryDelay: SimDuration
    /// After delivery: probabilities of a support request, a review and a referral.
    public var support: Double
    public var review: Double
    public var referral: Double
    /// Mean time from delivery to the review.
    public var reviewDelay: SimDuration
    /// Shares of 1 to 5 star reviews (index 0 is one star).
    public var stars: [Double]

    public static func defaults(for archetype: Archetype) -> JourneyParameters {
        switch archetype {
        case .routine:
            JourneyParameters(
                needInterval: .days(7), dormancy: .days(14), sessionGap: .hours(8), stepGap: .minutes(1.5),
                basketMedian: 30, basketSigma: 0.4, lapse: 0.15, abandonLapse: 0.45,
                research: .init(advance: 0.55, stay: 0.25, back: 0, end: 0.20),
                cart: .init(advance: 0.45, stay: 0.10, back: 0.05, end: 0.40),
                checkout: .init(advance: 0.75, stay: 0, back: 0.05, end: 0.20),
                deliveryDelay: .days(1), support: 0.03, review: 0.10, referral: 0.03, reviewDelay: .days(3),
                stars: [0.03, 0.04, 0.10, 0.33, 0.50])
        case .joyride:
            JourneyParameters(
                needInterval: .days(21), dormancy: .days(21), sessionGap: .hours(12), stepGap: .minutes(3),
                basketMedian: 80, basketSigma: 0.6, lapse: 0.25, abandonLapse: 0.55,
                research: .init(advance: 0.30, stay: 0.50, back: 0, end: 0.20),
                cart: .init(advance: 0.30, stay: 0.15, back: 0.15, end: 0.40),
                checkout: .init(advance: 0.70, stay: 0, back: 0.10, end: 0.20),
                deliveryDelay: .days(3), support: 0.05, review: 0.20, referral: 0.10, reviewDelay: .days(3),
                stars: [0.05, 0.05, 0.10, 0.30, 0.50])
        case .trek:
            JourneyParameters(
                needInterval: .days(10), dormancy: .days(14), sessionGap: .days(1), stepGap: .minutes(2),
                basketMedian: 45, basketSigma: 0.5, lapse: 0.20, abandonLapse: 0.50,
                research: .init(advance: 0.40, stay: 0.35, back: 0, end: 0.25),
                cart: .init(advance: 0.40, stay: 0.05, back: 0.10, end: 0.45),
                checkout: .init(advance: 0.72, stay: 0, back: 0.08, end: 0.20),
                deliveryDelay: .days(2), support: 0.08, review: 0.15, referral: 0.05, reviewDelay: .days(3),
                stars: [0.06, 0.06, 0.13, 0.35, 0.40])
        case .odyssey:
            JourneyParameters(
                needInterval: .days(60), dormancy: .days(30), sessionGap: .days(2), stepGap: .minutes(4),
                basketMedian: 600, basketSigma: 1.0, lapse: 0.20, abandonLapse: 0.40,
                research: .init(advance: 0.12, stay: 0.58, back: 0, end: 0.30),
                cart: .init(advance: 0.20, stay: 0.05, back: 0.30, end: 0.45),
                checkout: .init(advance: 0.55, stay: 0, back: 0.25, end: 0.20),
                deliveryDelay: .days(7), support: 0.20, review: 0.25, referral: 0.10, reviewDelay: .days(3),
                stars: [0.08, 0.07, 0.15, 0.30, 0.40])
        }
    }
}

/// What happens at one step of a session in a stage: advance (research → cart → checkout →
/// purchase), stay (another view, another item), step back to research, or end the session.
/// The four add up to 1.
public struct StepProbabilities: Sendable, Equatable, BitwiseCopyable {
    public var advance: Double
    public var stay: Double
    public var back: Double
    public var end: Double

    public init(advance: Double, stay: Double, back: Double, end: Double) {
        self.advance = advance
        self.stay = stay
        self.back = back
        self.end = end
    }
}
