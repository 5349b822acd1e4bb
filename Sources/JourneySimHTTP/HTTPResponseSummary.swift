import NIOCore

/// The parts of an HTTP answer that `HTTPBackend` acts on, the same whichever transport carried
/// it: the status, the two headers that matter, and the body up to the backend's cap.
struct HTTPResponseSummary: Sendable {
    var status: Int
    /// `X-Message-Id`: the provider's id when it sends one as a header.
    var messageID: String?
    /// `Retry-After`, as sent (seconds; parsed by the backend).
    var retryAfter: String?
    /// The body, or nil when it was larger than the cap or cut off (the status still stands).
    var body: ByteBuffer?
}
