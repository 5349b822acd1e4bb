import Foundation
import Testing

@testable import JourneySim

/// The compact per-customer state that keeps a million customers under 256 bytes each: every
/// packed form must give exactly what the plain one gave.
@Suite struct CompactStateTests {
    // MARK: Random streams as draw counts

    @Test func streamColumnsReplayTheSplitMix64Streams() throws {
        let scenario = try scenario("population: { customers: 90 }")
        // A shard's customers are global ids offset + k * stride: the streams must follow those ids.
        for (shard, shards) in [(0, 1), (2, 3)] {
            let population = Population(scenario: scenario, shard: shard, of: shards)
            var column = StreamColumn(population: population, count: population.count, seed: 77, stream: .journey)
            for id in 0..<population.count {
                var reference = SplitMix64(seed: 77, stream: .journey, customer: population.globalID(id))
                #expect(column[id].state == reference.state)
                for draw in 0..<(id % 7 + 1) * 50 {
                    let expected = draw % 3 == 0 ? reference.nextUnit() : Double(reference.next() % 1000)
                    let actual = draw % 3 == 0 ? column[id].nextUnit() : Double(column[id].next() % 1000)
                    #expect(actual == expected, "customer \(id) draw \(draw)")
                }
                #expect(column[id].state == reference.state)
            }
        }
    }

    // MARK: 4-byte timestamps

    @Test func timeColumnsAreExactForRunsUpTo49Days() {
        let end = monday + .days(49)
        var column = TimeColumn(
            count: 3, start: monday, end: end, never: SimTime(milliseconds: 0), initial: SimTime(milliseconds: 0))
        #expect(column[0] == SimTime(milliseconds: 0))
        for time in [monday, monday + SimDuration(milliseconds: 1), at(monday, days: 17, seconds: 0.123), end] {
            column[1] = time
            #expect(column[1] == time)
        }
        #expect(column[0] == SimTime(milliseconds: 0))
        column[2] = SimTime(milliseconds: 0)
        #expect(column[2] == SimTime(milliseconds: 0))
        // Outside the span: held at its edges, never wrapped.
        column[1] = SimTime(milliseconds: monday.milliseconds - 86_400_000)
        #expect(column[1] == monday)
    }

    @Test func timeColumnsOfLongRunsRoundDownBelow8Milliseconds() {
        let end = monday + .days(366)
        var column = TimeColumn(count: 1, start: monday, end: end, never: SimTime(milliseconds: .min), initial: monday)
        #expect(column[0] == monday)
        var worst: Int64 = 0
        var time = monday
        while time <= end {
            column[0] = time
            let error = (time - column[0]).milliseconds
            #expect(error >= 0 && error < 8)
            worst = max(worst, error)
            time = time + SimDuration(milliseconds: 86_400_007)
        }
        #expect(worst > 0)  // the unit really is coarser than 1 ms here
    }

    // MARK: Frequency-cap ledger

    /// The rules as plain lists of send times: what the ledger must agree with.
    struct ReferenceCaps {
        let caps: [FrequencyCap]
        var sends: [(second: Int64, channel: Channel)] = []

        func allows(_ channel: Channel, at time: SimTime, zone: Int, zones: TimeZoneTable) -> Bool {
            for cap in caps where cap.channel == nil || cap.channel == channel {
                let counted = sends.filter { cap.channel == nil || $0.channel == cap.channel }
                let inside: Int
                switch cap.period {
                case let .rolling(window):
                    inside = counted.filter { $0.second * 1000 > time.milliseconds - window.milliseconds }.count
                case let .calendarDays(days):
                    let today = zones.localDay(zone: zone, at: time)
                    inside =
                        counted.filter {
                            zones.localDay(zone: zone, at: SimTime(unixSeconds: $0.second)) > today - Int64(days)
                        }.count
                }
                if inside >= cap.limit { return false }
            }
            return true
        }
    }

