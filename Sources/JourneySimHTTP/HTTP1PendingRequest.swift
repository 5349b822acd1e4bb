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

    /// Who is told: a suspended task, or the message's `HTTP1Delivery` (the task-free path), told
    /// on the event loop; a delivery never re-enters the pool synchronously.
    enum Waiter: Sendable {
        case task(UnsafeContinuation<Result<HTTPResponseSummary, HTTP1TransportError>, Never>)
        case delivery(NIOLoopBound<HTTP1Delivery>)
    }

    func complete(_ result: Result<HTTPResponseSummary, HTTP1TransportError>) {
        switch waiter {
        case let .task(continuation): continuation.resume(returning: result)
        case let .delivery(delivery): delivery.value.finished(result)
        }
    }
}
