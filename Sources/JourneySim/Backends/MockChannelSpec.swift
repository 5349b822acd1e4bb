/// A log-normal distribution of a delay, given by its median and log-space standard deviation:
/// the usual shape of network and delivery latencies (a bulk near the median, a long right tail).
public struct LogNormalDelay: Sendable, Equatable {
    public var median: SimDuration
    public var sigma: Double

    public init(median: SimDuration, sigma: Double) {
        self.median = median
        self.sigma = sigma
    }

    /// One delay drawn from `rng`, in whole milliseconds.
    public func draw(_ rng: inout Xoshiro256StarStar) -> SimDuration {
        guard median.milliseconds > 0 else { return .zero }
        let value =
            sigma > 0 ? rng.logNormal(median: Double(median.milliseconds), sigma: sigma) : Double(median.milliseconds)
        return SimDuration(milliseconds: Int64(min(value, 3.0e10).rounded()))
    }
}

/// How the mock backend behaves on one channel.
///
/// Defaults (see `defaults(for:)`) are round figures from public provider documentation and
/// reports: WhatsApp delivers in about 300 ms (median) and allows 80 messages/s per business
/// number; SMS takes about 1.5 s through carriers at 100 messages/s per short code; e-mail about
/// 5 s with a long tail and 25% opens; push about 200 ms; Telegram bots 30 messages/s.
public struct MockChannelSpec: Sendable, Equatable {
    /// From leaving the sender's queue to the delivery receipt.
    public var latency: LogNormalDelay
    /// Share of accepted messages that later fail (a `failedAt` receipt instead of delivery).
    public var failureRate: Double
    /// Share of messages rejected at once as invalid or unreachable recipients.
    public var undeliverableRate: Double
    /// Share of messages rejected with a server error (HTTP 5xx on a real provider).
    public var serverErrorRate: Double
    /// Chance a delivered message is read, and how long after delivery.
    public var readProbability: Double
    public var readDelay: LogNormalDelay
    /// Messages per second one sender may dispatch; 0 means unlimited.
    public var ratePerSecond: Double
    /// Messages a sender may dispatch at once before the rate applies (the bucket's size).
    public var burst: Int
    /// The longest a message may wait in a sender's queue; beyond it the message is rejected as
    /// rate limited, with the wait that would be needed as `retryAfter`.
    public var maxQueueDelay: SimDuration
    /// Number of senders (business numbers, accounts) messages are spread over by campaign:
    /// campaign `c` sends from sender `c % senders`.
    public var senders: Int

    public init(
        latency: LogNormalDelay, failureRate: Double, undeliverableRate: Double, serverErrorRate: Double = 0,
        readProbability: Double, readDelay: LogNormalDelay, ratePerSecond: Double, burst: Int? = nil,
        maxQueueDelay: SimDuration = .seconds(3600), senders: Int = 1
    ) {
        self.latency = latency
        self.failureRate = failureRate
        self.undeliverableRate = undeliverableRate
        self.serverErrorRate = serverErrorRate
        self.readProbability = readProbability
        self.readDelay = readDelay
        self.ratePerSecond = ratePerSecond
        self.burst = burst ?? max(1, Int(ratePerSecond.rounded(.up)))
        self.maxQueueDelay = maxQueueDelay
        self.senders = senders
    }

    /// The documented defaults of a channel.
    public static func defaults(for channel: Channel) -> MockChannelSpec {
        func spec(
            _ latencyMs: Int64, _ sigma: Double, failure: Double, undeliverable: Double, read: Double,
            readMinutes: Double,
            rate: Double
        ) -> MockChannelSpec {
            MockChannelSpec(
                latency: LogNormalDelay(median: SimDuration(milliseconds: latencyMs), sigma: sigma),
                failureRate: failure, undeliverableRate: undeliverable, readProbability: read,
                readDelay: LogNormalDelay(median: .minutes(readMinutes), sigma: 1.2), ratePerSecond: rate)
        }
        switch channel {
        case .whatsapp: return spec(300, 0.5, failure: 0.01, undeliverable: 0.02, read: 0.85, readMinutes: 10, rate: 80)
        case .sms: return spec(1500, 0.6, failure: 0.02, undeliverable: 0.01, read: 0.95, readMinutes: 3, rate: 100)
        case .email: return spec(5000, 1.0, failure: 0.03, undeliverable: 0.02, read: 0.25, readMinutes: 120, rate: 500)
        case .push: return spec(200, 0.6, failure: 0.05, undeliverable: 0.03, read: 0.30, readMinutes: 30, rate: 10_000)
        case .messenger:
            return spec(400, 0.5, failure: 0.01, undeliverable: 0.02, read: 0.80, readMinutes: 15, rate: 250)
        case .viber: return spec(500, 0.5, failure: 0.01, undeliverable: 0.03, read: 0.80, readMinutes: 15, rate: 100)
        case .telegram:
            return spec(250, 0.5, failure: 0.005, undeliverable: 0.01, read: 0.85, readMinutes: 10, rate: 30)
        case .rcs: return spec(800, 0.6, failure: 0.02, undeliverable: 0.05, read: 0.75, readMinutes: 20, rate: 100)
        case .appleMessages:
            return spec(400, 0.5, failure: 0.01, undeliverable: 0.01, read: 0.85, readMinutes: 10, rate: 100)
        case .inApp: return spec(100, 0.3, failure: 0, undeliverable: 0, read: 0.60, readMinutes: 360, rate: 0)
        }
    }
}
