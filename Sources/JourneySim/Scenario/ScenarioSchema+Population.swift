/// The scenario schema's population definitions, and the built-in funnel's parameters and
/// session shape (`journey:`, `journeys:`, `sessions:`).
extension ScenarioSchema {
    /// The customers (`population:`): how many, their archetypes, channels and time zones.
    static var populationDefinitions: [(String, WireJSON)] {
        [
            (
                "population",
                closed(
                    PopulationSpec.keys,
                    [
                        "customers": integer(min: 1, max: Scenario.maxCustomers),
                        "archetypes": .object([
                            ("type", .string("object")), ("propertyNames", ref("archetype")),
                            ("additionalProperties", probability),
                        ]),
                        "channel_counts": .object([
                            ("type", .string("object")),
                            ("propertyNames", .object([("pattern", .string("^([1-9]|10)$"))])),
                            ("additionalProperties", probability),
                        ]),
                        "channels": keyed(
                            by: channelNames,
                            closed(
                                ["weight", "consent", "reachable"],
                                ["weight": number(min: 0), "consent": probability, "reachable": probability])),
                        "time_zones": ref("shares"),
                        "multichannel": closed(
                            ["min_channels", "archetypes", "frequency_multiplier", "spend_multiplier"],
                            [
                                "min_channels": integer(min: 1, max: Channel.allCases.count),
                                "archetypes": list(ref("archetype")),
                                "frequency_multiplier": number(min: 0.01, max: 100),
                                "spend_multiplier": number(min: 0.01, max: 100),
                            ]),
                    ])
            )
        ]
    }

    /// The built-in funnel's parameters (`journey:`, and per archetype under `journeys:`) and
    /// the shape of sessions (`sessions:`).
    static var journeyParameterDefinitions: [(String, WireJSON)] {
        [
            (
                "journey",
                closed(
                    JourneyParameters.keys,
                    [
                        "need_interval": ref("duration"), "dormancy": ref("duration"), "session_gap": ref("duration"),
                        "step_gap": ref("duration"),
                        "delivery": ref("duration"), "review_delay": ref("duration"),
                        "basket": closed(
                            ["median", "sigma"],
                            ["median": number(min: 0.01, max: 10_000_000), "sigma": number(min: 0, max: 3)]),
                        "lapse": probability, "abandon_lapse": probability, "support": probability,
                        "review": probability, "referral": probability,
                        "stars": .object([
                            ("type", .string("object")), ("propertyNames", .object([("pattern", .string("^[1-5]$"))])),
                            ("additionalProperties", probability),
                        ]),
                        "transitions": closed(
                            ["research", "cart", "checkout"],
                            [
                                "research": closed(
                                    ["cart", "research", "end"],
                                    ["cart": probability, "research": probability, "end": probability],
                                    required: ["cart", "research", "end"]),
                                "cart": closed(
                                    ["checkout", "cart", "research", "end"],
                                    [
                                        "checkout": probability, "cart": probability, "research": probability,
                                        "end": probability,
                                    ],
                                    required: ["checkout", "cart", "research", "end"]),
                                "checkout": closed(
                                    ["purchase", "research", "end"],
                                    ["purchase": probability, "research": probability, "end": probability],
                                    required: ["purchase", "research", "end"]),
                            ]),
                    ])
            ),
            ("journeys", keyed(by: archetypeNames, ref("journey"))),
            (
                "sessions",
                closed(
                    ["hourly_activity", "channel_stickiness", "max_steps"],
                    [
                        "hourly_activity": list(number(min: 0), minItems: 24, maxItems: 24),
                        "channel_stickiness": probability, "max_steps": integer(min: 1, max: 10_000),
                    ])
            ),
        ]
    }
}
