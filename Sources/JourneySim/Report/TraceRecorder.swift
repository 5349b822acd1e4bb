/// Records customer events as JSON lines for `--trace`, up to a limit, so a trace of a big run
/// cannot fill the disk; events past the limit are counted, not written.
public struct TraceRecorder: EventObserver, Sendable {
    public let limit: Int
    public private(set) var written = 0
    public private(set) var skipped = 0
    public private(set) var bytes: [UInt8] = []

    /// Customer ids in events are local to a shard; the trace shows scenario-wide ids.
    let idStride: UInt32
    let idOffset: UInt32

    /// The scenario's events: custom events are written by name, with their properties.
    let events: EventCatalog

    public init(limit: Int, idStride: Int = 1, idOffset: Int = 0, events: EventCatalog = .builtIn) {
        self.limit = limit
        self.events = events
        self.idStride = UInt32(idStride)
        self.idOffset = UInt32(idOffset)
        bytes.reserveCapacity(min(limit, 100_000) * 140)
    }

    public mutating func observe(_ event: CustomerEvent) {
        guard written < limit else {
            skipped += 1
            return
        }
        written += 1
        var line =
            "{\"time\":\"\(event.time.iso8601)\",\"customer\":\(event.customer &* idStride &+ idOffset),\"event\":\"\(events.name(of: event.kind))\""
        line += ",\"channel\":\"\(event.channel.name)\",\"stage\":\"\(event.stage.name)\""
        line += ",\"cart_value\":\(rounded(Double(event.cartValue)))"
        if event.stars > 0 { line += ",\"stars\":\(event.stars)" }
        if event.kind.isMessageInteraction {
            line += ",\"campaign\":\(Int(event.properties.p0)),\"step\":\(Int(event.properties.p1) + 1)"
        } else if let declaration = events.declaration(of: event.kind) {
            for (index, property) in declaration.properties.enumerated() {
                let value = event.properties[index]
                switch property.kind {
                case .number: line += ",\"\(property.name)\":\(rounded(Double(value)))"
                case .bool: line += ",\"\(property.name)\":\(value != 0)"
                case let .category(names):
                    let index = Int(value)
                    line += ",\"\(property.name)\":\"\(index >= 0 && index < names.count ? names[index] : "?")\""
                }
            }
        }
        line += "}\n"
        bytes.append(contentsOf: line.utf8)
    }
}
