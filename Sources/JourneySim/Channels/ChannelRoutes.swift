/// The HTTP route of each channel on a messaging backend, e.g. `/whatsapp/v1/messages`.
///
/// Routes are paths only; the backend's base URL is configured separately. RCS follows the RBM
/// API and puts the recipient in the path: its route is a base to which
/// `/phones/{msisdn}/agentMessages` is appended.
public struct ChannelRoutes: Sendable, Equatable {
    var paths: [String]

    /// `/<channel>/v1/messages` for every channel (RCS: `/rcs/v1` plus the RBM suffix; Telegram:
    /// `/telegram/v1/sendMessage` as in the Bot API).
    public static let defaults = ChannelRoutes()

    public init() {
        paths = Channel.allCases.map { channel in
            switch channel {
            case .rcs: "/rcs/v1"
            case .telegram: "/telegram/v1/sendMessage"
            default: "/\(channel.name)/v1/messages"
            }
        }
    }

    public subscript(channel: Channel) -> String {
        get { paths[Int(channel.rawValue)] }
        set { paths[Int(channel.rawValue)] = newValue }
    }

    /// The channel whose route the request path is or starts with (RCS carries a suffix).
    public func channel(forPath path: String) -> Channel? {
        let path = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        for channel in Channel.allCases {
            let route = self[channel]
            if path == route || (channel == .rcs && path.hasPrefix(route + "/")) { return channel }
        }
        return nil
    }

    /// Whether a route is a usable absolute path: starts with `/`, no spaces, query or fragment.
    public static func isValid(_ route: String) -> Bool {
        route.hasPrefix("/") && !route.contains(where: { $0 == " " || $0 == "?" || $0 == "#" || $0 == "\n" })
    }
}
