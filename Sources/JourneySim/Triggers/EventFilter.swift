/// One condition on a customer event, such as `cart_value > 100` or `stage == cart`, parsed once
/// from the scenario into a flat value so matching an event is a switch and a comparison.
public struct EventFilter: Sendable, Equatable, BitwiseCopyable {
    /// The event attribute a filter reads.
    public enum Field: UInt8, Sendable, CaseIterable, BitwiseCopyable {
        case cartValue
        case stars
        case stage
        case channel
        /// The event's typed properties (`CustomerEvent.properties`): a custom event's declared
        /// ones, or a message interaction's campaign, step and template. Named by the event's
        /// declaration, so only trigger filters (which know their event) use them.
        case property0, property1, property2

        public var name: String {
            switch self {
            case .cartValue: "cart_value"
            case .stars: "stars"
            case .stage: "stage"
            case .channel: "channel"
            case .property0: "property0"
            case .property1: "property1"
            case .property2: "property2"
            }
        }

        /// The fields every event has (the ones branch steps may test).
        public static let common: [Field] = [.cartValue, .stars, .stage, .channel]

        public init?(name: String) {
            guard let match = Field.common.first(where: { $0.name == name }) else { return nil }
            self = match
        }

        static func property(_ index: Int) -> Field {
            [Field.property0, .property1, .property2][index]
        }

        /// Stage and channel are names, so only equality makes sense for them.
        var isOrdered: Bool { self != .stage && self != .channel }
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

        /// Whether `lhs` compares to `rhs` this way (event filters and journey conditions).
        @inline(__always) func holds<Value: Comparable>(_ lhs: Value, _ rhs: Value) -> Bool {
            switch self {
            case .equal: lhs == rhs
            case .notEqual: lhs != rhs
            case .less: lhs < rhs
            case .lessOrEqual: lhs <= rhs
            case .greater: lhs > rhs
            case .greaterOrEqual: lhs >= rhs
            }
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

    func compare(_ lhs: Float) -> Bool { comparison.holds(lhs, value) }

    /// Whether the event (or the attributes a flow carried over from it) passes the filter.
    func matches(
        cartValue: Float, stars: UInt8, stage: Stage, channel: Channel,
        properties: EventProperties = EventProperties()
    ) -> Bool {
        switch field {
        case .cartValue: compare(cartValue)
        case .stars: compare(Float(stars))
        case .stage: compare(Float(stage.rawValue))
        case .channel: compare(Float(channel.rawValue))
        case .property0: compare(properties.p0)
        case .property1: compare(properties.p1)
        case .property2: compare(properties.p2)
        }
    }
}

/// A set of event kinds as a bit mask (exception events, exit criteria).
public struct EventKindSet: OptionSet, Hashable, Sendable, BitwiseCopyable {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ kind: EventKind) { rawValue = 1 << UInt64(kind.rawValue) }
    public func contains(_ kind: EventKind) -> Bool { rawValue & (1 << UInt64(kind.rawValue)) != 0 }

    /// The message interactions (`EventKind.messageKinds`).
    public static let messageInteractions = EventKindSet(
        rawValue: EventKind.messageKinds.reduce(0) { $0 | 1 << UInt64($1.rawValue) })
}
