import Foundation

/// Checks that a request body has the fields the provider requires on a channel: the mock
/// server's 400 decisions, and the round-trip check of the renderer's output in tests.
public enum PayloadValidator {
    /// The fields each channel requires, as dotted paths (`0` indexes a list). For SMS they are
    /// form fields.
    public static func requiredFields(_ channel: Channel) -> [String] {
        switch channel {
        case .whatsapp: ["messaging_product", "to", "type"]
        case .sms: ["To", "From", "Body"]
        case .email: ["personalizations.0.to.0.email", "from.email", "subject", "content.0.value"]
        case .push: ["message.token"]
        case .messenger: ["recipient.id", "message", "messaging_type"]
        case .viber: ["receiver", "type", "sender.name"]
        case .telegram: ["chat_id", "text"]
        case .rcs: ["contentMessage"]
        case .appleMessages: ["id", "sourceId", "destinationId", "type", "body"]
        case .inApp: ["user_id", "message.body"]
        }
    }

    /// The first problem with a request, or nil if the provider would accept its shape.
    public static func problem(
        channel: Channel, path: String, contentType: String?, body: some Collection<UInt8>
    ) -> String? {
        let mediaType = contentType?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        if channel == .sms {
            guard mediaType == WireRequest.form else { return "expected Content-Type \(WireRequest.form)" }
            guard let fields = FormEncoding.decode(body) else { return "the body is not valid form encoding" }
            for name in requiredFields(channel) where !fields.contains(where: { $0.0 == name && !$0.1.isEmpty }) {
                return "missing required field '\(name)'"
            }
            return nil
        }
        guard mediaType == WireRequest.json else { return "expected Content-Type \(WireRequest.json)" }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return "the body is not a JSON object"
        }
        for field in requiredFields(channel) {
            guard let value = lookup(object, field), !(value is NSNull), (value as? String)?.isEmpty != true else {
                return "missing required field '\(field)'"
            }
        }
        switch channel {
        case .whatsapp:
            guard object["messaging_product"] as? String == "whatsapp" else {
                return "messaging_product must be \"whatsapp\""
            }
            let type = object["type"] as? String ?? ""
            let needed =
                type == "template" ? ["template.name", "template.language.code"] : type == "text" ? ["text.body"] : []
            if needed.isEmpty { return "unsupported message type '\(type)'" }
            for field in needed where lookup(object, field) == nil { return "missing required field '\(field)'" }
        case .push:
            if lookup(object, "message.notification") == nil && lookup(object, "message.data") == nil {
                return "a push message needs notification or data"
            }
        case .viber:
            if object["type"] as? String == "text", lookup(object, "text") == nil {
                return "missing required field 'text'"
            }
        case .rcs:
            guard path.contains("/phones/"), path.contains("/agentMessages") else {
                return "the path must name the recipient: …/phones/{msisdn}/agentMessages"
            }
            if lookup(object, "contentMessage.text") == nil && lookup(object, "contentMessage.richCard") == nil {
                return "contentMessage needs text or richCard"
            }
        default: break
        }
        return nil
    }

    static func lookup(_ root: Any, _ path: String) -> Any? {
        var current: Any? = root
        for part in path.split(separator: ".") {
            if let index = Int(part), let list = current as? [Any] {
                current = index < list.count ? list[index] : nil
            } else {
                current = (current as? [String: Any])?[String(part)]
            }
            if current == nil { return nil }
        }
        return current
    }
}
