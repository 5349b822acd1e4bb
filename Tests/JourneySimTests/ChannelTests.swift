import Foundation
import Testing

@testable import JourneySim

/// Channel stubs: every payload has its provider's fields, respects limits and validates.
@Suite struct ChannelTests {
    static let content = MessageContent(
        campaignName: "Cart reminder", template: "Hi {{first_name}}, your {{item}} is waiting.",
        fields: [("first_name", "Ana"), ("item", "blue \"sofa\"")], discountCode: "SAVE10")

    static func message(_ channel: Channel, customer: UInt32 = 123) -> OutboundMessage {
        OutboundMessage(
            id: 42, customer: customer, channel: channel, campaign: 1, step: 0,
            intendedTime: SimTime(unixSeconds: 1_772_409_600))
    }

    static func json(_ request: WireRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    @Test func whatsappIsACloudAPITemplate() throws {
        let request = PayloadRenderer().render(Self.message(.whatsapp), Self.content)
        #expect(request.path == "/whatsapp/v1/messages")
        #expect(request.contentType == "application/json")
        let body = try Self.json(request)
        #expect(body["messaging_product"] as? String == "whatsapp")
        #expect(body["to"] as? String == "+15550000000123")
        #expect(body["type"] as? String == "template")
        let template = try #require(body["template"] as? [String: Any])
        #expect(template["name"] as? String == "cart_reminder")
        #expect((template["language"] as? [String: Any])?["code"] as? String == "en_US")
        let components = try #require(template["components"] as? [[String: Any]])
        let parameters = try #require(components.first?["parameters"] as? [[String: Any]])
        #expect(parameters.map { $0["text"] as? String } == ["Ana", "blue \"sofa\""])
    }

    @Test func smsIsAFormBody() throws {
        let request = PayloadRenderer().render(Self.message(.sms), Self.content)
        #expect(request.contentType == "application/x-www-form-urlencoded")
        let fields = try #require(FormEncoding.decode(request.body))
        #expect(fields.map(\.0) == ["To", "From", "Body"])
        #expect(fields[0].1 == "+15550000000123")
        #expect(fields[2].1 == "Hi Ana, your blue \"sofa\" is waiting. Code: SAVE10")
    }

    @Test func jsonChannelsCarryTheirProvidersFields() throws {
        let renderer = PayloadRenderer()
        let expected: [(Channel, [String])] = [
            (.email, ["personalizations", "from", "subject", "content"]),
            (.push, ["message"]),
            (.messenger, ["recipient", "message", "messaging_type", "tag"]),
            (.viber, ["receiver", "min_api_version", "sender", "type", "text"]),
            (.telegram, ["chat_id", "text"]),
            (.rcs, ["contentMessage"]),
            (.appleMessages, ["id", "sourceId", "destinationId", "type", "body"]),
            (.inApp, ["user_id", "message"]),
        ]
        for (channel, keys) in expected {
            let body = try Self.json(renderer.render(Self.message(channel), Self.content))
            #expect(Set(body.keys).isSuperset(of: keys), "\(channel.name): \(body.keys.sorted())")
        }
        let email = try Self.json(renderer.render(Self.message(.email), Self.content))
        #expect(
            PayloadValidator.lookup(email, "personalizations.0.to.0.email") as? String == "customer123@example.test")
        let push = try Self.json(renderer.render(Self.message(.push), Self.content))
        #expect((PayloadValidator.lookup(push, "message.token") as? String)?.hasPrefix("fcm-") == true)
        #expect(PayloadValidator.lookup(push, "message.notification.body") as? String != nil)
        #expect(PayloadValidator.lookup(push, "message.data.discount_code") as? String == "SAVE10")
        let telegram = try Self.json(renderer.render(Self.message(.telegram), Self.content))
        #expect(telegram["chat_id"] as? Int == 100_000_123)
        let rcs = renderer.render(Self.message(.rcs), Self.content)
        #expect(rcs.path.hasPrefix("/rcs/v1/phones/+15550000000123/agentMessages"))
    }

    @Test func everyRenderedPayloadValidatesAndRoutesBack() {
        let renderer = PayloadRenderer()
        for channel in Channel.allCases {
            let request = renderer.render(Self.message(channel), Self.content)
            #expect(
                PayloadValidator.problem(
                    channel: channel, path: request.path, contentType: request.contentType, body: request.body) == nil,
                "\(channel.name)")
            #expect(ChannelRoutes.defaults.channel(forPath: request.path) == channel)
        }
        #expect(
            PayloadValidator.problem(
                channel: .whatsapp, path: "/whatsapp/v1/messages", contentType: "application/json",
                body: Array(#"{"to":"+1"}"#.utf8)) == "missing required field 'messaging_product'")
        #expect(
            PayloadValidator.problem(
                channel: .telegram, path: "/telegram/v1/sendMessage", contentType: "application/json",
                body: Array("{not json".utf8)) != nil)
        #expect(
            PayloadValidator.problem(
                channel: .sms, path: "/sms/v1/messages", contentType: WireRequest.form,
                body: Array("To=1&Body=x".utf8)) == "missing required field 'From'")
    }

    @Test func textIsCutToTheChannelsLimit() {
        let long = MessageContent(
            campaignName: "x", template: String(repeating: "a", count: 5000) + "{{n}}", fields: [("n", "1")])
        for channel in Channel.allCases {
            let limit = channel.stub.capabilities.maxTextLength
            let text = PayloadRenderer.text(long, limit: limit)
            #expect(text.count == min(limit, 5001))
        }
    }

    @Test func recipientsAndPayloadsAreDeterministic() {
        #expect(Recipient(customer: 7).deviceToken == Recipient(customer: 7).deviceToken)
        #expect(Recipient(customer: 7).deviceToken != Recipient(customer: 8).deviceToken)
        #expect(Recipient(customer: 4_294_967_295).phoneNumber == "+15554294967295")
        let a = PayloadRenderer().render(Self.message(.email, customer: 9), Self.content)
        let b = PayloadRenderer().render(Self.message(.email, customer: 9), Self.content)
        #expect(a == b)
    }

    @Test func fallbacksEndWithoutLoops() {
        #expect(Channel.whatsapp.stub.fallback == .sms)
        #expect(Channel.messenger.stub.fallback == .email)
        #expect(Channel.push.stub.fallback == .inApp)
        for channel in Channel.allCases {
            var seen: Set<Channel> = [channel]
            var next = channel.stub.fallback
            while let current = next {
                #expect(!seen.contains(current))
                seen.insert(current)
                next = current.stub.fallback
            }
        }
    }
}
