import NIOCore
import NIOHTTP1
import NIOPosix

/// Up to `limit` keep-alive HTTP/1.1 connections to one endpoint on one event loop, and a FIFO
/// of requests waiting for one of them.
///
/// Everything happens on `eventLoop` (no locks, no actor hops): requests are queued, connections
/// opened on demand (one more whenever the waiting requests outnumber the connections being
/// opened), an idle connection takes the next request as soon as it has its answer. Deadlines are
/// checked by one timer that ticks every `sweepInterval` while anything is outstanding, not by a
/// timer per request, so a timeout fires up to one tick late. As AsyncHTTPClient does with
/// connection retries off, a failed connection attempt fails every request then waiting.
final class HTTP1ConnectionPool {
    let eventLoop: any EventLoop
    let endpoint: HTTP1Endpoint
    let limit: Int
    let connectTimeout: TimeAmount
    let maxResponseBytes: Int
    let sweepInterval: TimeAmount

    private var waiting = CircularBuffer<HTTP1PendingRequest>(initialCapacity: 64)
    /// Connections that finished connecting and are not closed yet (busy, idle or closing).
    private var connections: [HTTP1ConnectionHandler] = []
    /// The idle ones, most recently used last.
    private var idle: [HTTP1ConnectionHandler] = []
    private var connecting = 0
    /// Connections made so far (for tests: keep-alive means few).
    private(set) var connectionsOpened = 0
    private var sweep: Scheduled<Void>?
    private var isShutDown = false

    init(
        eventLoop: any EventLoop, endpoint: HTTP1Endpoint, limit: Int, connectTimeout: TimeAmount,
        maxResponseBytes: Int, sweepInterval: TimeAmount
    ) {
        precondition(limit >= 1, "a pool needs at least one connection")
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.limit = limit
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.sweepInterval = sweepInterval
    }

    /// Starts the request on an idle connection, or queues it until one is free.
    func enqueue(_ request: HTTP1PendingRequest) {
        eventLoop.preconditionInEventLoop()
        guard !isShutDown else {
            request.complete(.failure(.shutDown))
            return
        }
        while let connection = idle.popLast() {
            connection.isIdle = false
            guard !connection.isClosing else { continue }
            connection.start(request)
            armSweep()
            return
        }
        waiting.append(request)
        openConnectionsIfNeeded()
        armSweep()
    }

    /// Fails the request with this tag (waiting or in flight) as cancelled; nothing if it is done.
    func cancel(tag: UInt64) {
        eventLoop.preconditionInEventLoop()
        if let index = waiting.firstIndex(where: { $0.tag == tag }) {
            let request = waiting.remove(at: index)
            request.complete(.failure(.cancelled))
            return
        }
        if let connection = connections.first(where: { $0.current?.tag == tag }) {
            connection.abandon(with: .cancelled)
        }
    }

    /// A connection answered its request: give it the next one, or keep it idle.
    func connectionFinished(_ connection: HTTP1ConnectionHandler) {
        guard !connection.isClosing, connection.isRegistered else { return }
        if let next = waiting.popFirst() {
            connection.start(next)
        } else {
            connection.isIdle = true
            idle.append(connection)
        }
    }

    /// A connection closed (by either side): forget it, and open another if requests wait.
    func connectionClosed(_ connection: HTTP1ConnectionHandler) {
        if connection.isIdle, let index = idle.firstIndex(where: { $0 === connection }) {
            idle.remove(at: index)
        }
        connection.isIdle = false
        if connection.isRegistered {
            let index = connection.poolIndex
            let last = connections.removeLast()
            if last !== connection {
                connections[index] = last
                last.poolIndex = index
            }
            connection.isRegistered = false
        }
        openConnectionsIfNeeded()
    }

    /// Closes every connection and fails whatever waits; the future completes when all are closed.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        isShutDown = true
        sweep?.cancel()
        sweep = nil
        let abandoned = waiting
        waiting.removeAll()
        for request in abandoned { request.complete(.failure(.shutDown)) }
        let closing = connections.map { connection -> EventLoopFuture<Void> in
            let closed = connection.closeFuture ?? eventLoop.makeSucceededVoidFuture()
            connection.abandon(with: .shutDown)
            return closed
        }
        return EventLoopFuture.andAllComplete(closing, on: eventLoop)
    }

    private func openConnectionsIfNeeded() {
        while !isShutDown, connecting < waiting.count, connections.count + connecting < limit {
            openConnection()
        }
    }

    private func openConnection() {
        connecting += 1
        let pool = NIOLoopBound(self, eventLoop: eventLoop)
        let maxResponseBytes = maxResponseBytes
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    let writer = PreEncodedRequestWriter()
                    try pipeline.addHandler(writer)
                    try pipeline.addHandler(
                        ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
                    let connection = HTTP1ConnectionHandler(pool: pool.value, maxResponseBytes: maxResponseBytes)
                    try pipeline.addHandler(connection)
                    connection.writerContext = try pipeline.context(handler: writer)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .assumeIsolated()
            .whenComplete { result in self.connectFinished(result) }
    }

    private func connectFinished(_ result: Result<any Channel, any Error>) {
        connecting -= 1
        switch result {
        case let .success(channel):
            guard let connection = try? channel.pipeline.syncOperations.handler(type: HTTP1ConnectionHandler.self)
            else {
                channel.close(promise: nil)
                openConnectionsIfNeeded()
                return
            }
            if isShutDown {
                connection.close()
                return
            }
            // Closed again before it was ready: it was never counted, so just try again if needed.
            guard !connection.isClosing else {
                openConnectionsIfNeeded()
                return
            }
            connectionsOpened += 1
            connection.isRegistered = true
            connection.poolIndex = connections.count
            connections.append(connection)
            connectionFinished(connection)
        case let .failure(error):
            let failure = HTTP1TransportError(connectError: error)
            let failed = waiting
            waiting.removeAll()
            for request in failed { request.complete(.failure(failure)) }
        }
    }

    private func armSweep() {
        guard sweep == nil, !isShutDown, !waiting.isEmpty || connections.count > idle.count else { return }
        sweep = eventLoop.assumeIsolated().scheduleTask(in: sweepInterval) { self.expireOverdue() }
    }

    /// Fails every request whose deadline has passed: waiting ones are dropped from the queue,
    /// in-flight ones close their connection.
    private func expireOverdue() {
        sweep = nil
        let now = NIODeadline.now()
        if waiting.contains(where: { $0.deadline <= now }) {
            var kept = CircularBuffer<HTTP1PendingRequest>(initialCapacity: waiting.count)
            var expired: [HTTP1PendingRequest] = []
            for request in waiting {
                if request.deadline <= now { expired.append(request) } else { kept.append(request) }
            }
            waiting = kept
            for request in expired { request.complete(.failure(.timedOut)) }
        }
        for connection in connections {
            if let deadline = connection.current?.deadline, deadline <= now { connection.timeOut() }
        }
        armSweep()
    }
}
