import NIOCore
import NIOHTTP1

/// The last handler of one keep-alive connection: writes the pool's requests one at a time (no
/// pipelining, already encoded: see `PreEncodedRequestWriter`) and turns NIOHTTP1's decoded
/// answer into an `HTTPResponseSummary`.
///
/// At most `maxResponseBytes` of a body is kept; a longer one completes the request with no
/// body and closes the connection, so a misbehaving server cannot make the driver buffer it.
/// A connection that times out, fails, or is not keep-alive is closed, never reused. Confined to
/// its channel's event loop, like the pool it reports to.
final class HTTP1ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let pool: HTTP1ConnectionPool
    private let maxResponseBytes: Int
    private var context: ChannelHandlerContext?
    /// The request writer's context, nearest the socket: request bytes are written from there,
    /// so they do not pass through the response decoder (which only needs to see the `.head`).
    var writerContext: ChannelHandlerContext?
    /// The request being answered, if any.
    private(set) var current: HTTP1PendingRequest?
    /// The answer's head, once it has come: status and the headers that matter.
    private var head: (status: Int, messageID: String?, retryAfter: String?)?
    private var body: ByteBuffer?
    private var keepAlive = false
    /// Parts of an answer already settled (cut off as too large) are skipped until its end.
    private var discarding = false
    /// Why the connection failed, to tell the request in flight when it closes.
    private var failure: HTTP1TransportError?
    /// No request may start: closing, closed, or the last answer said `Connection: close`.
    private(set) var isClosing = false
    private var closeRequested = false
    /// Whether the pool has counted this connection as ready (it may close before that).
    var isRegistered = false
    /// Whether it sits on the pool's idle stack.
    var isIdle = false
    /// Its position in the pool's list of open connections.
    var poolIndex = -1

    init(pool: HTTP1ConnectionPool, maxResponseBytes: Int) {
        self.pool = pool
        self.maxResponseBytes = maxResponseBytes
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        writerContext = nil
    }

    /// Writes the request; the connection must be idle.
    func start(_ request: HTTP1PendingRequest) {
        precondition(current == nil && !isClosing, "a request was started on a busy or closing connection")
        guard let context else {
            request.complete(.failure(.connectionClosed))
            return
        }
        current = request
        context.write(wrapOutboundOut(.head(PreEncodedRequestWriter.postHead)), promise: nil)
        if let writerContext {
            writerContext.writeAndFlush(NIOAny(request.bytes), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(request.bytes))), promise: nil)
        }
    }

    /// Fails the request in flight because its deadline passed, and closes the connection
    /// (its answer may still arrive, so it cannot carry another request).
    func timeOut() {
        guard let request = current else { return }
        current = nil
        close()
        request.complete(.failure(.timedOut))
    }

    /// Fails the request in flight with `error` (shutdown, cancellation) and closes.
    func abandon(with error: HTTP1TransportError) {
        let request = current
        current = nil
        close()
        request?.complete(.failure(error))
    }

    func close() {
        guard !closeRequested else { return }
        closeRequested = true
        isClosing = true
        context?.close(promise: nil)
    }

    /// Completes when the channel has closed (nil once the handler is gone).
    var closeFuture: EventLoopFuture<Void>? { context?.channel.closeFuture }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(response):
            guard current != nil else {
                // An answer nobody asked for: the connection is out of step; drop it.
                failure = .invalidResponse("an answer arrived with no request outstanding")
                close()
                return
            }
            discarding = false
            keepAlive = response.isKeepAlive
            head = (
                Int(response.status.code), response.headers.first(name: "X-Message-Id"),
                response.headers.first(name: "Retry-After")
            )
            body = nil
        case var .body(chunk):
            guard !discarding, head != nil else { return }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            if body!.readableBytes > maxResponseBytes {
                discarding = true
                keepAlive = false
                finish(body: nil)
            }
        case .end:
            guard !discarding else {
                discarding = false
                return
            }
            guard head != nil else { return }
            finish(body: body ?? ByteBuffer())
        }
    }

    /// Hands the answer to its request, then the connection back to the pool (or closes it).
    /// `body` is nil when it was too large.
    private func finish(body: ByteBuffer?) {
        guard let request = current, let head else { return }
        current = nil
        self.head = nil
        self.body = nil
        if !keepAlive { close() }
        request.complete(
            .success(
                HTTPResponseSummary(
                    status: head.status, messageID: head.messageID, retryAfter: head.retryAfter, body: body)))
        pool.connectionFinished(self)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = HTTP1TransportError(channelError: error) }
        close()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosing = true
        if let request = current {
            current = nil
            request.complete(.failure(failure ?? .connectionClosed))
        }
        pool.connectionClosed(self)
        context.fireChannelInactive()
    }
}
