#if canImport(Glibc)
    import Glibc

    /// A plain TCP client on loopback that sends exactly the bytes it is given: half a request line,
    /// a byte at a time, or nothing. For the tests of what the mock server does with clients no
    /// HTTP library would imitate. Every read waits at most `receiveTimeout`. (Linux: it relies on
    /// MSG_NOSIGNAL and on every 127.x address being local.)
    final class RawSocket {
        enum Read: Equatable {
            case data(String)
            /// The server closed (EOF) or reset the connection.
            case closed
            /// Nothing arrived in time (or, for `poll`, nothing is there yet).
            case nothing
        }

        struct Failure: Error, CustomStringConvertible {
            var step: String
            var code: Int32
            var description: String { "raw socket: \(step) failed (errno \(code))" }
        }

        private let fd: Int32

        /// Connects to `127.0.0.1:port` from `source` (another loopback address, e.g. 127.0.0.2, to
        /// act as a second client machine).
        init(port: Int, from source: String = "127.0.0.1", receiveTimeout seconds: Int = 10) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(step: "socket", code: errno) }
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            do {
                try Self.withAddress(source, port: 0) {
                    guard bind(fd, $0, $1) == 0 else { throw Failure(step: "bind \(source)", code: errno) }
                }
                try Self.withAddress("127.0.0.1", port: port) {
                    guard connect(fd, $0, $1) == 0 else { throw Failure(step: "connect", code: errno) }
                }
            } catch {
                Glibc.close(fd)
                throw error
            }
        }

        deinit { Glibc.close(fd) }

        private static func withAddress(
            _ host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void
        ) throws {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                throw Failure(step: "address \(host)", code: EINVAL)
            }
            try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }

        /// Sends `text`; false when the connection is gone (never raises SIGPIPE).
        @discardableResult
        func send(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                == bytes.count
        }

        /// Waits (up to the receive timeout) for bytes or the end of the connection.
        func read() -> Read { receive(flags: 0) }

        /// Looks without waiting.
        func poll() -> Read { receive(flags: Int32(MSG_DONTWAIT)) }

        private func receive(flags: Int32) -> Read {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, flags) }
            if count > 0 { return .data(String(decoding: buffer[..<count], as: UTF8.self)) }
            if count == 0 { return .closed }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .nothing : .closed
        }
    }
#endif
