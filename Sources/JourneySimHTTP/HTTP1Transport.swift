import NIOCore
import NIOHTTP1
import NIOPosix

/// A lean HTTP/1.1 keep-alive client for plain `http://` targets, written directly on SwiftNIO:
/// a load driver spends its CPU per request, and on a machine shared with the server that CPU
/// decides the throughput.
///
/// One `HTTP1ConnectionPool` per event loop (a lane), the connection limit split between them;
/// a message always uses the same lane, chosen from its id. A request is encoded once per
/// message into one buffer and written as it is, its answer read by NIOHTTP1's decoder, and the
/// caller resumed straight from the event loop: no request objects, streams, actor hops or
/// per-request timers. `https://` targets keep using AsyncHTTPClient.
final class HTTP1Transport: Sendable {
    struct Lane: Sendable {
        let eventLoop: any EventLoop
        let pool: NIOLoopBoundBox<HTTP1ConnectionPool>
        /// The loop as a task executor (an `EventLoopTaskExecutor`; typed `AnyObject` because
        /// the type's availability is newer than the package's macOS floor).
        let executor: (any Sendable & AnyObject)?
    }

    let endpoint: HTTP1Endpoint
    let lanes: [Lane]

    /// - Parameters:
    ///   - connections: the most connections in all (at least one per lane used).
    ///   - requestTimeout: decides how often deadlines are checked (a tenth of it, 1 to 10 ms).
    init(
        endpoint: HTTP1Endpoint, group: any EventLoopGroup, connections: Int, connectTimeout: TimeAmount,
        requestTimeout: TimeAmount, maxResponseBytes: Int
    ) {
        self.endpoint = endpoint
        let loops = Array(group.makeIterator())
        let count = max(1, min(loops.count, connections))
        let sweep = TimeAmount.nanoseconds(min(10_000_000, max(1_000_000, requestTimeout.nanoseconds / 10)))
        lanes = (0..<count).map { index in
            let loop = loops[index]
            let share = connections / count + (index < connections % count ? 1 : 0)
            let pool = HTTP1ConnectionPool(
                eventLoop: loop, endpoint: endpoint, limit: max(1, share), connectTimeout: connectTimeout,
                maxResponseBytes: maxResponseBytes, sweepInterval: sweep)
            var executor: (any Sendable & AnyObject)?
            if #available(macOS 15.0, *) { executor = EventLoopTaskExecutor(loop) }
            return Lane(eventLoop: loop, pool: .makeBoxSendingValue(pool, eventLoop: loop), executor: executor)
        }
    }

    /// A whole POST as it goes on the wire, built once per message (every attempt writes the
    /// same bytes): the route under the base URL's path (then its query), the message's idempotency key and, when
    /// configured, the authorization (bearer token or Basic from the URL's user info). Header values are known not to contain line breaks (the
    /// token is checked when the backend is made).
    func encode(
        path: String, contentType: String, body: [UInt8], idempotencyKey: String, authorization: String?
    ) -> ByteBuffer {
        let length = String(body.count)
        let authorizationSize = authorization.map { "\r\nAuthorization: ".utf8.count + $0.utf8.count } ?? 0
        let size =
            "POST  HTTP/1.1\r\nHost: \r\nContent-Type: \r\nContent-Length: \r\nIdempotency-Key: \r\n\r\n".utf8.count
            + endpoint.pathPrefix.utf8.count + path.utf8.count + endpoint.querySuffix.utf8.count
            + endpoint.hostHeader.utf8.count + contentType.utf8.count
            + length.utf8.count + idempotencyKey.utf8.count + authorizationSize + body.count
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        // One write into the buffer, not one per part: each ByteBuffer write is a separate
        // (exclusivity-checked) access, and this runs once per message.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var offset = 0
            func copy(_ text: String) {
                var text = text
                text.withUTF8 { copy(UnsafeRawBufferPointer($0)) }
            }
            func copy(_ bytes: UnsafeRawBufferPointer) {
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                out.baseAddress!.advanced(by: offset).copyMemory(from: base, byteCount: bytes.count)
                offset += bytes.count
            }
            copy("POST ")
            copy(endpoint.pathPrefix)
            copy(path)
            copy(endpoint.querySuffix)
            copy(" HTTP/1.1\r\nHost: ")
            copy(endpoint.hostHeader)
            copy("\r\nContent-Type: ")
            copy(contentType)
            copy("\r\nContent-Length: ")
            copy(length)
            copy("\r\nIdempotency-Key: ")
            copy(idempotencyKey)
            if let authorization {
                copy("\r\nAuthorization: ")
                copy(authorization)
            }
            copy("\r\n\r\n")
            body.withUnsafeBytes { copy($0) }
            return offset
        }
        return buffer
    }

    /// The lane a message's requests go to.
    func lane(for tag: UInt64) -> Lane { lanes[Int(tag % UInt64(lanes.count))] }

    /// Sends one request and waits for its answer or failure; never throws, never hangs past
    /// `timeout` (plus one deadline tick).
    nonisolated(nonsending) func execute(
        _ bytes: ByteBuffer, tag: UInt64, timeout: TimeAmount
    ) async -> Result<HTTPResponseSummary, HTTP1TransportError> {
        if Task.isCancelled { return .failure(.cancelled) }
        let lane = lane(for: tag)
        let deadline = NIODeadline.now() + timeout
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { continuation in
                let request = HTTP1PendingRequest(
                    tag: tag, bytes: bytes, deadline: deadline, waiter: .task(continuation))
                if lane.eventLoop.inEventLoop {
                    lane.pool.value.enqueue(request)
                } else {
                    lane.eventLoop.execute { lane.pool.value.enqueue(request) }
                }
            }
        } onCancel: {
            lane.eventLoop.execute { lane.pool.value.cancel(tag: tag) }
        }
    }

    /// Sleeps for `delay` on a timer of the first lane's event loop: a pacer running on that
    /// loop wakes with the loop's own I/O, without another thread. Throws when the task is
    /// already cancelled; a sleep in progress runs to its end.
    nonisolated(nonsending) func sleep(for delay: Duration) async throws {
        try Task.checkCancellation()
        guard delay > .zero else { return }
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        let loop = lanes[0].eventLoop
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            loop.scheduleTask(in: .nanoseconds(nanoseconds)) {}.futureResult.whenComplete { _ in continuation.resume() }
        }
    }

    /// Connections made so far over all lanes.
    func connectionsOpened() async -> Int {
        var total = 0
        for lane in lanes {
            total += (try? await lane.eventLoop.submit { lane.pool.value.connectionsOpened }.get()) ?? 0
        }
        return total
    }

    /// Closes every connection and fails whatever still waits.
    func shutdown() async {
        for lane in lanes {
            let closed = lane.eventLoop.flatSubmit { lane.pool.value.shutdown() }
            try? await closed.get()
        }
    }
}
