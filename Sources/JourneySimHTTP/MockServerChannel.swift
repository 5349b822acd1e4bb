import HummingbirdCore
import JourneySim
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 child channel with the mock server's connection limits around it:
/// Hummingbird's own idle timeout (`HTTP1Channel.Configuration.idleTimeout`) closes keep-alive
/// connections left without a request, a `HeadDeadlineHandler` closes those whose request head
/// is late, and `ConnectionsPerAddress` closes a client's connections beyond its share. (The cap
/// on all connections is Hummingbird's `MaximumAvailableConnections`, set on the application.)
struct MockServerChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let headerTimeout: TimeAmount
    let perAddress: ConnectionsPerAddress
    /// Counts what the limits closed.
    let state: Locked<MockServerState>

    init(responder: @escaping HTTPChannelHandler.Responder, spec: MockServerSpec, state: Locked<MockServerState>) {
        http = HTTP1Channel(
            responder: responder, configuration: .init(idleTimeout: .milliseconds(spec.idleTimeout.milliseconds)))
        headerTimeout = .milliseconds(spec.headerTimeout.milliseconds)
        perAddress = ConnectionsPerAddress(limit: spec.maxConnectionsPerAddress)
        self.state = state
    }

    func setup(channel: any NIOCore.Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        guard perAddress.open(address) else {
            state.withLock { $0.counters.connectionsOverAddressLimit += 1 }
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(MockServerError.tooManyConnections(address: address))
        }
        channel.closeFuture.whenComplete { [perAddress] _ in perAddress.close(address) }
        let state = self.state
        let deadline = HeadDeadlineHandler(timeout: headerTimeout) {
            state.withLock { $0.counters.headerTimeouts += 1 }
        }
        do {
            try channel.pipeline.syncOperations.addHandler(deadline, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let bound = NIOLoopBound(deadline, eventLoop: channel.eventLoop)
        // Hummingbird builds its pipeline synchronously; the observer then goes right after the
        // request decoder, where it sees decoded heads and the responses' ends.
        return http.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestBoundaryObserver(bound.value), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http.handle(value: value, logger: logger)
    }
}

/// Open connections per client IP address, shared by every event loop of the server.
final class ConnectionsPerAddress: Sendable {
    let limit: Int
    private let counts = Locked<[String: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection from `address`; false (and not counted) when it has `limit` open.
    func open(_ address: String) -> Bool {
        self.counts.withLock { counts in
            let current = counts[address, default: 0]
            guard current < limit else { return false }
            counts[address] = current + 1
            return true
        }
    }

    func close(_ address: String) {
        self.counts.withLock { counts in
            let remaining = counts[address, default: 0] - 1
            counts[address] = remaining > 0 ? remaining : nil
        }
    }
}
