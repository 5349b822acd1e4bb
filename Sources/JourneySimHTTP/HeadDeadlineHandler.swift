import NIOCore
import NIOHTTP1

/// Closes a connection whose request head does not arrive in time: from the first byte of a
/// request, or from the connection's start for its first one. Hummingbird's idle timeout only
/// measures silence, so a client that trickles a request line byte by byte (or sends half of it
/// and stops) would otherwise hold the connection as long as it likes.
///
/// It sits first in the pipeline, where it sees raw bytes arrive; `RequestBoundaryObserver`,
/// after the HTTP decoder, tells it when a head was decoded and when its response ended.
final class HeadDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let timeout: TimeAmount
    /// Called (on the event loop) when the deadline closes a connection, for the server's counters.
    let onTimeout: @Sendable () -> Void
    /// Requests whose head arrived and whose response has not ended.
    private var openRequests = 0
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, onTimeout: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    /// Bytes while no request is open start a head: its deadline runs from now (if not already).
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if openRequests == 0 { arm(context) }
        context.fireChannelRead(data)
    }

    /// A head was decoded: the request is in, its deadline is met.
    func headReceived() {
        openRequests += 1
        disarm()
    }

    /// A response ended; the next bytes, if any, start the next head.
    func responseEnded() {
        openRequests = max(0, openRequests - 1)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            onTimeout()
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Tells a `HeadDeadlineHandler` where requests begin and end, as decoded by NIOHTTP1: placed
/// right after the request decoder, so it sees each decoded head and each response's end.
final class RequestBoundaryObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let deadline: HeadDeadlineHandler

    init(_ deadline: HeadDeadlineHandler) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { deadline.headReceived() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { deadline.responseEnded() }
        context.write(data, promise: promise)
    }
}