    @Test func capLedgerMatchesPlainSendListsAtBothTimeWidths() {
        let caps = [
            FrequencyCap(limit: 3, period: .calendarDays(1)), FrequencyCap(limit: 10, period: .rolling(.days(7))),
            FrequencyCap(limit: 2, period: .calendarDays(1), channel: .whatsapp),
            FrequencyCap(limit: 2, period: .calendarDays(3), channel: .sms),
            FrequencyCap(limit: 4, period: .rolling(.hours(6))),
        ]
        // Beirut and Santiago change their clocks at local midnight (forward in March, back to
        // 23:00 in April and October), the other two at night, Kolkata never.
        let names = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Beirut", "America/Santiago"]
        // 30 days across the March DST changes (3-byte times), and 300 days (4-byte times)
        // across all of 2026's.
        for (days, width) in [(30.0, 3), (300.0, 4)] {
            let zones = TimeZoneTable(identifiers: names, start: monday, end: monday + .days(days))
            var ledger = CapLedger(caps: caps, customers: names.count, zones: zones)
            #expect(ledger.timeWidth == width)
            var references = names.map { _ in ReferenceCaps(caps: caps) }
            var rng = SplitMix64(seed: UInt64(days))
            var time = monday
            var allowed = 0
            var refused = 0
            while time < monday + .days(days) {
                time = time + SimDuration(milliseconds: Int64(rng.exponential(mean: 2 * 3_600_000)))
                let customer = Int(rng.next() % UInt64(names.count))
                let channel: Channel = [.whatsapp, .sms, .email][Int(rng.next() % 3)]
                let expected = references[customer].allows(channel, at: time, zone: customer, zones: zones)
                #expect(
                    ledger.allows(customer: customer, channel: channel, at: time, zone: customer, zones: zones)
                        == expected,
                    "customer \(customer) \(channel) at \(time.milliseconds)")
                if expected {
                    allowed += 1
                    ledger.record(customer: customer, channel: channel, at: time, zone: customer, zones: zones)
                    references[customer].sends.append(((time.milliseconds + 999) / 1000, channel))
                } else {
                    refused += 1
                }
            }
            #expect(allowed > 100 && refused > 20, "\(allowed) allowed, \(refused) refused")
        }
    }

    // MARK: Flat zone offsets and cached local days

    /// The send path reads local days and times of day from `ZoneOffsets` and a cached
    /// `LocalDay` per zone instead of the `TimeZoneTable`: both must agree with the table at every
    /// instant, across daylight-saving changes of whole hours, half hours (Lord Howe) and zones
    /// off the hour (St John's, Chatham, Kolkata).
    @Test func flatZoneOffsetsAndCachedLocalDaysMatchTheZoneTable() {
        let identifiers = [
            "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe",
            "America/St_Johns", "Pacific/Chatham",
        ]
        let start = SimTime(milliseconds: monday.milliseconds - 10 * 86_400_000)
        let end = monday + .days(250)
        let table = TimeZoneTable(identifiers: identifiers, start: start, end: end)
        let flat = ZoneOffsets(table)
        #expect(flat.zoneCount == identifiers.count)
        var cached = [LocalDay](repeating: .empty, count: identifiers.count)
        var refreshes = 0
        var time = start
        // An odd step, so instants land at every time of day and right after offset changes.
        let step = SimDuration(milliseconds: 17 * 60_000 + 13_701)
        while time < end {
            for zone in identifiers.indices {
                let t = time.milliseconds
                let fresh = flat.localDay(zone: zone, at: t)
                #expect(fresh.contains(t))
                #expect(fresh.day == table.localDay(zone: zone, at: time), "\(identifiers[zone]) at \(t)")
                #expect(
                    t - fresh.midnight == table.localMillisecondOfDay(zone: zone, at: time),
                    "\(identifiers[zone]) at \(t)")
                // Every instant of the span has that day and that time of day.
                for edge in [fresh.from, fresh.until - 1] where edge >= start.milliseconds && edge < end.milliseconds {
                    let instant = SimTime(milliseconds: edge)
                    #expect(table.localDay(zone: zone, at: instant) == fresh.day)
                    #expect(edge - fresh.midnight == table.localMillisecondOfDay(zone: zone, at: instant))
                }
                // The core's cache: reused while it holds the instant, refreshed after.
                if !cached[zone].contains(t) {
                    cached[zone] = fresh
                    refreshes += 1
                }
                #expect(cached[zone].day == fresh.day && cached[zone].midnight == fresh.midnight)
            }
            time = time + step
        }
        // About one refresh per zone and day, plus one per offset change.
        #expect(refreshes > identifiers.count * 255 && refreshes < identifiers.count * 270)
    }

    // MARK: Due-queue lanes

    @Test func compactingALaneKeepsTheLiveEntriesInOrder() {
        var queue = DueQueue(lanes: 1)
        var live = Set<UInt32>()
        for index in 0..<1_000 {
            // Equal due times in runs of four, so order within an instant is tested too.
            queue.schedule(DueEntry(instance: UInt32(index), generation: 0), at: Int64(index / 4), lane: 0)
            if index % 3 != 0 { live.insert(UInt32(index)) }
        }
        // A heap entry due in the middle competes with the lane's entries.
        queue.schedule(DueEntry(instance: 5_000, generation: 0), at: 100, lane: -1)
        _ = queue.pop()  // the head (instance 0) leaves first, so logical indices are not zero-based
        live.remove(0)
        var shown = Set<UInt32>()
        let dropped = queue.compact(
            lane: 0, isLive: { live.contains($0.instance) || $0.instance == 5_000 },
            prefetch: { shown.insert($0.instance) })
        #expect(shown.count == 999)  // every entry left in the lane was announced to the prefetcher
        #expect(dropped == 333)
        #expect(queue.count == live.count + 1)
        var order: [UInt32] = []
        while let entry = queue.pop() { order.append(entry.payload.instance) }
        let expected = (live.sorted().filter { $0 < 404 } + [5_000] + live.sorted().filter { $0 >= 404 })
        #expect(order == expected)
    }

    // MARK: Channel choice

    /// The bit scan for ascending preference orders against the order itself, for every set of
    /// channels and orders with and without duplicates; a descending order must take the loop.
    @Test func firstChannelFollowsThePreferenceOrderForEverySet() {
        let orders: [[Channel]] = [
            [.whatsapp, .sms, .email], [.sms, .email, .sms, .push], [.email, .whatsapp],
            [.inApp, .rcs, .sms], [.whatsapp], Channel.allCases,
        ]
        var ascendingSeen = 0
        for order in orders {
            var campaign = Campaign(name: "c", trigger: .init(event: .purchase), content: .init(template: "t"))
            campaign.channels = order
            let compiled = TriggerSpec(campaigns: [campaign], frequencyCaps: []).compiled().campaigns[0]
            var distinct: [Channel] = []
            for channel in order where !distinct.contains(channel) { distinct.append(channel) }
            #expect(compiled.channelsAscending == (distinct == distinct.sorted { $0.rawValue < $1.rawValue }))
            if compiled.channelsAscending { ascendingSeen += 1 }
            for raw in 0..<(1 << Channel.allCases.count) {
                let set = ChannelSet(rawValue: UInt16(raw))
                #expect(compiled.firstChannel(in: set) == distinct.first { set.contains($0) })
            }
        }
        #expect(ascendingSeen == 4)
    }

    /// The core's event routes for the benchmark's twenty campaigns against the campaigns
    /// themselves: for every kind, each role lists exactly the campaigns with that kind as
    /// conversion, exception, wait or trigger, in campaign order, and the cell span covers them.
    @Test func eventRoutesListEveryCampaignUnderItsKinds() {
        let spec = TriggerBenchmark.syntheticSpec(campaigns: 20)
        let population = TriggerBenchmark.syntheticPopulation(customers: 10, zones: 1, seed: 1)
        let start = SimTime(unixSeconds: 1_772_409_600)
        let core = TriggerCore(
            spec: spec, population: population,
            zones: TimeZoneTable(identifiers: ["UTC"], start: start, end: start + .days(2)), seed: 1)
        var listed = 0
        for kind in EventKind.allCases {
            let row = core.routes.rows[Int(kind.rawValue)]
            let indices = Array(spec.campaigns.indices)
            let conversions = indices.filter { spec.campaigns[$0].conversion?.event == kind }
            let exceptions = indices.filter { spec.campaigns[$0].exceptionEvents.contains(kind) }
            let waits = indices.filter { index in
                spec.campaigns[index].flow.steps.contains {
                    if case let .wait(wait) = $0 { wait.event == kind } else { false }
                }
            }
            let triggers = indices.filter { spec.campaigns[$0].trigger.event == kind }
            #expect(core.routes.campaigns(from: row.conversions, to: row.exceptions) == conversions)
            #expect(core.routes.campaigns(from: row.exceptions, to: row.waits) == exceptions)
            #expect(core.routes.campaigns(from: row.waits, to: row.triggers) == waits)
            #expect(core.routes.campaigns(from: row.triggers, to: row.end) == triggers)
            let named = conversions + exceptions + waits + triggers
            listed += named.count
            let columns = named.map { Int(core.campaigns[$0].cellColumn) }
            if named.isEmpty {
                #expect(row.cellLow > row.cellHigh)
            } else {
                #expect(Int(row.cellLow) == columns.min() && Int(row.cellHigh) == columns.max())
            }
            for position in row.conversions..<row.end {
                let entry = core.routes.entries[Int(position)]
                #expect(Int32(entry.column) == core.campaigns[Int(entry.campaign)].cellColumn)
            }
            // Rows of 20 cells start at a line or half-way into one; the mask of each start
            // names exactly the lines of the kind's cells.
            for offset in [0, 4] {
                let lines = Set(columns.map { (offset + $0) / 8 })
                let mask = core.routes.lineMasks[Int(kind.rawValue) * 8 + offset]
                #expect(mask == lines.reduce(0) { $0 | 1 << UInt64($1) })
                // What the column order is for: the benchmark's most frequent events (views,
                // session starts and ends, adds to cart) read one line of cells.
                if [.view, .sessionStart, .sessionEnd, .addToCart].contains(kind) { #expect(lines.count == 1) }
            }
        }
        #expect(listed == core.routes.entries.count)
        #expect(listed > 40)
        // Every campaign has a column of its own.
        #expect(Set((0..<20).map { core.campaigns[$0].cellColumn }) == Set(0..<20))
    }
}
