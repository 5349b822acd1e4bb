/// A `TimeZoneTable`'s UTC offsets as one flat list of segments, for the trigger core's send
/// path.
///
/// Why not the table itself: its per-zone transition lists are nested arrays, so each lookup
/// paid bounds checks and an outlined call, and a send looked up the same offset up to three
/// times (window, cap check, cap record): 13.5 M calls for 8 M sends at a million customers.
/// Here a lookup is two loads and a compare per offset change in the zone's window (none or one
/// or two for a run of weeks), and the core looks up once per send and derives the local minute
/// and day from it.
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

    /// The offset `TimeZoneTable.offset(zone:at:)` gives, for a zone the table has.
    @inline(__always) func offset(zone: Int, at milliseconds: Int64) -> Int64 {
        precondition(zone >= 0 && zone < zoneCount, "a customer's time zone \(zone) is not in the zone table (\(zoneCount) zones)")
        var index = Int(first[zone])
        let end = Int(first[zone &+ 1])
        while index &+ 1 < end, milliseconds >= starts[index &+ 1] { index &+= 1 }
        return offsets[index]
    }

    /// Milliseconds since local midnight, as `TimeZoneTable.localMillisecondOfDay`.
    @inline(__always) static func millisecondOfDay(local: Int64) -> Int64 {
        let remainder = local % 86_400_000
        return remainder >= 0 ? remainder : remainder &+ 86_400_000
    }

    /// The local day number, as `TimeZoneTable.localDay`.
    @inline(__always) static func day(local: Int64) -> Int64 {
        local >= 0 ? local / 86_400_000 : (local &- 86_400_000 &+ 1) / 86_400_000
    }
}
