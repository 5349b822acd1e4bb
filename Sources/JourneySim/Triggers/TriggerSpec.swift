/// Everything the trigger core runs: the scenario's campaigns and frequency caps, plus the
/// interned strings that send requests refer to by index.
public struct TriggerSpec: Sendable, Equatable {
    public private(set) var campaigns: [Campaign]
    public private(set) var frequencyCaps: [FrequencyCap]
    /// Template names; `SendRequest.template` indexes this.
    public private(set) var templates: [String]
    /// Discount codes; index 0 is the empty code ("no discount"), `SendRequest.discount` indexes this.
    public private(set) var discountCodes: [String]

    public init(campaigns: [Campaign] = [], frequencyCaps: [FrequencyCap] = []) {
        self.campaigns = campaigns
        self.frequencyCaps = frequencyCaps
        var templates: [String] = []
        var codes: [String] = [""]
        for campaign in campaigns {
            for step in campaign.flow.steps {
                guard case let .message(message) = step else { continue }
                if !templates.contains(message.content.template) { templates.append(message.content.template) }
                if let code = message.content.discountCode, !codes.contains(code) { codes.append(code) }
            }
        }
        self.templates = templates
        self.discountCodes = codes
    }

    public static let empty = TriggerSpec()

    public var isEmpty: Bool { campaigns.isEmpty }

    public func templateIndex(_ name: String) -> UInt16 {
        UInt16(templates.firstIndex(of: name) ?? 0)
    }

    public func discountIndex(_ code: String?) -> UInt16 {
        guard let code else { return 0 }
        return UInt16(discountCodes.firstIndex(of: code) ?? 0)
    }
}
