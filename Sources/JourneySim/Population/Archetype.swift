/// The four journey types of the customer-journey matrix (Harvard Business Review): how easy
/// and how predictable a customer's path to purchase is.
public enum Archetype: UInt8, CaseIterable, Sendable, Codable {
    /// Easy and predictable, highly automated: everyday goods, one-click repurchase.
    case routine = 0
    /// Easy but with surprise: longer engagement, browsing for delight.
    case joyride
    /// Effortful and predictable: goals and milestones (fitness, savings), kept going by rewards.
    case trek
    /// Unpredictable and transformational: long, multichannel, wandering (a house, a car).
    case odyssey

    public var name: String {
        switch self {
        case .routine: "routine"
        case .joyride: "joyride"
        case .trek: "trek"
        case .odyssey: "odyssey"
        }
    }

    public init?(name: String) {
        guard let match = Archetype.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
