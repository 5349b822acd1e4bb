import Foundation
import Synchronization

/// Why strategies cannot be compared.
public enum ComparisonError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooFewStrategies(Int)
    case notTheSameCustomers(strategy: String, field: String, expected: String, found: String)
    /// A strategy's journey looped without time passing (`JourneyRunaway`).
    case journeyRunaway(strategy: String, JourneyRunaway)

    public var description: String {
        switch self {
        case let .tooFewStrategies(count):
            return
                "compare needs at least two strategies (found \(count)): give two or more scenario files, or one with a `strategies:` list."
        case let .notTheSameCustomers(strategy, field, expected, found):
            return
                "strategy '\(strategy)' has \(field) \(found) where the first has \(expected): strategies are compared on the same customers, so seed, start, duration and population size must match."
        case let .journeyRunaway(strategy, runaway):
            return "strategy '\(strategy)': \(runaway.description)"
        }
    }
}

/// Runs strategies on the same synthetic customers (common random numbers: the same seed gives
/// every strategy the same population and the same journey draws until messages change them)
/// and compares them customer by customer: for each metric the paired difference and its 95%
/// confidence interval, over all customers of all replications.
public struct StrategyComparison: Sendable, Codable {
    public var strategies: [String]
    public var seed: UInt64
    public var customers: Int
    public var replications: Int
    /// Per metric, per strategy: the mean and its 95% CI.
    public var means: [String: [String: ConfidenceInterval]]
    /// Per metric, per pair "B vs A": mean of B − A per customer, with its 95% CI.
    public var differences: [String: [String: ConfidenceInterval]]
    /// Per metric: a plain-language verdict.
    public var verdicts: [String: String]
    /// Why the strategies were compared as independent samples rather than customer by
    /// customer (their populations differ); nil when paired.
    public var unpairedBecause: String? = nil

    /// One summary per strategy (first replication), for the full picture.
    public var summaries: [String: RunSummary]

    public static func run(
        _ strategies: [(name: String, scenario: Scenario)], replications: Int = 1,
        workers: Int = 1
    ) throws(ComparisonError) -> StrategyComparison {
        try runCountingThreads(strategies, replications: replications, workers: workers).comparison
    }

    /// `run`, also returning how many threads the comparison ran on: customers are split over
    /// `workers` threads unless a limit shared by all customers (a campaign's `rate_limit`, a mock
    /// sender's rate) may bind, in which case splitting would change the results and the
    /// comparison runs again on one thread (see `Simulator.sharedLimitMayBind`).
    public static func runCountingThreads(
        _ strategies: [(name: String, scenario: Scenario)], replications: Int = 1,
        workers: Int = 1
    ) throws(ComparisonError) -> (comparison: StrategyComparison, threads: Int) {
        guard strategies.count >= 2 else { throw .tooFewStrategies(strategies.count) }
        let first = strategies[0].scenario
        for (name, scenario) in strategies.dropFirst() {
            func check(_ field: String, _ a: String, _ b: String) throws(ComparisonError) {
                if a != b { throw .notTheSameCustomers(strategy: name, field: field, expected: a, found: b) }
            }
            try check("seed", String(first.seed), String(scenario.seed))
            try check("start", first.start.iso8601, scenario.start.iso8601)
            try check("duration", "\(first.duration.days)d", "\(scenario.duration.days)d")
            try check("population.customers", String(first.population.customers), String(scenario.population.customers))
        }
        // Who the customers are (archetype, channels, consent, time zone, multichannel effect) is
        // drawn from the population section: strategies with another one have other customers,
        // and are compared as independent samples instead of customer by customer.
        let unpaired = strategies.dropFirst().lazy.compactMap { strategy -> String? in
            guard let difference = first.population.differences(from: strategy.scenario.population).first else {
                return nil
            }
            return
                "strategy '\(strategy.name)' has population.\(difference.field) \(difference.found) where '\(strategies[0].name)' has \(difference.expected)"
        }.first
        let shards = max(1, min(workers, first.population.customers))
        var outcome = accumulate(strategies, replications: replications, shards: shards, paired: unpaired == nil)
        var threads = shards
        if outcome.runaway == nil, outcome.sharedLimitMayBind {
            outcome = accumulate(strategies, replications: replications, shards: 1, paired: unpaired == nil)
            threads = 1
        }
        if let (name, runaway) = outcome.runaway { throw .journeyRunaway(strategy: name, runaway) }
        var comparison = summarise(
            strategies, replications: replications, total: outcome.total, summaries: outcome.summaries)
        comparison.unpairedBecause = unpaired
        return (comparison, threads)
    }

