/// An instant on the simulation's virtual clock, in milliseconds since the Unix epoch (UTC).
///
/// Absolute rather than relative to the run's start so that local time of day, weekdays and
/// daylight-saving changes in a customer's IANA time zone come out right without a conversion
/// at every use. Millisecond resolution is fine enough for backend latencies and coarse enough
/// that `Int64` covers hundreds of millions of years.
public struct SimTime: Hashable, Comparable, Sendable, BitwiseCopyable {
    public var milliseconds: Int64

    @inlinable public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    @inlinable public init(unixSeconds: Int64) { self.milliseconds = unixSeconds &* 1000 }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.milliseconds < b.milliseconds }

    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(milliseconds: t.milliseconds &+ d.milliseconds)
    }

    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        SimDuration(milliseconds: a.milliseconds &- b.milliseconds)
    }

    /// Whole seconds since the Unix epoch, rounded down.
    @inlinable public var unixSeconds: Int64 {
        milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    }
}

/// A span of virtual time in milliseconds.
public struct SimDuration: Hashable, Comparable, Sendable {
    public var milliseconds: Int64

    @inlinable public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    @inlinable public static func seconds(_ s: Double) -> SimDuration {
        SimDuration(milliseconds: Int64((s * 1000).rounded()))
    }
    @inlinable public static func minutes(_ m: Double) -> SimDuration { .seconds(m * 60) }
    @inlinable public static func hours(_ h: Double) -> SimDuration { .seconds(h * 3600) }
    @inlinable public static func days(_ d: Double) -> SimDuration { .seconds(d * 86_400) }

    public static let zero = SimDuration(milliseconds: 0)

    @inlinable public var seconds: Double { Double(milliseconds) / 1000 }
    @inlinable public var hours: Double { Double(milliseconds) / 3_600_000 }
    @inlinable public var days: Double { Double(milliseconds) / 86_400_000 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.milliseconds < b.milliseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(milliseconds: a.milliseconds &+ b.milliseconds)
    }
}
