import Foundation
import JourneySim

/// The attempts at one message: classifies each answer or failure, counts it, and says how long
/// to wait before the next attempt, if there is one.
///
/// Retries 429, 5xx, timeouts and connection failures with exponential backoff and full jitter
/// (a uniform wait between 0 and `min(backoffMax, backoffBase · 2^(attempt-1))`), waits at least
/// what a `Retry-After` header asks (up to `maxRetryAfter`), and gives up after `maxAttempts`.
/// A 2xx is accepted when it names the message's id (`HTTPResponseSummary.malformation`), else it
/// is a malformed answer; both are final, as are other 4xx. Synchronous and small, so the
/// async loop that drives it keeps a small frame.
struct HTTPAttempts {
    /// The retry settings, taken from the target once per backend (not per message).
    struct Policy: Sendable {
        var maxAttempts: Int
        /// Milliseconds.
        var backoffBase: Double
        /// Milliseconds.
        var backoffMax: Double
        var maxRetryAfter: Duration

        init(target: HTTPTargetSpec, maxRetryAfter: Duration) {
            maxAttempts = target.maxAttempts
            backoffBase = Double(target.backoffBase.milliseconds)
            backoffMax = Double(target.backoffMax.milliseconds)
            self.maxRetryAfter = maxRetryAfter
        }
    }

    private let policy: Policy
    private var rng: Xoshiro256StarStar
    private var attempt = 0
    private var errors = AttemptErrors()
    private var result: SubmitResult = .rejected(.timeout)

    @inline(never)
    init(message: OutboundMessage, policy: Policy) {
        self.policy = policy
        rng = Xoshiro256StarStar(seed: SplitMix64.hash(message.id, 0x6874_7470))
    }

    /// The outcome so far (final once `record` has returned nil).
    var report: SendReport {
        @inline(never) get { SendReport(result: result, attempts: attempt, errors: errors) }
    }

    /// Counts one attempt of the lean transport; returns the wait before the next one, or nil
    /// when the message is done.
    @inline(never)
    mutating func record(_ outcome: Result<HTTPResponseSummary, HTTP1TransportError>) -> Duration? {
        switch outcome {
        case let .success(response): return record(response)
        case let .failure(failure): return record(failure: failure.kind, failure.description)
        }
    }

    /// Counts one attempt over AsyncHTTPClient.
    @inline(never)
    mutating func record(_ outcome: Result<HTTPResponseSummary, HTTPBackend.AttemptFailure>) -> Duration? {
        switch outcome {
        case let .success(response): return record(response)
        case let .failure(failure): return record(failure: failure.kind, failure.description)
        }
    }

    private mutating func record(_ response: HTTPResponseSummary) -> Duration? {
        attempt += 1
        let status = response.status
        var retryAfter: Duration?
        switch status {
        case 200..<300:
            if let problem = response.malformation {
                // Counted and final, never retried: a retry of a request the server processed
                // would get the same answer (or be a duplicate).
                errors.malformedResponses += 1
                result = .rejected(.malformedAnswer(problem))
                return nil
            }
            // Without a malformation the header or the body named the id.
            result = .accepted(Acceptance(providerMessageID: response.messageID ?? response.bodyMessageID ?? ""))
            return nil
        case 429:
            errors.rateLimited += 1
            retryAfter = response.retryAfter.flatMap(HTTPBackend.retryAfter)
            result = .rejected(
                .rateLimited(retryAfter: SimDuration(milliseconds: retryAfter.map(HTTPBackend.milliseconds) ?? 0)))
        case 500...:
            errors.serverErrors += 1
            retryAfter = response.retryAfter.flatMap(HTTPBackend.retryAfter)
            result = .rejected(.serverError(status: status))
        default:
            errors.clientErrors += 1
            result = .rejected(status == 404 || status == 422 ? .invalidRecipient : .invalidRequest(status: status))
            return nil
        }
        return nextWait(retryAfter: retryAfter)
    }

    private mutating func record(
        failure kind: HTTPBackend.FailureKind, _ description: @autoclosure () -> String
    ) -> Duration? {
        attempt += 1
        switch kind {
        case .timeout:
            errors.timeouts += 1
            result = .rejected(.timeout)
        case .refused:
            errors.connectionRefused += 1
            result = .rejected(.connectionFailed("connection refused"))
        case .reset:
            errors.connectionReset += 1
            result = .rejected(.connectionFailed("connection reset or closed by the server"))
        case .other:
            errors.otherConnection += 1
            result = .rejected(.connectionFailed(description()))
        }
        guard !Task.isCancelled else { return nil }
        return nextWait(retryAfter: nil)
    }

    /// The backoff before the next attempt, or nil when the attempts are used up.
    private mutating func nextWait(retryAfter: Duration?) -> Duration? {
        guard attempt < policy.maxAttempts else { return nil }
        let ceiling = min(policy.backoffMax, policy.backoffBase * pow(2, Double(attempt - 1)))
        var wait = Duration.microseconds(Int64(rng.nextUnit() * ceiling * 1000))
        if let retryAfter { wait = max(wait, min(retryAfter, policy.maxRetryAfter)) }
        return wait
    }
}
