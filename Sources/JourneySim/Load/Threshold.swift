import Foundation

/// A pass/fail condition on a load run's results, written as text: `p99 < 250ms`,
/// `p50 <= 100ms`, `error_rate < 1%`, `throughput >= 500/s`, `dropped == 0`.
///
/// Latencies take `us`, `ms` or `s` (a bare number is milliseconds); rates take `%` or a
/// fraction; throughput is messages per second (`/s` optional). An unknown metric is an error,
/// so a typo can never pass silently.
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p95, p99, p999 = "p99.9", max, mean
        case errorRate = "error_rate", throughput, dropped, late, retries, sent, rejected

        var kind: Kind {
            switch self {
            case .p50, .p90, .p95, .p99, .p999, .max, .mean: .latency
            case .errorRate: .rate
            case .throughput: .throughput
            case .dropped, .late, .retries, .sent, .rejected: .count
            }
        }

        enum Kind { case latency, rate, throughput, count }
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case lessOrEqual = "<=", greaterOrEqual = ">=", equal = "==", notEqual = "!=", less = "<", greater = ">"

        func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .less: a < b
            case .lessOrEqual: a <= b
            case .greater: a > b
            case .greaterOrEqual: a >= b
            case .equal: a == b
            case .notEqual: a != b
            }
        }
    }

    public var metric: Metric
    public var comparison: Comparison
    /// In the metric's base unit: milliseconds, a fraction, messages per second or a count.
    public var value: Double
    /// The expression as written.
    public var text: String

    public var description: String { text }

    public init(_ text: String) throws(ThresholdError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.text = trimmed
        guard let comparison = Comparison.allCases.first(where: { trimmed.contains($0.rawValue) }),
              let range = trimmed.range(of: comparison.rawValue) else {
            throw .syntax(expression: text, problem: "no comparison; write e.g. \"p99 < 250ms\" (operators: <, <=, >, >=, ==, !=)")
        }
        let name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let rawValue = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard let metric = Metric(rawValue: name.lowercased()) else {
            let names = Metric.allCases.map(\.rawValue)
            throw .unknownMetric(expression: text, name: name, suggestion: Suggestion.closest(to: name, in: names), allowed: names)
        }
        self.metric = metric
        self.comparison = comparison
        self.value = try Threshold.parseValue(rawValue, for: metric, expression: text)
    }

    static func parseValue(_ raw: String, for metric: Metric, expression: String) throws(ThresholdError) -> Double {
        let text = raw.lowercased().replacingOccurrences(of: " ", with: "")
        let units: [(String, Double)]
        switch metric.kind {
        case .latency: units = [("us", 0.001), ("µs", 0.001), ("ms", 1), ("s", 1000), ("", 1)]
        case .rate: units = [("%", 0.01), ("", 1)]
        case .throughput: units = [("/s", 1), ("rps", 1), ("", 1)]
        case .count: units = [("", 1)]
        }
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number.isFinite {
                if metric.kind == .rate, suffix.isEmpty, number > 1 {
                    throw .syntax(expression: expression, problem: "a rate without % is a fraction from 0 to 1; write \(raw)% for percent")
                }
                return number * factor
            }
        }
        let hint = switch metric.kind {
        case .latency: "a latency such as 250ms, 1.5s or 800us"
        case .rate: "a share such as 1% or 0.01"
        case .throughput: "messages per second such as 500/s"
        case .count: "a whole number"
        }
        throw .syntax(expression: expression, problem: "'\(raw)' is not a value for \(metric.rawValue): expected \(hint)")
    }

    /// The metric's value in the results, in the same unit as `value`.
    public func actual(in results: LoadResults) -> Double {
        let stats = results.overall
        return switch metric {
        case .p50: stats.latencyMilliseconds(percentile: 50)
        case .p90: stats.latencyMilliseconds(percentile: 90)
        case .p95: stats.latencyMilliseconds(percentile: 95)
        case .p99: stats.latencyMilliseconds(percentile: 99)
        case .p999: stats.latencyMilliseconds(percentile: 99.9)
        case .max: stats.maxLatencyMilliseconds
        case .mean: stats.meanLatencyMilliseconds
        case .errorRate: stats.errorRate
        case .throughput: results.achievedThroughput
        case .dropped: Double(stats.dropped)
        case .late: Double(stats.late)
        case .retries: Double(stats.retries)
        case .sent: Double(stats.started)
        case .rejected: Double(stats.completed - stats.accepted)
        }
    }

    public func evaluate(_ results: LoadResults) -> ThresholdOutcome {
        let actual = actual(in: results)
        return ThresholdOutcome(threshold: self, actual: actual, passed: comparison.holds(actual, value))
    }

    /// The value formatted in the metric's unit, for reports.
    func format(_ number: Double) -> String {
        switch metric.kind {
        case .latency: "\(number.formatted6)ms"
        case .rate: "\((number * 100).formatted6)%"
        case .throughput: "\(number.formatted6)/s"
        case .count: number.formatted6
        }
    }
}

/// A threshold checked against results.
public struct ThresholdOutcome: Sendable, Equatable, CustomStringConvertible {
    public var threshold: Threshold
    public var actual: Double
    public var passed: Bool

    public var description: String {
        "\(passed ? "PASS" : "FAIL")  \(threshold.text)  (actual \(threshold.format(actual)))"
    }
}

public enum ThresholdError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownMetric(expression: String, name: String, suggestion: String?, allowed: [String])
    case syntax(expression: String, problem: String)

    public var description: String {
        switch self {
        case let .unknownMetric(expression, name, suggestion, allowed):
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return "threshold '\(expression)': unknown metric '\(name)'.\(hint) Known metrics: \(allowed.joined(separator: ", "))."
        case let .syntax(expression, problem):
            return "threshold '\(expression)': \(problem)."
        }
    }
}
