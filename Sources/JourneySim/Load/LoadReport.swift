import Foundation

/// Machine-readable outputs of a load run: a JSON summary and a JUnit XML file with one test
/// case per threshold, which CI systems show as test results.
public enum LoadReport {
    /// `error_rate` is failed attempts over attempts (see `LoadStatistics.errorRate`), written
    /// beside `attempt_error_rate` (the same) and `message_error_rate` (failed messages over
    /// completed ones); `backend_check` is the implicit `BackendFailure` check.
    public static func summaryJSON(
        _ results: LoadResults, thresholds: [ThresholdOutcome] = [], backendFailure: BackendFailure? = nil
    ) -> [UInt8] {
        func statistics(_ s: LoadStatistics) -> WireJSON {
            .object([
                ("intended", .int(Int64(s.intended))), ("started", .int(Int64(s.started))),
                ("late", .int(Int64(s.late))),
                ("dropped", .int(Int64(s.dropped))), ("completed", .int(Int64(s.completed))),
                ("accepted", .int(Int64(s.accepted))),
                ("rejected", .object(s.rejected.keys.sorted().map { ($0, .int(Int64(s.rejected[$0]!))) })),
                ("attempts", .int(Int64(s.attempts))), ("retries", .int(Int64(s.retries))),
                ("failed_messages", .int(Int64(s.failedMessages))), ("failed_attempts", .int(Int64(s.failedAttempts))),
                ("error_rate", number(s.errorRate)), ("attempt_error_rate", number(s.attemptErrorRate)),
                ("message_error_rate", number(s.messageErrorRate)),
                (
                    "errors",
                    .object([
                        ("timeouts", .int(Int64(s.errors.timeouts))),
                        ("connection_refused", .int(Int64(s.errors.connectionRefused))),
                        ("connection_reset", .int(Int64(s.errors.connectionReset))),
                        ("other_connection", .int(Int64(s.errors.otherConnection))),
                        ("http_429", .int(Int64(s.errors.rateLimited))),
                        ("http_4xx", .int(Int64(s.errors.clientErrors))),
                        ("http_5xx", .int(Int64(s.errors.serverErrors))),
                        ("malformed_response", .int(Int64(s.errors.malformedResponses))),
                    ])
                ),
                (
                    "latency_ms",
                    .object([
                        ("p50", number(s.latencyMilliseconds(percentile: 50))),
                        ("p90", number(s.latencyMilliseconds(percentile: 90))),
                        ("p99", number(s.latencyMilliseconds(percentile: 99))),
                        ("p99_9", number(s.latencyMilliseconds(percentile: 99.9))),
                        ("max", number(s.maxLatencyMilliseconds)), ("mean", number(s.meanLatencyMilliseconds)),
                    ])
                ),
            ])
        }
        var members: [(String, WireJSON)] = [
            ("schema_version", .int(1)),
            ("wall_seconds", number(results.wallSeconds)),
            ("scheduled_seconds", number(results.scheduledSeconds)),
            ("speedup", number(results.speedup)),
            ("intended_throughput", number(results.intendedThroughput)),
            ("achieved_throughput", number(results.achievedThroughput)),
            ("overall", statistics(results.overall)),
            ("channels", .object(results.channels.keys.sorted().map { ($0.name, statistics(results.channels[$0]!)) })),
        ]
        if let reason = results.stopReason { members.append(("stop_reason", .string(reason))) }
        var check: [(String, WireJSON)] = [
            ("name", .string(BackendFailure.checkName)), ("passed", .bool(backendFailure == nil)),
        ]
        if let backendFailure { check.append(("message", .string(backendFailure.description))) }
        members.append(("backend_check", .object(check)))
        members.append(
            (
                "thresholds",
                .array(
                    thresholds.map {
                        .object([
                            ("expression", .string($0.threshold.text)), ("actual", number($0.actual)),
                            ("passed", .bool($0.passed)),
                        ])
                    })
            ))
        var bytes = WireJSON.object(members).bytes
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Numbers are written with up to six decimals; non-finite values become null.
    static func number(_ value: Double) -> WireJSON { .raw(value.isFinite ? value.formatted6 : "null") }

    /// One test case per threshold; with `backendCheck`, a first one for the implicit
    /// `BackendFailure` check (failed when `backendFailure` is given).
    public static func junitXML(
        _ outcomes: [ThresholdOutcome], backendCheck: Bool = false, backendFailure: BackendFailure? = nil,
        suite: String = "journeysim.load.thresholds"
    ) -> String {
        let checks = backendCheck ? 1 : 0
        let failures = outcomes.filter { !$0.passed }.count + (backendCheck && backendFailure != nil ? 1 : 0)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(outcomes.count + checks)\" failures=\"\(failures)\">\n"
        xml +=
            "  <testsuite name=\"\(escape(suite))\" tests=\"\(outcomes.count + checks)\" failures=\"\(failures)\" errors=\"0\">\n"
        if backendCheck {
            xml += "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(BackendFailure.checkName))\""
            if let backendFailure {
                xml += ">\n      <failure message=\"\(escape(backendFailure.description))\"/>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        for outcome in outcomes {
            xml += "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(outcome.threshold.text))\""
            if outcome.passed {
                xml += "/>\n"
            } else {
                let message =
                    "actual \(outcome.threshold.format(outcome.actual)) does not satisfy \(outcome.threshold.text)"
                xml += ">\n      <failure message=\"\(escape(message))\"/>\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
