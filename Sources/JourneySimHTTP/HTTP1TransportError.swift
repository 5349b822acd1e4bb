import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why one request on the lean HTTP/1.1 transport got no answer. Each case maps to one of the
/// backend's fault counters (timeout, refused, reset, other), so the transport's failures are
/// counted exactly as AsyncHTTPClient's were.
enum HTTP1TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request's deadline passed (waiting for a connection, connecting, or waiting for the answer).
    case timedOut
    /// No connection within the connect timeout.
    case connectTimeout
    case connectionRefused
    /// The server closed or reset the connection before the answer was complete.
    case connectionClosed
    /// The answer was not HTTP/1.1 the decoder could read.
    case invalidResponse(String)
    /// Any other transport failure (name resolution, socket errors), with NIO's own text.
    case other(String)
    /// The task sending the request was cancelled.
    case cancelled
    /// The backend was shut down while the request waited.
    case shutDown

    var description: String {
        switch self {
        case .timedOut: "the request timed out"
        case .connectTimeout: "connect timed out"
        case .connectionRefused: "connection refused"
        case .connectionClosed: "connection reset or closed by the server"
        case let .invalidResponse(detail): "the answer was not valid HTTP/1.1: \(detail)"
        case let .other(detail): detail
        case .cancelled: "cancelled"
        case .shutDown: "the HTTP backend was shut down"
        }
    }

    /// How the backend counts this failure.
    var kind: HTTPBackend.FailureKind {
        switch self {
        case .timedOut, .connectTimeout: .timeout
        case .connectionRefused: .refused
        case .connectionClosed: .reset
        case .invalidResponse, .other, .cancelled, .shutDown: .other
        }
    }

    /// A failed connection attempt, from ClientBootstrap's error.
    init(connectError error: any Error) {
        if let error = error as? ChannelError, case .connectTimeout = error {
            self = .connectTimeout
        } else if let error = error as? NIOConnectionError {
            let causes = error.connectionErrors.map(\.error)
            if causes.contains(where: { ($0 as? IOError)?.errnoCode == ECONNREFUSED }) {
                self = .connectionRefused
            } else if let first = causes.first {
                self = HTTP1TransportError(channelError: first)
            } else {
                self = .other(
                    "cannot resolve \(error.host): \(String(describing: error.dnsAError ?? error.dnsAAAAError ?? error))"
                )
            }
        } else if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            self = .connectionRefused
        } else {
            self = HTTP1TransportError(channelError: error)
        }
    }

    /// An error on an open connection.
    init(channelError error: any Error) {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNRESET, EPIPE, ECONNABORTED: self = .connectionClosed
            case ECONNREFUSED: self = .connectionRefused
            case ETIMEDOUT: self = .timedOut
            default: self = .other(String(describing: error))
            }
        } else if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: self = .connectTimeout
            case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed: self = .connectionClosed
            default: self = .other(String(describing: error))
            }
        } else if error is HTTPParserError || error is NIOHTTPDecoderError {
            self = .invalidResponse(String(describing: error))
        } else {
            self = .other(String(describing: error))
        }
    }
}
