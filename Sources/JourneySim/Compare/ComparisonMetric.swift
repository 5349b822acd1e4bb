/// The per-customer outcomes strategies are compared on. Each is a value per customer, so two
/// strategies run on the same customers (common random numbers) can be compared customer by
/// customer, which cancels most of the noise that separate populations would add.
public enum ComparisonMetric: Int, CaseIterable, Sendable, Codable {
    /// 1 if the customer bought at least once, else 0: the mean is the conversion rate.
    case conversion
    case revenuePerCustomer
    case purchasesPerCustomer
    /// 1 if the customer opted out of at least one channel.
    case optOutRate
    case messagesPerCustomer

    public var name: String {
        switch self {
        case .conversion: "conversion"
        case .revenuePerCustomer: "revenue_per_customer"
        case .purchasesPerCustomer: "purchases_per_customer"
        case .optOutRate: "opt_out_rate"
        case .messagesPerCustomer: "messages_per_customer"
        }
    }

    /// Whether a higher value is better for the business and the customer.
    public var higherIsBetter: Bool {
        switch self {
        case .conversion, .revenuePerCustomer, .purchasesPerCustomer: true
        case .optOutRate, .messagesPerCustomer: false
        }
    }

    /// Shares are shown in percent, the rest as plain numbers.
    public var isShare: Bool { self == .conversion || self == .optOutRate }
}

extension Simulator {
    /// Each customer's value of `metric`.
    func outcome(_ metric: ComparisonMetric, customer id: Int) -> Double {
        switch metric {
        case .conversion: return state.purchases[id] > 0 ? 1 : 0
        case .revenuePerCustomer: return Double(state.spentCents[id]) / 100
        case .purchasesPerCustomer: return Double(state.purchases[id])
        case .optOutRate: return messagingEnabled && messageState.flags[id] & 2 != 0 ? 1 : 0
        case .messagesPerCustomer: return messagingEnabled ? Double(messageState.received[id]) : 0
        }
    }
}
