import JourneySim
import NIOCore

/// One message's attempts over the lean transport with no Swift task: the request is encoded
/// on its lane's event loop, each answer arrives there as a callback, a retry is a timer of
/// that loop, and the final report goes to `completion`. Same attempts, backoff and counting as
/// `HTTPBackend.send`; what it saves per message is the task, its frames and the hops between
/// executors, which on a machine shared with the server is CPU the server gets.
///
/// Confined to its lane's event loop (reached through `NIOLoopBound`, which checks it).
final class HTTP1Delivery {
    private let backend: HTTPBackend
    private let lane: HTTP1Transport.Lane
    private let tag: UInt64
    private let bytes: ByteBuffer
    private let timeout: TimeAmount
    private var attempts: HTTPAttempts
    private let completion: @Sendable (SendReport) -> Void

    private init(
        backend: HTTPBackend, lane: HTTP1Transport.Lane, message: OutboundMessage, bytes: ByteBuffer,
        completion: @escaping @Sendable (SendReport) -> Void
    ) {
        self.backend = backend
        self.lane = lane
        tag = message.id
        self.bytes = bytes
        timeout = backend.requestTimeout
        attempts = HTTPAttempts(message: message, policy: backend.retryPolicy)
        self.completion = completion
    }

    /// Starts sending `message` on its lane (hopping there if called from elsewhere).
    static func start(
        _ message: OutboundMessage, _ content: MessageContent, backend: HTTPBackend, over transport: HTTP1Transport,
        completion: @escaping @Sendable (SendReport) -> Void
    ) {
        let lane = transport.lane(for: message.id)
        if lane.eventLoop.inEventLoop {
            begin(message, content, backend: backend, transport: transport, lane: lane, completion: completion)
        } else {
            lane.eventLoop.execute {
                begin(message, content, backend: backend, transport: transport, lane: lane, completion: completion)
            }
        }
    }

    private static func begin(
        _ message: OutboundMessage, _ content: MessageContent, backend: HTTPBackend, transport: HTTP1Transport,
        lane: HTTP1Transport.Lane, completion: @escaping @Sendable (SendReport) -> Void
    ) {
        let bytes = backend.encode(message, content, for: transport)
        HTTP1Delivery(backend: backend, lane: lane, message: message, bytes: bytes, completion: completion).attempt()
    }

    private func attempt() {
        let request = HTTP1PendingRequest(
            tag: tag, bytes: bytes, deadline: .now() + timeout,
            waiter: .delivery(NIOLoopBound(self, eventLoop: lane.eventLoop)))
        lane.pool.value.enqueue(request)
    }

    /// The answer to the current attempt (or its failure), on the lane's event loop.
    func finished(_ result: Result<HTTPResponseSummary, HTTP1TransportError>) {
        if let wait = attempts.record(result) {
            let nanoseconds = wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
            let retry = lane.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { self.attempt() }
            // Only if the loop shuts down first: end with what happened so far.
            retry.futureResult.assumeIsolated().whenFailure { _ in self.report() }
            return
        }
        report()
    }

    private func report() {
        let report = attempts.report
        backend.count(report)
        completion(report)
    }
}