    /// Runs every strategy and replication with the customers split into `shards` parts, one
    /// thread each, and says whether a shared limit may have acted differently than in one part.
    static func accumulate(
        _ strategies: [(name: String, scenario: Scenario)], replications: Int, shards: Int, paired: Bool
    )
        -> (
            total: Accumulator, summaries: [String: RunSummary], sharedLimitMayBind: Bool,
            runaway: (String, JourneyRunaway)?
        )
    {
        let first = strategies[0].scenario
        let k = strategies.count
        let metrics = ComparisonMetric.allCases
        let mayBind = Atomic<Bool>(false)
        // A runaway journey stops every part: its results would be incomplete.
        let runaway = Mutex<(String, JourneyRunaway)?>(nil)
        var total = Accumulator(strategies: k, paired: paired)
        var summaries: [String: RunSummary] = [:]
        for replication in 0..<max(1, replications) {
            let parts = Mutex([Accumulator?](repeating: nil, count: shards))
            let records = Mutex([[RunRecord?]](repeating: [RunRecord?](repeating: nil, count: shards), count: k))
            DispatchQueue.concurrentPerform(iterations: shards) { shard in
                var accumulator = Accumulator(strategies: k, paired: paired)
                var outcomes: [[[Double]]] = []  // strategy, metric, customer
                for (index, strategy) in strategies.enumerated() {
                    var scenario = strategy.scenario
                    scenario.seed = first.seed &+ UInt64(replication)
                    let population = Population(scenario: scenario, shard: shard, of: shards)
                    var sim = Simulator(scenario: scenario, population: population, observer: NoObserver())
                    // A part whose results will be thrown away stops early, and so do the others.
                    sim.run(shouldStop: { mayBind.load(ordering: .relaxed) }, stopWhenSharedLimitMayBind: true)
                    if let found = sim.journeyRunawayFound {
                        runaway.withLock { if $0 == nil { $0 = (strategy.name, found) } }
                        mayBind.store(true, ordering: .relaxed)
                        return
                    }
                    if sim.sharedLimitMayBind { mayBind.store(true, ordering: .relaxed) }
                    if mayBind.load(ordering: .relaxed) { return }
                    outcomes.append(
                        metrics.map { metric in (0..<population.count).map { sim.outcome(metric, customer: $0) } })
                    if replication == 0 {
                        let record = sim.record(
                            complete: true, digest: "", shards: ShardSet(count: shards, indices: [shard]))
                        records.withLock { $0[index][shard] = record }
                    }
                }
                accumulator.add(outcomes)
                parts.withLock { $0[shard] = accumulator }
            }
            // Parts stopped early: what they computed is incomplete, and the caller runs again
            // (or, after a runaway, reports it).
            if mayBind.load(ordering: .relaxed) { break }
            for part in parts.withLock({ $0 }) { if let part { total.merge(part) } }
            if replication == 0 {
                for (index, strategy) in strategies.enumerated() {
                    let shardRecords = records.withLock { $0[index] }.compactMap { $0 }
                    var record = shardRecords[0]
                    for other in shardRecords.dropFirst() { record.merge(other) }
                    record.shards = .whole
                    summaries[strategy.name] = RunSummary(record: record)
                }
            }
        }
        return (total, summaries, mayBind.load(ordering: .relaxed), runaway.withLock { $0 })
    }

