import Foundation

@testable import JourneySim

/// Monday 2 March 2026, 00:00 UTC.
let monday = SimTime(unixSeconds: 1_772_409_600)

func at(_ base: SimTime, days: Double = 0, hours: Double = 0, minutes: Double = 0, seconds: Double = 0) -> SimTime {
    base + .days(days) + .hours(hours) + .minutes(minutes) + .seconds(seconds)
}

func channels(_ list: Channel...) -> ChannelSet {
    var set: ChannelSet = []
    for channel in list { set.insert(ChannelSet(channel)) }
    return set
}

/// A campaign with one message, sensible test defaults and a closure to adjust it.
func campaign(
    _ name: String = "c", on event: EventKind = .sessionEnd, delay: SimDuration = .minutes(30),
    template: String = "t", _ adjust: (inout Campaign) -> Void = { _ in }
) -> Campaign {
    var campaign = Campaign(
        name: name, trigger: .init(event: event), delay: delay, content: CampaignContent(template: template))
    adjust(&campaign)
    return campaign
}

/// Drives a core the way the simulator will, collecting what it sends.
struct Harness {
    var core: TriggerCore
    var sent: [SendRequest] = []
    var buffer = ContiguousArray<SendRequest>()

    init(
        campaigns: [Campaign], caps: [FrequencyCap] = [], customers: Int = 1, zones: [String] = ["UTC"],
        zoneOf: (Int) -> UInt16 = { _ in 0 }, archetypeOf: (Int) -> Archetype = { _ in .routine },
        channels: ChannelSet = JourneySimTests.channels(.whatsapp, .sms, .email),
        consent: ChannelSet? = nil, reachable: ChannelSet? = nil, seed: UInt64 = 42
    ) {
        let population = Population(
            archetype: ContiguousArray((0..<customers).map(archetypeOf)),
            channels: ContiguousArray(repeating: channels, count: customers),
            consent: ContiguousArray(repeating: consent ?? channels, count: customers),
            reachable: ContiguousArray(repeating: reachable ?? channels, count: customers),
            timeZone: ContiguousArray((0..<customers).map(zoneOf)))
        let table = TimeZoneTable(identifiers: zones, start: monday, end: monday + .days(60))
        core = TriggerCore(
            spec: TriggerSpec(campaigns: campaigns, frequencyCaps: caps), population: population, zones: table,
            seed: seed)
    }

    init(spec: TriggerSpec, population: Population, zones: [String], seed: UInt64 = 42) {
        core = TriggerCore(
            spec: spec, population: population,
            zones: TimeZoneTable(identifiers: zones, start: monday, end: monday + .days(60)), seed: seed)
    }

    mutating func event(
        _ kind: EventKind, _ time: SimTime, customer: UInt32 = 0, channel: Channel = .whatsapp,
        stage: Stage = .cart, cart: Float = 150, stars: UInt8 = 0
    ) {
        buffer.removeAll(keepingCapacity: true)
        core.handle(
            CustomerEvent(
                customer: customer, kind: kind, time: time, channel: channel, stage: stage,
                cartValue: cart, stars: stars), into: &buffer)
        sent.append(contentsOf: buffer)
    }

    mutating func advance(to time: SimTime) {
        buffer.removeAll(keepingCapacity: true)
        core.advance(to: time, into: &buffer)
        sent.append(contentsOf: buffer)
    }

    mutating func report(_ request: SendRequest, _ outcome: DeliveryOutcome, at time: SimTime) {
        buffer.removeAll(keepingCapacity: true)
        core.reportDelivery(request.message, outcome: outcome, at: time, into: &buffer)
        sent.append(contentsOf: buffer)
    }

    var stats: TriggerStats { core.stats }
    func count(_ state: TerminalState, campaign: Int = 0, step: Int? = nil) -> UInt64 {
        core.stats.count(state, campaign: campaign, step: step)
    }
}

/// The package root, for the shipped scenario files.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
