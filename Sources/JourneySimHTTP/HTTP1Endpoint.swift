import JourneySim

/// Where a plain `http://` target is: host, port, the path its routes are appended to and the
/// query that follows them. Built from a parsed `TargetURL`, so it takes exactly the URLs every
/// other part accepts; `https://` targets return nil and go over AsyncHTTPClient.
struct HTTP1Endpoint: Sendable, Equatable {
    /// The host to connect to, without IPv6 brackets.
    var host: String
    var port: Int
    /// The base URL's path without a trailing `/` (often empty); a route is appended to it.
    var pathPrefix: String
    /// `?query` from the base URL, written after each route (often empty).
    var querySuffix: String
    /// The `Host` header: host and explicit port, never user info.
    var hostHeader: String

    init?(_ url: TargetURL) {
        guard url.scheme == .http else { return nil }
        host = url.host
        port = url.port
        pathPrefix = url.path
        querySuffix = url.querySuffix
        hostHeader = url.authority
    }

    /// The endpoint of a URL text, nil when it does not parse or is not plain `http://`.
    init?(url: String) {
        guard let parsed = try? TargetURL(url) else { return nil }
        self.init(parsed)
    }
}
