/// The per-day series of a run as CSV (`daily.csv`): one row per simulated UTC day, comma
/// separated, `\n` line ends, revenue with two decimals, for spreadsheets and plotting tools.
public enum DailyCSV {
    public static let header = [
        "date", "sessions", "cart_adds", "abandoned_carts", "purchases", "revenue",
        "messages_delivered", "unhappy_messages", "opt_outs",
    ]

    public static func render(_ summary: RunSummary) -> String {
        var out = header.joined(separator: ",") + "\n"
        for d in summary.daily {
            out +=
                [
                    d.date, String(d.sessions), String(d.cartAdds), String(d.abandonedCarts), String(d.purchases),
                    revenue(d.revenue), String(d.messagesDelivered), String(d.unhappyMessages), String(d.optOuts),
                ]
                .joined(separator: ",") + "\n"
        }
        return out
    }

    /// Two decimals, no thousands separator (a CSV cell must be one number).
    static func revenue(_ value: Double) -> String {
        let cents = Int64((value * 100).rounded())
        let fraction = abs(cents % 100)
        return (cents < 0 ? "-" : "") + String(abs(cents) / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
