import NIOCore
import NIOHTTP1

/// The outbound end of a lean connection: requests arrive already encoded (request line,
/// headers and body in one buffer, built once per message) and go to the socket as they are.
///
/// NIOHTTP1's response decoder sits between this handler and the connection handler and must
/// see a `.head` for every request (it needs the method to know whether an answer has a body),
/// so each request is written as a `.head` that only informs the decoder and is dropped here,
/// then its bytes are written from this handler's context (or as one `.body`). This skips
/// building an `HTTPHeaders` and re-encoding it for every request.
final class PreEncodedRequestWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = ByteBuffer

    /// What the decoder is told about every request (only the method matters to it).
    static let postHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case let .body(.byteBuffer(bytes)):
            context.write(wrapOutboundOut(bytes), promise: promise)
        case .body(.fileRegion):
            promise?.fail(ChannelError.operationUnsupported)
        case .head, .end:
            promise?.succeed(())
        }
    }
}
