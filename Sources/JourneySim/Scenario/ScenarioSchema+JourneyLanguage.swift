/// The scenario schema's journey-language definitions: states, session blocks, reactions,
/// a journey's parameters and custom events, and the `journey:` mapping.
extension ScenarioSchema {
    /// The journey language's definitions (docs/journey-language.md): a state, a reaction, a
    /// journey's own parameters and the `journey:` mapping itself.
    static var journeyLanguageDefinitions: [(String, WireJSON)] {
        [
            ("journeyState", journeyStateSchema),
            ("journeyReaction", journeyReactionSchema),
            (
                "journeyParameters",
                .object([
                    ("type", .string("object")),
                    ("additionalProperties", .object([("anyOf", .array([number(), text()]))])),
                    (
                        "description",
                        .string("a journey's own parameters and their values ($name in states and reactions)")
                    ),
                ])
            ),
            ("journeyLanguage", journeyLanguageSchema),
        ]
    }

    /// A state (`JourneyGraph.stateKeys`): what entering it does, and its way out.
    private static var journeyStateSchema: WireJSON {
        closed(
            JourneyGraph.stateKeys,
            [
                "emit": .object([
                    (
                        "anyOf",
                        .array([
                            ref("event"),
                            closed(
                                ["event", "properties"],
                                ["event": ref("event"), "properties": .object([("type", .string("object"))])],
                                required: ["event"]),
                        ])
                    )
                ]),
                "stage": oneOf(names: Stage.allCases.map(\.name)), "value": ref("distribution"),
                "set": .object([
                    ("type", .string("object")),
                    (
                        "additionalProperties",
                        .object([("anyOf", .array([number(), text(), ref("distribution")]))])
                    ),
                ]),
                "add": .object([
                    ("type", .string("object")),
                    (
                        "additionalProperties",
                        .object([("anyOf", .array([number(), text(), ref("distribution")]))])
                    ),
                ]),
                "start_process": .object([("anyOf", .array([text(), list(text())]))]),
                "schedule": list(
                    closed(
                        ["event", "probability", "delay"],
                        [
                            "event": ref("event"), "probability": orParameter(probability),
                            "delay": ref("distribution"),
                        ],
                        required: ["event", "delay"])),
                "stop_process": .object([("anyOf", .array([text(), list(text())]))]),
                "wait": .object([
                    ("type", .string("object")),
                    (
                        "properties",
                        .object(
                            (Distribution.names.map { ($0, WireJSON.object([])) })
                                + [("by_local_hour", typed("boolean")), ("frequency_scaled", typed("boolean"))])
                    ),
                    ("additionalProperties", .bool(false)),
                ]),
                "next": text(),
                "choose": list(
                    closed(
                        ["to", "probability", "lift"],
                        ["to": text(), "probability": orParameter(probability), "lift": typed("boolean")],
                        required: ["to"]), minItems: 1),
                "session": sessionBlockSchema,
                "branch": list(
                    closed(
                        ["if", "to", "choose"],
                        [
                            "if": text("e.g. streak >= 7 and channel == push"), "to": text(),
                            "choose": .object([]),
                        ]), minItems: 1),
                "end": .object([("const", .bool(true))]),
            ])
    }

    /// A state's `session:` block: a shopping session's steps through research, cart and
    /// checkout, and the states it leaves for.
    private static var sessionBlockSchema: WireJSON {
        closed(
            JourneyGraph.SessionBlock.keys,
            [
                "gap": ref("distribution"),
                "max_steps": orParameter(
                    .object([("type", .string("integer")), ("minimum", .int(1))])),
                "research": closed(
                    ["add_to_cart", "view", "end"],
                    [
                        "add_to_cart": orParameter(probability), "view": orParameter(probability),
                        "end": orParameter(probability),
                    ]),
                "cart": closed(
                    ["checkout", "add_to_cart", "research", "end"],
                    [
                        "checkout": orParameter(probability), "add_to_cart": orParameter(probability),
                        "research": orParameter(probability), "end": orParameter(probability),
                    ]),
                "checkout": closed(
                    ["purchase", "research", "end"],
                    [
                        "purchase": orParameter(probability), "research": orParameter(probability),
                        "end": orParameter(probability),
                    ]),
                "purchased": text(), "ended": text(),
            ],
            required: ["gap", "max_steps", "research", "cart", "checkout", "purchased", "ended"])
    }

