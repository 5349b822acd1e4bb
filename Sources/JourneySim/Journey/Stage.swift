/// Where a customer stands in a purchase journey. Journeys are not linear: customers step back
/// (checkout → research, cart → research), abandon, lapse into dormancy and return.
public enum Stage: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    /// No active need: between purchases, or a new customer before the first need arises.
    case idle = 0
    /// A need has arisen: inspiration and research, viewing products.
    case research
    /// Something is in the cart.
    case cart
    /// In checkout, about to pay.
    case checkout
    /// Bought; waiting for delivery.
    case purchased
    /// Delivered and in use: questions, support, then reviews and referrals.
    case using
    /// The journey lapsed without a purchase; the customer returns only when a new need arises.
    case dormant

    public var name: String {
        switch self {
        case .idle: "idle"
        case .research: "research"
        case .cart: "cart"
        case .checkout: "checkout"
        case .purchased: "purchased"
        case .using: "using"
        case .dormant: "dormant"
        }
    }
}
