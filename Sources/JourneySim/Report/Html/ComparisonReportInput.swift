/// What `journeysim compare` hands to the report: strategy names and, per metric, the value
/// per strategy and each strategy's difference from the first (the baseline) with a 95% CI.
public struct ComparisonReportInput: Sendable, Equatable {
    public struct Metric: Sendable, Equatable {
        /// E.g. "customer conversion", "revenue", "opt-outs".
        public var name: String
        public var format: ChartValueFormat
        /// One value per strategy, in `strategies` order (for replicated runs, the mean).
        public var values: [Double]
        /// Per strategy, its value minus the first strategy's, with a 95% CI; the first entry
        /// (the baseline itself) and any strategy without an interval are nil.
        public var differences: [ConfidenceInterval?]
        /// Whether a larger value is the better outcome (colours the difference).
        public var higherIsBetter: Bool

        public init(
            name: String, format: ChartValueFormat, values: [Double], differences: [ConfidenceInterval?],
            higherIsBetter: Bool = true
        ) {
            self.name = name
            self.format = format
            self.values = values
            self.differences = differences
            self.higherIsBetter = higherIsBetter
        }
    }

    public var title: String
    /// Scenario, seed, population: shown under the title.
    public var subtitle: String
    public var strategies: [String]
    public var metrics: [Metric]

    public init(title: String, subtitle: String = "", strategies: [String], metrics: [Metric]) {
        self.title = title
        self.subtitle = subtitle
        self.strategies = strategies
        self.metrics = metrics
    }
}