    /// A reaction (`JourneyGraph.reactionKeys`): what a customer does when a message arrives or
    /// the fatigue model makes them unhappy.
    private static var journeyReactionSchema: WireJSON {
        closed(
            JourneyGraph.reactionKeys,
            [
                "on": oneOf(names: JourneyGraph.reactionTriggers), "campaign": text(), "template": text(),
                "channel": ref("channel"),
                "in": .object([("anyOf", .array([text(), list(text())]))]),
                "probability": orParameter(probability),
                "discount_multiplier": orParameter(number(min: 0, max: 100)),
                "decay": closed(
                    ["half_life", "since"], ["half_life": orParameter(ref("duration")), "since": ref("event")],
                    required: ["half_life", "since"]),
                "delay": ref("distribution"), "to": text(),
                "if": text("e.g. in_session == false and cart_value > 0"),
                "counts_as": oneOf(names: JourneyGraph.reactionCounters),
            ], required: ["on", "to"])
    }

    /// The `journey:` mapping (`JourneyGraph.keys`): processes moving through states.
    private static var journeyLanguageSchema: WireJSON {
        closed(
            JourneyGraph.keys,
            [
                "events": customEventsSchema,
                "attributes": .object([("type", .string("object")), ("additionalProperties", number())]),
                "processes": .object([
                    ("type", .string("object")), ("minProperties", .int(1)),
                    (
                        "additionalProperties",
                        .object([
                            (
                                "anyOf",
                                .array([
                                    text(),
                                    closed(
                                        ["start", "autostart"],
                                        ["start": text(), "autostart": typed("boolean")], required: ["start"]),
                                ])
                            )
                        ])
                    ),
                ]),
                "states": .object([
                    ("type", .string("object")), ("minProperties", .int(1)),
                    ("additionalProperties", ref("journeyState")),
                ]),
                "reactions": list(ref("journeyReaction")),
                "parameters": ref("journeyParameters"),
                "archetypes": keyed(
                    by: archetypeNames,
                    closed(
                        ["parameters", "states", "reactions"],
                        [
                            "parameters": ref("journeyParameters"),
                            "states": .object([
                                ("type", .string("object")),
                                ("additionalProperties", .object([("type", .string("object"))])),
                            ]),
                            "reactions": list(ref("journeyReaction")),
                        ])),
            ], required: ["processes", "states"],
            description: "the journey as data: processes moving through states (docs/journey-language.md)")
    }

    /// `journey.events`: custom events, each with its typed properties (at most
    /// `EventKind.maxCustom` events of at most `EventProperties.capacity` properties).
    private static var customEventsSchema: WireJSON {
        let propertyType = WireJSON.object([
            ("anyOf", .array([oneOf(names: ["number", "bool"]), list(text(), minItems: 1)]))
        ])
        let properties = WireJSON.object([
            ("type", .string("object")), ("maxProperties", .int(Int64(EventProperties.capacity))),
            ("additionalProperties", propertyType),
        ])
        let customEvent = WireJSON.object([
            (
                "anyOf",
                .array([.object([("type", .string("null"))]), closed(["properties"], ["properties": properties])])
            )
        ])
        let customEvents = WireJSON.object([
            ("type", .string("object")), ("maxProperties", .int(Int64(EventKind.maxCustom))),
            ("additionalProperties", customEvent),
        ])
        return customEvents
    }
}
