import Foundation

/// A pass/fail condition on a load run's results, written as text: `p99 < 250ms`,
/// `p50 <= 100ms`, `error_rate < 1%`, `throughput >= 500/s`, `dropped == 0`.
///
/// Latencies take `us`, `ms` or `s` (a bare number is milliseconds); rates take `%` or a
/// fraction; throughput is messages per second (`/s` optional). `error_rate` is failed attempts
/// over attempts (the same as `attempt_error_rate`): a 503 that a retry recovered from still
/// counts. `message_error_rate` is messages finally not accepted over completed messages.
///
/// Refused when parsed, so a typo can never pass silently: an unknown metric; a value outside
/// the metric's range (a rate below 0% or above 100%, a negative latency, throughput or count, a
/// fractional count, NaN or infinity); and a threshold no result can fail (`error_rate <= 100%`,
/// `p99 >= 0ms`) or none can pass (`error_rate < 0%`, `error_rate > 100%`).
public struct Threshold: Sendable, Equatable, CustomStringConvertible {
    public enum Metric: String, Sendable, CaseIterable {
        case p50, p90, p95, p99
        case p999 = "p99.9"
        case max, mean
        case errorRate = "error_rate"
        case attemptErrorRate = "attempt_error_rate"
        case messageErrorRate = "message_error_rate"
        case throughput, dropped, late, retries, sent, rejected, malformed

        var kind: Kind {
            switch self {
            case .p50, .p90, .p95, .p99, .p999, .max, .mean: .latency
            case .errorRate, .attemptErrorRate, .messageErrorRate: .rate
            case .throughput: .throughput
            case .dropped, .late, .retries, .sent, .rejected, .malformed: .count
            }
        }

        enum Kind {
            case latency, rate, throughput, count

            /// The values the metric can take, in its base unit.
            var range: ClosedRange<Double> { self == .rate ? 0...1 : 0...Double.greatestFiniteMagnitude }

            /// The range as a reader writes it, for error messages.
            var rangeText: String {
                switch self {
                case .latency: "a latency of 0ms or more"
                case .rate: "a rate from 0% to 100%"
                case .throughput: "a throughput of 0/s or more"
                case .count: "a whole number from 0 up"
                }
            }
        }
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case greater = ">"

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
            let range = trimmed.range(of: comparison.rawValue)
        else {
            throw .syntax(
                expression: text, problem: "no comparison; write e.g. \"p99 < 250ms\" (operators: <, <=, >, >=, ==, !=)"
            )
        }
        let name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let rawValue = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard let metric = Metric(rawValue: name.lowercased()) else {
            let names = Metric.allCases.map(\.rawValue)
            throw .unknownMetric(
                expression: text, name: name, suggestion: Suggestion.closest(to: name, in: names), allowed: names)
        }
        self.metric = metric
        self.comparison = comparison
        self.value = try Threshold.parseValue(rawValue, for: metric, expression: text)
        try checkRange(expression: text)
        try checkDecidable(expression: text)
    }

    /// Refuses a value the metric can never have: outside its range, or a fractional count.
    private func checkRange(expression: String) throws(ThresholdError) {
        let kind = metric.kind
        guard kind.range.contains(value), kind != .count || value == value.rounded() else {
            throw .outOfRange(expression: expression, metric: metric.rawValue, allowed: kind.rangeText)
        }
    }

    /// Refuses a threshold whose outcome does not depend on the results: one every value in the
    /// metric's range satisfies (it can never fail) or none does (it can never pass).
    private func checkDecidable(expression: String) throws(ThresholdError) {
        let range = metric.kind.range
        let outcome: ThresholdError.Outcome? =
            switch comparison {
            case .less: value <= range.lowerBound ? .neverPasses : nil
            case .lessOrEqual: value >= range.upperBound ? .neverFails : nil
            case .greater: value >= range.upperBound ? .neverPasses : nil
            case .greaterOrEqual: value <= range.lowerBound ? .neverFails : nil
            case .equal, .notEqual: nil
            }
        if let outcome { throw .undecidable(expression: expression, outcome: outcome, allowed: metric.kind.rangeText) }
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
            if let number = Double(text.dropLast(suffix.count)) {
                guard number.isFinite else {
                    throw .outOfRange(expression: expression, metric: metric.rawValue, allowed: metric.kind.rangeText)
                }
                if metric.kind == .rate, suffix.isEmpty, number > 1 {
                    throw .syntax(
                        expression: expression,
                        problem: "a rate without % is a fraction from 0 to 1; write \(raw)% for percent")
                }
                return number * factor
            }
        }
        let hint =
            switch metric.kind {
            case .latency: "a latency such as 250ms, 1.5s or 800us"
            case .rate: "a share such as 1% or 0.01"
            case .throughput: "messages per second such as 500/s"
            case .count: "a whole number"
            }
        throw .syntax(
            expression: expression, problem: "'\(raw)' is not a value for \(metric.rawValue): expected \(hint)")
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
        case .errorRate, .attemptErrorRate: stats.attemptErrorRate
        case .messageErrorRate: stats.messageErrorRate
        case .throughput: results.achievedThroughput
        case .dropped: Double(stats.dropped)
        case .late: Double(stats.late)
        case .retries: Double(stats.retries)
        case .sent: Double(stats.started)
        case .rejected: Double(stats.failedMessages)
        case .malformed: Double(stats.errors.malformedResponses)
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
    /// The value is one the metric can never have.
    case outOfRange(expression: String, metric: String, allowed: String)
    /// Whatever the results, the threshold would pass (or fail).
    case undecidable(expression: String, outcome: Outcome, allowed: String)

    public enum Outcome: Sendable, Equatable { case neverFails, neverPasses }

    public var description: String {
        switch self {
        case let .unknownMetric(expression, name, suggestion, allowed):
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return
                "threshold '\(expression)': unknown metric '\(name)'.\(hint) Known metrics: \(allowed.joined(separator: ", "))."
        case let .syntax(expression, problem):
            return "threshold '\(expression)': \(problem)."
        case let .outOfRange(expression, metric, allowed):
            return "threshold '\(expression)': the value is out of range for \(metric); give \(allowed)."
        case let .undecidable(expression, outcome, allowed):
            let verdict = outcome == .neverFails ? "can never fail" : "can never pass"
            return
                "threshold '\(expression)' \(verdict) (\(allowed) is allowed); give a bound inside the range, e.g. \"error_rate < 1%\" or \"p99 < 250ms\"."
        }
    }
}