    static func summarise(
        _ strategies: [(name: String, scenario: Scenario)], replications: Int, total: Accumulator,
        summaries: [String: RunSummary]
    ) -> StrategyComparison {
        let first = strategies[0].scenario
        let k = strategies.count
        let metrics = ComparisonMetric.allCases
        let names = strategies.map(\.name)
        var means: [String: [String: ConfidenceInterval]] = [:]
        var differences: [String: [String: ConfidenceInterval]] = [:]
        var verdicts: [String: String] = [:]
        for metric in metrics {
            var perStrategy: [String: ConfidenceInterval] = [:]
            for s in 0..<k { perStrategy[names[s]] = total.values[s][metric.rawValue].confidenceInterval95.rounded6 }
            means[metric.name] = perStrategy
            var pairs: [String: ConfidenceInterval] = [:]
            for a in 0..<k {
                for b in (a + 1)..<k where b < k {
                    pairs["\(names[b]) vs \(names[a])"] = total.difference(b, minus: a, metric: metric).rounded6
                }
            }
            differences[metric.name] = pairs
            verdicts[metric.name] = verdict(metric: metric, names: names, total: total)
        }
        return StrategyComparison(
            strategies: names, seed: first.seed, customers: first.population.customers,
            replications: max(1, replications), means: means, differences: differences,
            verdicts: verdicts, summaries: summaries)
    }

    /// "B wins on conversion (+1.2 pp vs A, significant)" or "no significant difference".
    static func verdict(metric: ComparisonMetric, names: [String], total: Accumulator) -> String {
        let k = names.count
        let means = (0..<k).map { total.values[$0][metric.rawValue].mean }
        let best =
            metric.higherIsBetter
            ? means.indices.max { means[$0] < means[$1] }! : means.indices.min { means[$0] < means[$1] }!
        var significantAgainst: [String] = []
        var tiedWith: [String] = []
        for other in 0..<k where other != best {
            let ci = total.difference(best, minus: other, metric: metric)
            if ci.excludesZero { significantAgainst.append(names[other]) } else { tiedWith.append(names[other]) }
        }
        let label = metric.name.replacingOccurrences(of: "_", with: " ")
        if tiedWith.isEmpty {
            let runnerUp = (0..<k).filter { $0 != best }.sorted {
                metric.higherIsBetter ? means[$0] > means[$1] : means[$0] < means[$1]
            }[0]
            let ci = total.difference(best, minus: runnerUp, metric: metric)
            return
                "\(names[best]) wins on \(label): \(format(ci.estimate, metric, signed: true)) vs \(names[runnerUp]) (95% CI \(format(ci.lower, metric, signed: true)) to \(format(ci.upper, metric, signed: true))), significant."
        }
        if significantAgainst.isEmpty {
            return
                "no significant difference in \(label) (best: \(names[best]), within the 95% CI of \(tiedWith.joined(separator: ", ")))."
        }
        return
            "\(names[best]) is best on \(label), significantly better than \(significantAgainst.joined(separator: ", ")) but not than \(tiedWith.joined(separator: ", "))."
    }

    static func format(_ value: Double, _ metric: ComparisonMetric, signed: Bool) -> String {
        let sign = signed && value >= 0 ? "+" : ""
        return metric.isShare ? "\(sign)\((value * 100).formatted2) pp" : "\(sign)\(value.formatted2)"
    }

    /// Mergeable per-customer sufficient statistics: moments of each strategy's values and, for
    /// strategies run on the same customers, of each pair's per-customer differences.
    struct Accumulator: Sendable {
        let strategies: Int
        /// The strategies share their customers, so differences are taken customer by customer.
        let paired: Bool
        var values: [[RunningMoments]]
        var differences: [[RunningMoments]]

