/// Renders `(OutboundMessage, MessageContent)` into each provider's own wire shape: WhatsApp
/// Cloud API templates, a form-encoded SMS body, SendGrid-style e-mail, FCM v1 push, the
/// Messenger Send API, Viber's send_message, Telegram's sendMessage, RCS Business Messaging,
/// Apple Messages for Business (as a messaging service provider relays it) and an in-app message.
///
/// The output depends only on its inputs and the renderer's configuration, so payloads are
/// reproducible; text is cut to the channel's `maxTextLength`.
public struct PayloadRenderer: Sendable {
    public var routes: ChannelRoutes
    /// The business's own number for SMS `From`.
    public var smsSender: String
    /// The e-mail `from` address.
    public var emailSender: String
    public var senderName: String
    /// The Apple Messages for Business id of the business (`sourceId`).
    public var appleBusinessID: String
    /// Template language for WhatsApp templates.
    public var language: String

    public init(
        routes: ChannelRoutes = .defaults, smsSender: String = "+15550000000",
        emailSender: String = "offers@shop.example.test",
        senderName: String = "JourneySim Shop", appleBusinessID: String = "journeysim-business",
        language: String = "en_US"
    ) {
        self.routes = routes
        self.smsSender = smsSender
        self.emailSender = emailSender
        self.senderName = senderName
        self.appleBusinessID = appleBusinessID
        self.language = language
    }

    /// The request `message`'s channel's provider expects, with `content` filled in.
    public func render(_ message: OutboundMessage, _ content: MessageContent) -> WireRequest {
        let recipient = Recipient(customer: message.customer)
        let channel = message.channel
        let text = PayloadRenderer.text(content, limit: channel.stub.capabilities.maxTextLength)
        let route = routes[channel]
        let json: WireJSON
        switch channel {
        case .whatsapp:
            json = whatsappBody(message, content, to: recipient)
        case .sms:
            let body = FormEncoding.encode([("To", recipient.phoneNumber), ("From", smsSender), ("Body", text)])
            return WireRequest(path: route, contentType: WireRequest.form, body: body)
        case .email:
            json = emailBody(message, content, text, to: recipient)
        case .push:
            json = pushBody(message, content, text, to: recipient)
        case .messenger:
            json = .object([
                ("recipient", .object([("id", .string(recipient.messengerID))])),
                ("messaging_type", .string("MESSAGE_TAG")),
                ("tag", .string("POST_PURCHASE_UPDATE")),
                ("message", .object([("text", .string(text))])),
            ])
        case .viber:
            json = .object([
                ("receiver", .string(recipient.viberID)),
                ("min_api_version", .int(1)),
                ("sender", .object([("name", .string(String(senderName.prefix(28))))])),
                ("tracking_data", .string(message.idempotencyKey)),
                ("type", .string("text")),
                ("text", .string(text)),
            ])
        case .telegram:
            json = .object([("chat_id", .int(recipient.telegramChatID)), ("text", .string(text))])
        case .rcs:
            // The recipient and the message id go in the path, not the body.
            return WireRequest(
                path: route + "/phones/" + recipient.phoneNumber + "/agentMessages?messageId=" + message.idempotencyKey,
                contentType: WireRequest.json, body: PayloadRenderer.rcsBody(content, text).bytes)
        case .appleMessages:
            json = .object([
                ("id", .string(message.idempotencyKey)),
                ("sourceId", .string(appleBusinessID)),
                ("destinationId", .string(recipient.appleMessagesID)),
                ("type", .string("text")),
                ("body", .string(text)),
            ])
        case .inApp:
            json = .object([
                ("user_id", .string(recipient.appUserID)),
                (
                    "message",
                    .object([
                        ("title", .string(content.campaignName)), ("body", .string(text)),
                        ("campaign", .string(content.campaignName)),
                    ])
                ),
            ])
        }
        return WireRequest(path: route, contentType: WireRequest.json, body: json.bytes)
    }

    /// A WhatsApp Cloud API template message: the fields as the body's parameters, and a
    /// discount code as a copy-code button.
    private func whatsappBody(
        _ message: OutboundMessage, _ content: MessageContent, to recipient: Recipient
    ) -> WireJSON {
        var components: [WireJSON] = [
            .object([
                ("type", .string("body")),
                (
                    "parameters",
                    .array(
                        content.fields.map { .object([("type", .string("text")), ("text", .string($0.value))]) })
                ),
            ])
        ]
        if let code = content.discountCode {
            components.append(
                .object([
                    ("type", .string("button")), ("sub_type", .string("copy_code")), ("index", .string("0")),
                    (
                        "parameters",
                        .array([.object([("type", .string("coupon_code")), ("coupon_code", .string(code))])])
                    ),
                ]))
        }
        return .object([
            ("messaging_product", .string("whatsapp")),
            ("recipient_type", .string("individual")),
            ("to", .string(recipient.phoneNumber)),
            ("type", .string("template")),
            (
                "template",
                .object([
                    ("name", .string(PayloadRenderer.templateName(content))),
                    ("language", .object([("code", .string(language))])),
                    ("components", .array(components)),
                ])
            ),
            ("biz_opaque_callback_data", .string(message.idempotencyKey)),
        ])
    }

