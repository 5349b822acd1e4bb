/// What a backend said about one message: accepted (with the provider's message id and, from the
/// mock, the receipts to come) or rejected, and why.
public enum SubmitResult: Sendable, Equatable {
    case accepted(Acceptance)
    case rejected(Rejection)

    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }
}

/// An accepted message. Receipt times are known up front only for the virtual-time mock, which
/// decides them at submission; a real backend reports them later (webhooks), so they are nil.
public struct Acceptance: Sendable, Equatable {
    /// The provider's id as received, or the mock's (channel, message) pair. The mock's id is
    /// formatted only when read: the simulator submits millions of messages and reads none of
    /// their ids, and formatting every id allocated.
    enum Reference: Sendable, Equatable {
        case text(String)
        case mock(Channel, UInt64)
    }

    var reference: Reference
    /// When the message left the sender's queue; later than submission when rate-limited.
    public var dispatchedAt: SimTime?
    public var deliveredAt: SimTime?
    public var readAt: SimTime?
    /// Accepted but never delivered (e.g. the handset was off for the message's lifetime).
    public var failedAt: SimTime?

    public init(
        providerMessageID: String, dispatchedAt: SimTime? = nil, deliveredAt: SimTime? = nil, readAt: SimTime? = nil,
        failedAt: SimTime? = nil
    ) {
        reference = .text(providerMessageID)
        self.dispatchedAt = dispatchedAt
        self.deliveredAt = deliveredAt
        self.readAt = readAt
        self.failedAt = failedAt
    }

    /// The mock backend's acceptance of `message` on `channel` (id `mock-<channel>-<message id>`).
    init(mockChannel channel: Channel, message id: UInt64, dispatchedAt: SimTime) {
        reference = .mock(channel, id)
        self.dispatchedAt = dispatchedAt
    }

    public var providerMessageID: String {
        get {
            switch reference {
            case let .text(text): text
            case let .mock(channel, id): "mock-\(channel.name)-\(id)"
            }
        }
        set { reference = .text(newValue) }
    }

    /// Equal when the ids read the same, however each is held.
    public static func == (a: Acceptance, b: Acceptance) -> Bool {
        a.providerMessageID == b.providerMessageID && a.dispatchedAt == b.dispatchedAt && a.deliveredAt == b.deliveredAt
            && a.readAt == b.readAt && a.failedAt == b.failedAt
    }
}

/// Why a backend refused a message.
public enum Rejection: Sendable, Equatable, CustomStringConvertible {
    /// The address is invalid or the customer cannot be reached on this channel (app not
    /// installed, number not on the network): the case for a fallback channel.
    case invalidRecipient
    /// The sender is over its rate limit; try again after the given time.
    case rateLimited(retryAfter: SimDuration)
    /// The request itself was refused (HTTP 4xx other than 429).
    case invalidRequest(status: Int)
    /// The backend failed (HTTP 5xx).
    case serverError(status: Int)
    /// No answer in time.
    case timeout
    /// The connection could not be made or broke (refused, reset, closed).
    case connectionFailed(String)
    /// A 2xx answer the client cannot use: no message id in it, a body that is not the JSON the
    /// provider sends, or one larger than the client reads. The backend may have taken the
    /// message, but the sender cannot tell which id it has, so it counts as an error.
    case malformedAnswer(String)

    public var description: String {
        switch self {
        case .invalidRecipient: "invalid or unreachable recipient"
        case let .rateLimited(retryAfter): "rate limited (retry after \(retryAfter.milliseconds) ms)"
        case let .invalidRequest(status): "request refused (HTTP \(status))"
        case let .serverError(status): "server error (HTTP \(status))"
        case .timeout: "timeout"
        case let .connectionFailed(reason): "connection failed: \(reason)"
        case let .malformedAnswer(reason): "malformed answer: \(reason)"
        }
    }

    /// The label used in counters and summaries.
    public var kind: String {
        switch self {
        case .invalidRecipient: "invalid_recipient"
        case .rateLimited: "rate_limited"
        case .invalidRequest: "invalid_request"
        case .serverError: "server_error"
        case .timeout: "timeout"
        case .connectionFailed: "connection_failed"
        case .malformedAnswer: "malformed_answer"
        }
    }
}
