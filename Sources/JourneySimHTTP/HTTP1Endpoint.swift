/// Where a plain `http://` target is: host, port and the path its routes are appended to.
///
/// Only the URL shapes the lean transport understands exactly are accepted
/// (`http://host[:port][/path]`, IPv6 hosts in brackets); anything else (user info, a query, a
/// fragment, an odd port) returns nil so the backend falls back to AsyncHTTPClient, which either
/// handles it or reports the problem as before.
struct HTTP1Endpoint: Sendable, Equatable {
    /// The host to connect to, without IPv6 brackets.
    var host: String
    var port: Int
    /// The base URL's path without a trailing `/` (often empty); a route is appended to it.
    var pathPrefix: String
    /// The `Host` header: the authority as written in the URL.
    var hostHeader: String

    init?(url: String) {
        guard url.count > 7, url.prefix(7).lowercased() == "http://" else { return nil }
        let rest = url.dropFirst(7)
        guard !rest.contains(where: { $0 == "?" || $0 == "#" || $0 == "@" || $0 == " " || $0 == "\\" || $0.isNewline }) else { return nil }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portPart = nil
            } else {
                guard after.hasPrefix(":") else { return nil }
                portPart = after.dropFirst()
            }
        } else {
            let pieces = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostPart = pieces[0]
            portPart = pieces.count > 1 ? pieces[1] : nil
        }
        guard !hostPart.isEmpty else { return nil }
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCII), let port = Int(portPart), (1...65_535).contains(port) else { return nil }
            self.port = port
        } else {
            port = 80
        }
        host = String(hostPart)
        pathPrefix = path
        hostHeader = String(authority)
    }
}