    /// A SendGrid-style e-mail: the fields as dynamic template data, the campaign as the subject.
    private func emailBody(
        _ message: OutboundMessage, _ content: MessageContent, _ text: String, to recipient: Recipient
    ) -> WireJSON {
        .object([
            (
                "personalizations",
                .array([
                    .object([
                        ("to", .array([.object([("email", .string(recipient.email))])])),
                        ("dynamic_template_data", .object(content.fields.map { ($0.name, .string($0.value)) })),
                    ])
                ])
            ),
            ("from", .object([("email", .string(emailSender)), ("name", .string(senderName))])),
            ("subject", .string(content.campaignName)),
            ("content", .array([.object([("type", .string("text/plain")), ("value", .string(text))])])),
            ("custom_args", .object([("message_id", .string(message.idempotencyKey))])),
        ])
    }

    /// An FCM v1 push: a notification, and the campaign, message id and discount code as data.
    private func pushBody(
        _ message: OutboundMessage, _ content: MessageContent, _ text: String, to recipient: Recipient
    ) -> WireJSON {
        var data: [(String, WireJSON)] = [
            ("campaign", .string(content.campaignName)), ("message_id", .string(message.idempotencyKey)),
        ]
        if let code = content.discountCode { data.append(("discount_code", .string(code))) }
        return .object([
            (
                "message",
                .object([
                    ("token", .string(recipient.deviceToken)),
                    ("notification", .object([("title", .string(content.campaignName)), ("body", .string(text))])),
                    ("data", .object(data)),
                ])
            )
        ])
    }

    /// An RCS Business Messaging body: the text, and a discount code as a suggested reply.
    private static func rcsBody(_ content: MessageContent, _ text: String) -> WireJSON {
        var contentMessage: [(String, WireJSON)] = [("text", .string(text))]
        if let code = content.discountCode {
            contentMessage.append(
                (
                    "suggestions",
                    .array([
                        .object([
                            (
                                "reply",
                                .object([
                                    ("text", .string("Use code \(code)")),
                                    ("postbackData", .string("code:\(code)")),
                                ])
                            )
                        ])
                    ])
                ))
        }
        return .object([("contentMessage", .object(contentMessage))])
    }

    /// The message text: a template containing `{{field}}` placeholders is filled in from the
    /// fields; otherwise the text is the campaign name followed by the field values. A discount
    /// code is appended. The result is cut to `limit` characters (ending in "…" when cut).
    public static func text(_ content: MessageContent, limit: Int) -> String {
        // Built as bytes in one buffer and made a string once: this runs for every message sent.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            content.template.utf8.count + content.fields.reduce(0) { $0 + $1.value.utf8.count + 2 }
                + content.campaignName.utf8.count + (content.discountCode?.utf8.count ?? 0) + 16)
        if PayloadRenderer.hasPlaceholder(content.template) {
            PayloadRenderer.fill(content.template, content.fields, into: &bytes)
        } else {
            bytes.append(contentsOf: content.campaignName.utf8)
            for (index, field) in content.fields.enumerated() {
                bytes.append(contentsOf: (index == 0 ? ": " : ", ").utf8)
                bytes.append(contentsOf: field.value.utf8)
            }
        }
        if let code = content.discountCode {
            bytes.append(contentsOf: " Code: ".utf8)
            bytes.append(contentsOf: code.utf8)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.count > limit, text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// Whether the template has a `{{` (a byte scan: Foundation's substring search costs more
    /// than the rest of an SMS's rendering).
    static func hasPlaceholder(_ template: String) -> Bool {
        var previous: UInt8 = 0
        for byte in template.utf8 {
            if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "{") { return true }
            previous = byte
        }
        return false
    }

    /// Replaces each `{{name}}` with the field's value in one pass over the UTF-8 bytes (this runs
    /// once per message on the load path); unknown placeholders are kept as written.
    static func fill(_ template: String, _ fields: [(name: String, value: String)], into out: inout [UInt8]) {
        var template = template
        template.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                    var j = i + 2
                    while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "}") && bytes[j + 1] == UInt8(ascii: "}")) {
                        j += 1
                    }
                    if j + 1 < bytes.count {
                        let name = UnsafeBufferPointer(rebasing: bytes[(i + 2)..<j])
                        if let field = fields.first(where: { $0.name.utf8.elementsEqual(name) }) {
                            out.append(contentsOf: field.value.utf8)
                            i = j + 2
                            continue
                        }
                    }
                }
                out.append(bytes[i])
                i += 1
            }
        }
    }

    /// A WhatsApp template name: lower-case letters, digits and underscores.
    static func templateName(_ content: MessageContent) -> String {
        let source = PayloadRenderer.hasPlaceholder(content.template) ? content.campaignName : content.template
        let name = String(source.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }.prefix(512))
        return name.isEmpty ? "message" : name
    }
}
