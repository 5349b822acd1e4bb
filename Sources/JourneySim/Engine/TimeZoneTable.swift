import Foundation

/// UTC offsets of the scenario's time zones over the run window, precomputed so the hot path
/// turns a `SimTime` into a customer's local time with a short scan instead of a Foundation call.
///
/// Each zone keeps the instants where its offset changes (daylight-saving transitions) inside
/// the window, which is what lets delivery windows and session times follow DST correctly.
public struct TimeZoneTable: Sendable {
    public let identifiers: [String]
    /// Per zone: the offset in force from the window's start.
    @usableFromInline let initialOffsets: [Int64]
    /// Per zone: `(instant in ms, new offset in ms)` for every change inside the window.
    @usableFromInline let transitions: [[(at: Int64, offset: Int64)]]
    /// The span the offsets are exact for: the run's window with two days either side.
    public let windowStart: SimTime
    public let windowEnd: SimTime

    /// Builds the table for `[start - 2 days, end + 2 days]`; identifiers must be valid IANA names.
    public init(identifiers: [String], start: SimTime, end: SimTime) {
        self.identifiers = identifiers
        windowStart = SimTime(milliseconds: start.milliseconds - 2 * 86_400_000)
        windowEnd = SimTime(milliseconds: end.milliseconds + 2 * 86_400_000)
        let from = Date(timeIntervalSince1970: Double(start.milliseconds) / 1000 - 2 * 86_400)
        let to = Date(timeIntervalSince1970: Double(end.milliseconds) / 1000 + 2 * 86_400)
        var initial: [Int64] = []
        var changes: [[(at: Int64, offset: Int64)]] = []
        for identifier in identifiers {
            let zone = TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0)!
            initial.append(Int64(zone.secondsFromGMT(for: from)) * 1000)
            var list: [(at: Int64, offset: Int64)] = []
            var cursor = from
            while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < to, list.count < 1000 {
                list.append(
                    (Int64((next.timeIntervalSince1970 * 1000).rounded()), Int64(zone.secondsFromGMT(for: next)) * 1000)
                )
                cursor = next
            }
            changes.append(list)
        }
        initialOffsets = initial
        transitions = changes
    }

    /// The zone's UTC offset at `time`, in milliseconds.
    @inlinable public func offset(zone: Int, at time: SimTime) -> Int64 {
        var offset = initialOffsets[zone]
        for change in transitions[zone] {
            if time.milliseconds >= change.at { offset = change.offset } else { break }
        }
        return offset
    }

    /// Milliseconds since local midnight at `time` in the zone.
    @inlinable public func localMillisecondOfDay(zone: Int, at time: SimTime) -> Int64 {
        let local = time.milliseconds &+ offset(zone: zone, at: time)
        let day: Int64 = 86_400_000
        let remainder = local % day
        return remainder >= 0 ? remainder : remainder + day
    }

    /// Local hour of day, 0–23.
    @inlinable public func localHour(zone: Int, at time: SimTime) -> Int {
        Int(localMillisecondOfDay(zone: zone, at: time) / 3_600_000)
    }

    /// The local calendar day number (days since 1970-01-01 in local time); calendar-day caps use it.
    @inlinable public func localDay(zone: Int, at time: SimTime) -> Int64 {
        let local = time.milliseconds &+ offset(zone: zone, at: time)
        let day: Int64 = 86_400_000
        return local >= 0 ? local / day : (local - day + 1) / day
    }
}