        init(strategies: Int, paired: Bool = true) {
            self.strategies = strategies
            self.paired = paired
            let metrics = ComparisonMetric.allCases.count
            values = Array(repeating: Array(repeating: RunningMoments(), count: metrics), count: strategies)
            differences = Array(
                repeating: Array(repeating: RunningMoments(), count: metrics), count: strategies * strategies)
        }

        func pairIndex(_ a: Int, _ b: Int) -> Int { a * strategies + b }

        /// outcomes[strategy][metric][customer]
        mutating func add(_ outcomes: [[[Double]]]) {
            for s in 0..<strategies {
                for m in outcomes[s].indices { for value in outcomes[s][m] { values[s][m].add(value) } }
            }
            for a in 0..<strategies where paired {
                for b in (a + 1)..<max(a + 1, strategies) {
                    for m in outcomes[a].indices {
                        for customer in outcomes[a][m].indices {
                            differences[pairIndex(a, b)][m].add(outcomes[b][m][customer] - outcomes[a][m][customer])
                        }
                    }
                }
            }
        }

        mutating func merge(_ other: Accumulator) {
            for s in values.indices { for m in values[s].indices { values[s][m].merge(other.values[s][m]) } }
            for p in differences.indices {
                for m in differences[p].indices { differences[p][m].merge(other.differences[p][m]) }
            }
        }

        /// CI of (a − b): per customer when paired, else of the difference of the two means
        /// (Welch: each side's own variance, normal quantile at these sample sizes).
        func difference(_ a: Int, minus b: Int, metric: ComparisonMetric) -> ConfidenceInterval {
            guard paired else {
                let x = values[a][metric.rawValue]
                let y = values[b][metric.rawValue]
                let estimate = x.mean - y.mean
                let se = (x.standardError * x.standardError + y.standardError * y.standardError).squareRoot()
                let half = x.count > 1 && y.count > 1 ? 1.959964 * se : .infinity
                return ConfidenceInterval(estimate: estimate, lower: estimate - half, upper: estimate + half)
            }
            let ci = differences[pairIndex(min(a, b), max(a, b))][metric.rawValue].confidenceInterval95
            // Stored as (larger index − smaller index); flip when asked the other way round.
            return a > b ? ci : ConfidenceInterval(estimate: -ci.estimate, lower: -ci.upper, upper: -ci.lower)
        }
    }
}

extension StrategyComparison {
    /// The comparison as input for the HTML report: each metric per strategy and each strategy's
    /// difference from the first with its 95% CI.
    public var reportInput: ComparisonReportInput {
        let base = strategies[0]
        let metrics = ComparisonMetric.allCases.map { metric -> ComparisonReportInput.Metric in
            let format: ChartValueFormat =
                metric.isShare ? .percent : (metric == .revenuePerCustomer ? .money : .decimal)
            return ComparisonReportInput.Metric(
                name: metric.name.replacingOccurrences(of: "_", with: " "), format: format,
                values: strategies.map { means[metric.name]?[$0]?.estimate ?? 0 },
                differences: strategies.enumerated().map { index, name in
                    index == 0 ? nil : differences[metric.name]?["\(name) vs \(base)"]
                },
                higherIsBetter: metric.higherIsBetter)
        }
        let subtitle =
            "seed \(seed), \(customers) customers" + (replications > 1 ? " × \(replications) replications" : "")
            + (unpairedBecause.map { "; not paired: \($0), so strategies are compared as independent samples. " }
                ?? "; paired by customer (common random numbers). ")
            + ComparisonMetric.allCases.compactMap { verdicts[$0.name] }.joined(separator: " ")
        return ComparisonReportInput(
            title: "journeysim compare: " + strategies.joined(separator: " vs "), subtitle: subtitle,
            strategies: strategies, metrics: metrics)
    }
}
