import NIOCore

/// One request on its way through an `HTTP1ConnectionPool`: what to write, until when, and
/// whom to tell. Whoever holds it (the pool's queue or one connection) is the only one that may
/// complete it, and drops it when it does, so every caller is answered exactly once.
struct HTTP1PendingRequest: Sendable {
    /// The message id: finds the request again when its task is cancelled.
    var tag: UInt64
    /// The whole request as it goes on the wire (see `HTTP1Transport.encode`).
    var bytes: ByteBuffer
    /// The whole attempt's deadline: waiting for a connection, connecting, sending and the answer.
    var deadline: NIODeadline
    var waiter: Waiter

    /// Who is told: a suspended task, or a callback run on the event loop (the task-free path of
    /// `HTTP1Delivery`). A callback must not re-enter the pool synchronously.
    enum Waiter: Sendable {
        case task(UnsafeContinuation<Result<HTTPResponseSummary, HTTP1TransportError>, Never>)
        case callback(@Sendable (Result<HTTPResponseSummary, HTTP1TransportError>) -> Void)
    }

    func complete(_ result: Result<HTTPResponseSummary, HTTP1TransportError>) {
        switch waiter {
        case let .task(continuation): continuation.resume(returning: result)
        case let .callback(callback): callback(result)
        }
    }
}
