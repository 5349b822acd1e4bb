/// The local hours in which a campaign may send, in each recipient's own time zone
/// (e.g. 09:00–21:00), and what happens to a message that falls due outside them.
public struct DeliveryWindow: Sendable, Equatable, BitwiseCopyable {
    public enum Outside: UInt8, Sendable, BitwiseCopyable {
        /// The message is dropped (`TerminalState.droppedByWindow`).
        case drop
        /// The message waits for the next opening of the window and is then sent (flagged deferred).
        case `defer`
    }

    /// Opening, in minutes after local midnight (0–1439).
    public var fromMinute: Int32
    /// Closing, in minutes after local midnight, exclusive. Smaller than `fromMinute` means the
    /// window spans midnight (e.g. 20:00–02:00); equal means always open.
    public var toMinute: Int32
    public var outside: Outside

    public init(fromMinute: Int32, toMinute: Int32, outside: Outside = .drop) {
        self.fromMinute = fromMinute
        self.toMinute = toMinute
        self.outside = outside
    }

    /// Whether a local minute of the day lies inside the window.
    @inlinable public func contains(minuteOfDay m: Int32) -> Bool {
        if fromMinute < toMinute { return m >= fromMinute && m < toMinute }
        if fromMinute > toMinute { return m >= fromMinute || m < toMinute }
        return true
    }

    func contains(_ time: SimTime, zone: Int, zones: TimeZoneTable) -> Bool {
        contains(minuteOfDay: Int32(truncatingIfNeeded: zones.localMillisecondOfDay(zone: zone, at: time) / 60_000))
    }

    /// The next instant after `time` at which the window opens in the zone, following a
    /// daylight-saving change between now and then (the opening is a local wall-clock time).
    func nextOpening(after time: SimTime, zone: Int, zones: TimeZoneTable) -> SimTime {
        let day: Int64 = 86_400_000
        let local = zones.localMillisecondOfDay(zone: zone, at: time)
        var delta = (Int64(fromMinute) * 60_000 - local) % day
        if delta <= 0 { delta += day }
        let naive = time + SimDuration(milliseconds: delta)
        // Same local wall clock on the far side of an offset change: shift by the change.
        let shift = zones.offset(zone: zone, at: naive) - zones.offset(zone: zone, at: time)
        let corrected = SimTime(milliseconds: naive.milliseconds - shift)
        if corrected > time, contains(corrected, zone: zone, zones: zones) { return corrected }
        return naive
    }
}
