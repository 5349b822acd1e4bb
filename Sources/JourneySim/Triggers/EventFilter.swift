/// One condition on a customer event, such as `cart_value > 100` or `stage == cart`, parsed once
/// from the scenario into a flat value so matching an event is a switch and a comparison.
public struct EventFilter: Sendable, Equatable, BitwiseCopyable {
    /// The event attribute a filter reads.
    public enum Field: UInt8, Sendable, CaseIterable, BitwiseCopyable {
        case cartValue
        case stars
        case stage
        case channel

        public var name: String {
            switch self {
            case .cartValue: "cart_value"
            case .stars: "stars"
            case .stage: "stage"
            case .channel: "channel"
            }
        }

        public init?(name: String) {
            guard let match = Field.allCases.first(where: { $0.name == name }) else { return nil }
            self = match
        }

        /// Stage and channel are names, so only equality makes sense for them.
        var isOrdered: Bool { self == .cartValue || self == .stars }
    }

    public enum Comparison: UInt8, Sendable, CaseIterable, BitwiseCopyable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

        public var symbol: String {
            switch self {
            case .equal: "=="
            case .notEqual: "!="
            case .less: "<"
            case .lessOrEqual: "<="
            case .greater: ">"
            case .greaterOrEqual: ">="
            }
        }

        public init?(symbol: String) {
            guard let match = Comparison.allCases.first(where: { $0.symbol == symbol }) else { return nil }
            self = match
        }
    }

    public var field: Field
    public var comparison: Comparison
    /// The right-hand side: a number for `cart_value` and `stars`, the raw value of the stage or
    /// channel otherwise.
    public var value: Float

    public init(field: Field, comparison: Comparison, value: Float) {
        self.field = field
        self.comparison = comparison
        self.value = value
    }

    func compare(_ lhs: Float) -> Bool {
        switch comparison {
        case .equal: lhs == value
        case .notEqual: lhs != value
        case .less: lhs < value
        case .lessOrEqual: lhs <= value
        case .greater: lhs > value
        case .greaterOrEqual: lhs >= value
        }
    }

    /// Whether the event (or the attributes a flow carried over from it) passes the filter.
    func matches(cartValue: Float, stars: UInt8, stage: Stage, channel: Channel) -> Bool {
        switch field {
        case .cartValue: compare(cartValue)
        case .stars: compare(Float(stars))
        case .stage: compare(Float(stage.rawValue))
        case .channel: compare(Float(channel.rawValue))
        }
    }
}

/// A set of event kinds as a bit mask (exception events, exit criteria).
public struct EventKindSet: OptionSet, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ kind: EventKind) { rawValue = 1 << UInt16(kind.rawValue) }
    public func contains(_ kind: EventKind) -> Bool { rawValue & (1 << UInt16(kind.rawValue)) != 0 }
}
