import NIOCore

/// The parts of an HTTP answer that `HTTPBackend` acts on, the same whichever transport carried
/// it: the status, the two headers that matter, and what the body says.
///
/// The body is read where it arrives (on the event loop, for the lean transport) and only the
/// verdict is kept, so no receive buffer stays referenced while the answer waits for its task.
struct HTTPResponseSummary: Sendable {
    var status: Int
    /// `X-Message-Id`: the provider's id when it sends one as a header.
    var messageID: String?
    /// `Retry-After`, as sent (seconds; parsed by the backend).
    var retryAfter: String?
    var body: Body

    /// What a 2xx answer's body says (other answers' bodies are not read).
    enum Body: Sendable, Equatable {
        case unread
        /// Larger than the backend reads, or cut off.
        case tooLarge
        case empty
        /// A JSON object naming the provider's id.
        case id(String)
        /// A JSON object naming an id that is not needed (the header already gave it).
        case idPresent
        /// Not a JSON object with an id.
        case withoutID
    }

    /// The provider's id from the body, when the body named one.
    var bodyMessageID: String? {
        if case let .id(id) = body { return id }
        return nil
    }

    /// Why a 2xx answer cannot be used as an acceptance, nil when it names the message's id (in
    /// `X-Message-Id` or the body) and its body, if any, is the JSON object a provider sends.
    /// Such an answer is a `Rejection.malformedAnswer`, whatever the transport.
    var malformation: String? {
        guard (200..<300).contains(status) else { return nil }
        switch body {
        case .id, .idPresent: return nil
        case .empty:
            return messageID == nil
                ? "HTTP \(status) with an empty body and no X-Message-Id header, so no message id" : nil
        case .tooLarge:
            return "HTTP \(status) with a body larger than \(HTTPBackend.maxResponseBytes) bytes, or cut off"
        case .withoutID:
            return
                "HTTP \(status) with a body that is not a JSON object naming the message id (id, message_id, sid, name or messages[0].id)"
        case .unread: return "HTTP \(status) whose body was not read"
        }
    }

    /// - Parameter body: the body up to the cap, or nil when it was larger or cut off.
    init(status: Int, messageID: String?, retryAfter: String?, body: ByteBuffer?) {
        self.status = status
        self.messageID = messageID?.isEmpty == true ? nil : messageID
        self.retryAfter = retryAfter
        guard (200..<300).contains(status) else {
            self.body = .unread
            return
        }
        guard let body else {
            self.body = .tooLarge
            return
        }
        guard body.readableBytes > 0 else {
            self.body = .empty
            return
        }
        if self.messageID != nil {
            self.body = body.withUnsafeReadableBytes { MessageIDParser.hasMessageID(in: $0) } ? .idPresent : .withoutID
        } else {
            self.body = body.withUnsafeReadableBytes { MessageIDParser.messageID(in: $0) }.map(Body.id) ?? .withoutID
        }
    }
}
