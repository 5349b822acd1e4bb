/// The check every load run gets, whatever thresholds it has: a run in which messages were sent
/// but the backend accepted none of them failed, because the backend could not be reached or
/// refused everything. With no thresholds a run would otherwise pass on nothing but errors.
///
/// "Accepted none" is the same as a message error rate of 100% and, since an accepted message
/// had a successful attempt, as an attempt error rate of 100%. A run that sent nothing (no
/// traffic was due, or it was stopped first) has nothing to judge the backend by and passes.
public struct BackendFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target as it may be printed (user info masked).
    public var target: String
    public var sent: Int
    public var attempts: Int
    /// The kinds of failed attempts, most frequent first.
    public var causes: [Cause]

    public struct Cause: Sendable, Equatable {
        public var label: String
        public var count: Int
    }

    /// The failure of `results`, nil when the backend accepted at least one message (or none was sent).
    public static func check(_ results: LoadResults, target: String) -> BackendFailure? {
        let overall = results.overall
        guard overall.started > 0, overall.accepted == 0 else { return nil }
        return BackendFailure(
            target: target, sent: overall.started, attempts: overall.attempts,
            causes: overall.errors.byKind.map { Cause(label: $0.label, count: $0.count) })
    }

    /// What the JUnit report calls the check.
    public static let checkName = "the backend accepted at least one message"

    public var description: String {
        let plural = sent == 1 ? "message" : "messages"
        let cause =
            causes.isEmpty
            ? "no answer was counted"
            : causes.map { "\($0.label) on \($0.count) of \(attempts) attempts" }.joined(separator: ", ")
        var text = "the backend failed the run: \(target) accepted none of the \(sent) \(plural) sent (\(cause))."
        if causes.first?.label == "connection refused" {
            text += " Is the backend running and listening at \(target)?"
        }
        return text
    }
}
