/// One message rendered for the wire: where to POST it, as what, and the body bytes.
public struct WireRequest: Sendable, Equatable {
    /// Path on the backend, e.g. `/whatsapp/v1/messages` (RCS: `/rcs/v1/phones/+1555…/agentMessages`).
    public var path: String
    public var contentType: String
    public var body: [UInt8]

    public init(path: String, contentType: String, body: [UInt8]) {
        self.path = path
        self.contentType = contentType
        self.body = body
    }

    public static let json = "application/json"
    public static let form = "application/x-www-form-urlencoded"
}
