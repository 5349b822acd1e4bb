/// A messaging channel a customer can be reached on or shop through.
///
/// Raw values are stable small integers so a customer's channels fit in a `ChannelSet` bit mask
/// and per-channel counters are plain arrays.
public enum Channel: UInt8, CaseIterable, Sendable, Codable, Comparable, BitwiseCopyable {
    case whatsapp = 0
    case sms
    case email
    case push
    case messenger
    case viber
    case telegram
    case rcs
    case appleMessages
    case inApp

    /// The name used in scenario files, reports and wire payloads.
    public var name: String {
        switch self {
        case .whatsapp: "whatsapp"
        case .sms: "sms"
        case .email: "email"
        case .push: "push"
        case .messenger: "messenger"
        case .viber: "viber"
        case .telegram: "telegram"
        case .rcs: "rcs"
        case .appleMessages: "apple-messages"
        case .inApp: "in-app"
        }
    }

    public init?(name: String) {
        guard let match = Channel.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// Channels that need an app on the customer's device; the rest need only a valid number or
    /// address. An app channel that is not installed cannot deliver, which is what triggers an
    /// SMS fallback for WhatsApp or Viber.
    public var needsApp: Bool {
        switch self {
        case .sms, .email, .rcs: false
        default: true
        }
    }

    public static func < (a: Channel, b: Channel) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let channel = Channel(name: name) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown channel \(name)"))
        }
        self = channel
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// A set of channels as a 16-bit mask: one customer's channels, consents or installed apps.
public struct ChannelSet: OptionSet, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable @inline(__always) public init(_ channel: Channel) { rawValue = 1 << UInt16(channel.rawValue) }

    @inlinable @inline(__always) public func contains(_ channel: Channel) -> Bool {
        rawValue & (1 << UInt16(channel.rawValue)) != 0
    }

    @inlinable public var count: Int { rawValue.nonzeroBitCount }

    /// The member channels in raw-value order.
    public var channels: [Channel] { Channel.allCases.filter { contains($0) } }
}
