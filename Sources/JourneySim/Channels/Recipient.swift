/// The addresses of one synthetic customer on every channel, derived from the customer id alone
/// so that the same customer has the same number, e-mail and device token in every run and shard.
///
/// Phone numbers use the fictional `+1 555` prefix and e-mail addresses the reserved `.test`
/// domain, so nothing generated here can reach a real person even if pointed at a real provider.
public struct Recipient: Sendable, Equatable {
    public var customer: UInt32

    public init(customer: UInt32) { self.customer = customer }

    /// E.164 number: `+1555` and the customer id in ten digits, e.g. `+15550000000123`.
    public var phoneNumber: String {
        // Written in place: 15 bytes is a small string, so no allocation on the load path.
        String(unsafeUninitializedCapacity: 15) { buffer in
            for (index, byte) in "+1555".utf8.enumerated() { buffer[index] = byte }
            var value = customer
            for index in stride(from: 14, through: 5, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            return 15
        }
    }

    /// `customer123@example.test`.
    public var email: String { "customer\(customer)@example.test" }

    /// A 64-hex-digit push registration token (the shape of an FCM token's random part).
    public var deviceToken: String { "fcm-" + hash(1) + hash(2) + hash(3) + hash(4) }

    /// A page-scoped id as Messenger issues them: 16 digits.
    public var messengerID: String { String(7_000_000_000_000_000 as UInt64 + UInt64(customer)) }

    /// A Viber user id (Viber issues base64-like strings; ours are hex).
    public var viberID: String { "vb-" + hash(5) }

    /// A Telegram private chat id: a positive integer.
    public var telegramChatID: Int64 { 100_000_000 + Int64(customer) }

    /// An opaque Apple Messages for Business customer id.
    public var appleMessagesID: String { "urn:mbid:" + hash(6) + hash(7) }

    /// The app's own user id for in-app messages.
    public var appUserID: String { "customer-\(customer)" }

    func hash(_ purpose: UInt64) -> String {
        let value = SplitMix64.hash(0x6A6F_7572_6E65_7973, purpose, UInt64(customer))
        return Recipient.zeroPadded(value, width: 16, radix: 16)
    }

    static func zeroPadded(_ value: UInt64, width: Int, radix: Int = 10) -> String {
        let digits = String(value, radix: radix)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
