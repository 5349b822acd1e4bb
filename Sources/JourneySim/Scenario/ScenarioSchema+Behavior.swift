/// The scenario schema's `behavior` definition: answers per channel, cart recovery and fatigue.
extension ScenarioSchema {
    /// How customers answer messages (`behavior:`): per channel, cart recovery and fatigue.
    static var behaviorDefinitions: [(String, WireJSON)] {
        [
            (
                "behavior",
                closed(
                    BehaviorSpec.keys,
                    [
                        "channels": keyed(
                            by: channelNames,
                            closed(
                                ["open", "click", "purchase_lift", "reply", "open_delay"],
                                [
                                    "open": probability, "click": probability, "purchase_lift": number(min: 0, max: 20),
                                    "reply": probability, "open_delay": ref("distribution"),
                                ])),
                        "recovery": closed(
                            ["cart_return", "discount_multiplier", "half_life", "reengage"],
                            [
                                "cart_return": probability, "discount_multiplier": number(min: 0, max: 20),
                                "half_life": ref("duration"), "reengage": probability,
                            ]),
                        "fatigue": closed(
                            [
                                "per_message", "irrelevant", "off_hours", "repeated", "rare_channel", "half_life",
                                "base_unhappy",
                                "unhappy_per_annoyance", "opt_out", "engagement_after_opt_out",
                                "abandon_journey_when_unhappy", "quiet_hours",
                            ],
                            [
                                "per_message": number(min: 0, max: 1000), "irrelevant": number(min: 0, max: 1000),
                                "off_hours": number(min: 0, max: 1000),
                                "repeated": number(min: 0, max: 1000), "rare_channel": number(min: 0, max: 1000),
                                "half_life": ref("duration"),
                                "base_unhappy": probability, "unhappy_per_annoyance": probability,
                                "opt_out": probability, "engagement_after_opt_out": probability,
                                "abandon_journey_when_unhappy": probability,
                                "quiet_hours": closed(
                                    ["from", "to"], ["from": integer(min: 0, max: 23), "to": integer(min: 0, max: 24)]),
                            ]),
                    ])
            )
        ]
    }
}
