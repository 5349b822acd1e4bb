import Foundation

/// A backend's base URL, parsed and checked once: the one place where `--target`, `drive --url`
/// and a scenario's `backend.http.url` are read, so every transport and every printed form of the
/// URL agree.
///
/// Accepted: `http[s]://[user[:password]@]host[:port][/path][?query]`, IPv6 hosts in brackets.
/// Refused with a `TargetURLError`: another scheme, no host, a port outside 1–65535, a fragment,
/// spaces or control characters.
///
/// - A query is kept and appended after each route's path (`http://h/api?key=1` sends SMS to
///   `/api/sms/v1/messages?key=1`).
/// - User info is never sent as written and never printed: it becomes an HTTP Basic
///   `Authorization` header (as curl does), and `description` shows it as `user:***@` (`***@`
///   when there is no password, since a lone user name is often a key).
public struct TargetURL: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https }

    public var scheme: Scheme
    /// The host without IPv6 brackets.
    public var host = ""
    /// The port written in the URL, if any.
    public var explicitPort: Int?
    /// The path without a trailing `/` (often empty); each route is appended to it.
    public var path: String
    /// The query without its `?`, nil when there is none.
    public var query: String?
    /// Percent-decoded user info, kept only to build the Basic authorization header.
    var user: String?
    var password: String?

    public init(_ text: String) throws(TargetURLError) {
        let shown = TargetURL.redact(text)
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" }) {
            let what = bad == " " ? "a space" : bad == "\\" ? "a backslash" : "a control character"
            throw .invalidCharacter(url: shown, character: what)
        }
        guard let separator = text.range(of: "://") else { throw .noScheme(url: shown) }
        let schemeText = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw .unsupportedScheme(url: shown, scheme: schemeText)
        }
        self.scheme = scheme
        var rest = text[separator.upperBound...]
        if rest.contains("#") { throw .fragment(url: shown) }
        if let mark = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: mark)...]
            self.query = query.isEmpty ? nil : String(query)
            rest = rest[..<mark]
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        self.path = path
        var hostAndPort = authority
        if let at = authority.lastIndex(of: "@") {
            try readUserInfo(authority[..<at], shown: shown)
            hostAndPort = authority[authority.index(after: at)...]
        }
        try readHostAndPort(hostAndPort, shown: shown)
    }

    private mutating func readUserInfo(_ info: Substring, shown: String) throws(TargetURLError) {
        let parts = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = parts[0].removingPercentEncoding,
            let password = parts.count > 1 ? parts[1].removingPercentEncoding : ""
        else {
            throw .badUserInfo(url: shown)
        }
        guard !user.isEmpty || !password.isEmpty else { throw .badUserInfo(url: shown) }
        self.user = user
        self.password = parts.count > 1 ? password : nil
    }

    private mutating func readHostAndPort(_ text: Substring, shown: String) throws(TargetURLError) {
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .badHost(url: shown, host: String(text)) }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badHost(url: shown, host: String(text)) }
                portText = after.dropFirst()
            }
            guard host.contains(":"),
                host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." })
            else {
                throw .badHost(url: shown, host: String(text))
            }
        } else {
            let pieces = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = String(pieces[0])
            portText = pieces.count > 1 ? pieces[1] : nil
            guard host.isEmpty || host.unicodeScalars.allSatisfy({ TargetURL.isHostCharacter($0) }) else {
                throw .badHost(url: shown, host: host)
            }
        }
        guard !host.isEmpty else { throw .noHost(url: shown) }
        guard let portText else { return }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
            let port = Int(portText),
            (1...65_535).contains(port)
        else {
            throw .badPort(url: shown, port: String(portText))
        }
        explicitPort = port
    }

    /// Letters, digits and `-._~`: a DNS name or an IPv4 address.
    static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar))
    }

    /// The port connected to: the explicit one, else 80 or 443.
    public var port: Int { explicitPort ?? (scheme == .http ? 80 : 443) }

    /// `host[:port]` as the `Host` header carries it (IPv6 in brackets, no user info).
    public var authority: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return explicitPort.map { "\(shownHost):\($0)" } ?? shownHost
    }

    /// Scheme, authority and path: what requests are made against (no user info, no query).
    public var base: String { "\(scheme.rawValue)://\(authority)\(path)" }

    /// The request target for a route: the base path, the route, then the query if there is one.
    public func requestPath(route: String) -> String {
        path + route + querySuffix
    }

    /// `?query`, or "" when there is none.
    public var querySuffix: String { query.map { "?" + $0 } ?? "" }

    /// Whether the URL carried user info (sent as Basic authorization).
    public var hasUserInfo: Bool { user != nil || password != nil }

    /// `Basic base64(user:password)` when the URL carried user info.
    public var basicAuthorization: String? {
        guard hasUserInfo else { return nil }
        return "Basic " + Data("\(user ?? ""):\(password ?? "")".utf8).base64EncodedString()
    }

    /// The URL as it may be printed or written: user info masked, everything else as parsed.
    public var description: String {
        let info = !hasUserInfo ? "" : password == nil ? "***@" : "\(user ?? ""):***@"
        return "\(scheme.rawValue)://\(info)\(authority)\(path)\(querySuffix)"
    }

    /// `text` with anything that may be user info masked, for messages about a URL that did not
    /// parse: everything before the last `@` of the authority (or of the text, without a scheme).
    public static func redact(_ text: String) -> String {
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        let authorityEnd = text[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
        guard let at = text[start..<authorityEnd].lastIndex(of: "@") else { return text }
        let info = text[start..<at]
        let masked = info.firstIndex(of: ":").map { "\(info[..<$0]):***" } ?? "***"
        return String(text[..<start]) + masked + String(text[at...])
    }
}

/// Why a target URL was refused; each message shows the URL with its user info masked.
public enum TargetURLError: Error, Sendable, Equatable, CustomStringConvertible {
    case noScheme(url: String)
    case unsupportedScheme(url: String, scheme: String)
    case noHost(url: String)
    case badHost(url: String, host: String)
    case badPort(url: String, port: String)
    case fragment(url: String)
    case invalidCharacter(url: String, character: String)
    case badUserInfo(url: String)

    public var description: String {
        switch self {
        case let .noScheme(url):
            "'\(url)' has no http:// or https:// scheme; write the full URL, e.g. http://127.0.0.1:8080."
        case let .unsupportedScheme(url, scheme):
            "'\(url)': the scheme '\(scheme)' is not supported; use http:// or https://."
        case let .noHost(url):
            "'\(url)' names no host; write e.g. http://127.0.0.1:8080."
        case let .badHost(url, host):
            "'\(url)': the host '\(host)' is not a host name or address (letters, digits, '-', '.'; IPv6 in brackets, e.g. [::1])."
        case let .badPort(url, port):
            "'\(url)': the port '\(port)' is not a port number from 1 to 65535."
        case let .fragment(url):
            "'\(url)' has a fragment (#...), which is never sent to a server; remove it."
        case let .invalidCharacter(url, character):
            "'\(url)' contains \(character); percent-encode it (e.g. %20) or remove it."
        case let .badUserInfo(url):
            "'\(url)': the user info before '@' is empty or has a broken percent-encoding; write user:password@host."
        }
    }
}
