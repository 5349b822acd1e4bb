/// Independent replications of one scenario (seeds seed, seed+1, …): each headline metric's mean
/// over the replications with a 95% confidence interval (Student's t), and the values behind it.
public struct ReplicationSummary: Codable, Sendable {
    public var scenario: String
    public var seeds: [UInt64]
    public var metrics: [String: Metric]

    public struct Metric: Codable, Sendable {
        public var mean: ConfidenceInterval
        public var values: [Double]
    }

    public init(scenario: String, summaries: [RunSummary]) {
        self.scenario = scenario
        seeds = summaries.map(\.scenario.seed)
        var collected: [String: [Double]] = [:]
        for summary in summaries {
            for (name, value) in summary.headlineMetrics { collected[name, default: []].append(value) }
        }
        metrics = collected.mapValues { Metric(mean: RunningMoments($0).confidenceInterval95.rounded6, values: $0) }
    }

    /// Metric names in the order they are shown.
    public static let order = [
        "customer_conversion", "journey_conversion", "purchases", "revenue", "cart_abandonment_rate",
        "messages_per_customer_per_week", "unhappy_messages", "opt_outs", "opt_out_share_of_unhappy",
        "revenue_per_message",
    ]
}

extension RunSummary {
    /// The figures replications are summarised on.
    public var headlineMetrics: [(String, Double)] {
        var metrics: [(String, Double)] = [
            ("customer_conversion", totals.customerConversion ?? 0),
            ("journey_conversion", totals.journeyConversion),
            ("purchases", Double(totals.purchases)),
            ("revenue", totals.revenue),
            ("cart_abandonment_rate", totals.cartAbandonmentRate),
        ]
        if let m = messaging?.totals {
            metrics += [
                ("messages_per_customer_per_week", m.messagesPerCustomerPerWeek),
                ("unhappy_messages", Double(m.unhappyMessages)),
                ("opt_outs", Double(m.optOuts)),
                ("opt_out_share_of_unhappy", m.optOutShareOfUnhappy),
                ("revenue_per_message", m.revenuePerMessage),
            ]
        }
        return metrics
    }
}

extension SummaryTable {
    public static func render(_ replications: ReplicationSummary) -> String {
        var rows: [[String]] = []
        for name in ReplicationSummary.order {
            guard let metric = replications.metrics[name] else { continue }
            let ci = metric.mean
            rows.append([
                name, ci.estimate.formatted4, "[\(ci.lower.formatted4), \(ci.upper.formatted4)]",
                metric.values.map(\.formatted4).joined(separator: "  "),
            ])
        }
        return
            "\(replications.scenario): \(replications.seeds.count) replications (seeds \(replications.seeds.map(String.init).joined(separator: ", ")))\n\n"
            + table(header: ["metric", "mean", "95% CI", "per replication"], rows: rows)
    }
}

extension Double {
    /// Up to four decimals, for tables of mixed magnitudes.
    var formatted4: String {
        let scaled = (self * 10_000).rounded() / 10_000
        var text = String(scaled)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
