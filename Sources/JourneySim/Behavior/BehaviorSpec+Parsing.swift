extension BehaviorSpec {
    static let keys = ["channels", "recovery", "fatigue"]

    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: BehaviorSpec.keys)
        if let value = mapping["channels"] {
            for entry in try value.mapping(allowed: Channel.allCases.map(\.name)).entries {
                guard let channel = Channel(name: entry.key) else { continue }
                let fields = try entry.value.mapping(allowed: ["open", "click", "purchase_lift", "reply", "open_delay"])
                var response = channels[Int(channel.rawValue)]
                if let v = fields["open"] { response.open = try v.probability() }
                if let v = fields["click"] { response.click = try v.probability() }
                if let v = fields["reply"] { response.reply = try v.probability() }
                if let v = fields["open_delay"] { response.openDelay = try v.distribution(durations: true) }
                if let v = fields["purchase_lift"] {
                    response.purchaseLift = try v.double(in: 0...20, "a lift is a multiplier between 0 and 20")
                }
                channels[Int(channel.rawValue)] = response
            }
        }
        if let value = mapping["recovery"] {
            let fields = try value.mapping(allowed: ["cart_return", "discount_multiplier", "half_life", "reengage"])
            if let v = fields["cart_return"] { recovery.cartReturn = try v.probability() }
            if let v = fields["discount_multiplier"] {
                recovery.discountMultiplier = try v.double(in: 0...20, "a multiplier between 0 and 20")
            }
            if let v = fields["half_life"] {
                recovery.halfLife = try v.duration()
                guard recovery.halfLife.milliseconds > 0 else {
                    throw v.outOfRange(try v.string(), "a half-life must be longer than 0")
                }
            }
            if let v = fields["reengage"] { recovery.reengage = try v.probability() }
        }
        if let value = mapping["fatigue"] {
            let fields = try value.mapping(allowed: [
                "per_message", "irrelevant", "off_hours", "repeated", "rare_channel", "half_life",
                "base_unhappy", "unhappy_per_annoyance", "opt_out", "engagement_after_opt_out",
                "abandon_journey_when_unhappy",
                "quiet_hours",
            ])
            func weight(_ key: String) throws(ScenarioError) -> Double? {
                guard let v = fields[key] else { return nil }
                return try v.double(in: 0...1000, "an annoyance weight between 0 and 1000")
            }
            if let v = try weight("per_message") { fatigue.perMessage = v }
            if let v = try weight("irrelevant") { fatigue.irrelevant = v }
            if let v = try weight("off_hours") { fatigue.offHours = v }
            if let v = try weight("repeated") { fatigue.repeated = v }
            if let v = try weight("rare_channel") { fatigue.rareChannel = v }
            if let v = fields["half_life"] {
                fatigue.halfLife = try v.duration()
                guard fatigue.halfLife.milliseconds > 0 else {
                    throw v.outOfRange(try v.string(), "a half-life must be longer than 0")
                }
            }
            if let v = fields["base_unhappy"] { fatigue.baseUnhappy = try v.probability() }
            if let v = fields["unhappy_per_annoyance"] { fatigue.unhappyPerAnnoyance = try v.probability() }
            if let v = fields["opt_out"] { fatigue.optOut = try v.probability() }
            if let v = fields["engagement_after_opt_out"] { fatigue.engagementAfterOptOut = try v.probability() }
            if let v = fields["abandon_journey_when_unhappy"] {
                fatigue.abandonJourneyWhenUnhappy = try v.probability()
            }
            if let v = fields["quiet_hours"] {
                let window = try v.mapping(allowed: ["from", "to"])
                if let from = window["from"] { fatigue.quietFrom = try from.int(in: 0...23) }
                if let to = window["to"] { fatigue.quietTo = try to.int(in: 0...24) }
            }
        }
    }
}
