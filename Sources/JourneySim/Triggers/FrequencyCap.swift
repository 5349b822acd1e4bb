/// One frequency-cap rule: at most `limit` messages per `period` for a customer, on one channel
/// or on any channel. All rules must hold for a message to go out; a send counts once for its
/// channel's rules and once for the `any` rules.
public struct FrequencyCap: Sendable, Equatable {
    public enum Period: Sendable, Equatable {
        /// A rolling window ending now, e.g. 6 hours or 7 days (`per: 1w`). The window is the
        /// half-open span (now - duration, now]: a send exactly `duration` ago no longer counts.
        case rolling(SimDuration)
        /// Calendar days in the customer's local time zone: `per: 1d` is "today, local time";
        /// `per: 3d` is today and the two local days before it.
        case calendarDays(Int)
    }

    /// 1 to `maxLimit`. Scenario files are checked when loaded; a spec built in code with a limit
    /// outside that range stops the trigger core with a precondition failure.
    public var limit: Int
    public var period: Period
    /// The channel the rule limits, or nil for any channel.
    public var channel: Channel?

    public init(limit: Int, period: Period, channel: Channel? = nil) {
        self.limit = limit
        self.period = period
        self.channel = channel
    }

    /// The largest limit a rule may have; each customer keeps one timestamp per unit of limit.
    public static let maxLimit = 255
}
