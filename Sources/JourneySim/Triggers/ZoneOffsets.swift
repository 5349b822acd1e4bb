/// A `TimeZoneTable`'s UTC offsets as one flat list of segments, for the trigger core's send
/// path.
///
/// Why not the table itself: its per-zone transition lists are nested arrays, so each lookup
/// paid bounds checks and an outlined call, and a send looked up the same offset up to three
/// times (window, cap check, cap record), each time through that outlined call.
/// The core looks up here only when a send leaves the local day it cached for the zone (see
/// `LocalDay`).
struct ZoneOffsets: Sendable {
    /// Per zone, the index of its first segment; one more entry closes the last zone.
    let first: StateBuffer<Int32>
    /// When each segment begins (ms since 1970); a zone's first segment begins at `Int64.min`.
    let starts: StateBuffer<Int64>
    /// The UTC offset (ms) in force during each segment.
    let offsets: StateBuffer<Int64>
    let zoneCount: Int

    /// A table without zones reads as one zone at UTC (zone 0, every customer's default).
    init(_ table: TimeZoneTable) {
        zoneCount = max(1, table.identifiers.count)
        var first = StateBuffer<Int32>(capacity: zoneCount + 1)
        var starts = StateBuffer<Int64>(capacity: zoneCount + 1)
        var offsets = StateBuffer<Int64>(capacity: zoneCount + 1)
        for zone in 0..<zoneCount {
            first.append(Int32(starts.count))
            starts.append(.min)
            guard zone < table.identifiers.count else {
                offsets.append(0)
                continue
            }
            offsets.append(table.initialOffsets[zone])
            for change in table.transitions[zone] {
                starts.append(change.at)
                offsets.append(change.offset)
            }
        }
        first.append(Int32(starts.count))
        self.first = first
        self.starts = starts
        self.offsets = offsets
    }

    /// The segment in force in `zone` at `milliseconds`.
    @inline(__always) func segment(zone: Int, at milliseconds: Int64) -> Int {
        precondition(
            zone >= 0 && zone < zoneCount,
            "a customer's time zone \(zone) is not in the zone table (\(zoneCount) zones)")
        var index = Int(first[zone])
        let end = Int(first[zone &+ 1])
        while index &+ 1 < end, milliseconds >= starts[index &+ 1] { index &+= 1 }
        return index
    }

    /// The local day in force in `zone` at `milliseconds`, with the span of instants that share
    /// its day number and offset (see `LocalDay`).
    func localDay(zone: Int, at milliseconds: Int64) -> LocalDay {
        let segment = segment(zone: zone, at: milliseconds)
        let offset = offsets[segment]
        let day = ZoneOffsets.day(local: milliseconds &+ offset)
        let midnight = day &* 86_400_000 &- offset
        let segmentEnd = segment &+ 1 < Int(first[zone &+ 1]) ? starts[segment &+ 1] : .max
        return LocalDay(
            from: max(midnight, starts[segment]), until: min(midnight &+ 86_400_000, segmentEnd),
            midnight: midnight, day: day)
    }

    /// The local day number, as `TimeZoneTable.localDay`.
    @inline(__always) static func day(local: Int64) -> Int64 {
        local >= 0 ? local / 86_400_000 : (local &- 86_400_000 &+ 1) / 86_400_000
    }
}

/// One local day of one zone as the send path needs it: the instants `[from, until)` all fall on
/// local day `day` under one UTC offset, and `midnight` is that day's local midnight under that
/// offset, as an instant (so the local time of day of an instant `t` in the span is
/// `t - midnight`). The trigger core keeps the latest one per zone (`TriggerCore.localDays`):
/// sends come in time order, so nearly every send's window check and cap days are two
/// comparisons, where each was an offset lookup and a division before.
struct LocalDay: Sendable, BitwiseCopyable {
    var from: Int64
    var until: Int64
    var midnight: Int64
    var day: Int64
    /// `CapLedger.dayCode(day)`, worked out once per day instead of once per send.
    var capDay: UInt32 = 0

    /// Holds no instant: the cache entry of a zone not yet looked up.
    static let empty = LocalDay(from: 0, until: 0, midnight: 0, day: 0)

    @inline(__always) func contains(_ milliseconds: Int64) -> Bool { milliseconds >= from && milliseconds < until }
}
