import Foundation

/// A JSON Schema (draft 2020-12) of the scenario format, built from the same key lists the
/// parser checks, so editors can complete and check scenario files. Where the parser rejects
/// unknown keys the schema says `additionalProperties: false`. Rules the schema cannot express
/// (mixes adding up to 1, a campaign's end after its start) are left to `journeysim validate`.
public enum ScenarioSchema {
    public static let id = "https://journeysim.invalid/schema/scenario.json"

    /// The schema as compact JSON text.
    public static func json() -> String {
        String(decoding: document.bytes, as: UTF8.self)
    }

    /// The schema, pretty-printed with sorted keys.
    public static func prettyJSON() -> Data {
        let compact = Data(document.bytes)
        guard let object = try? JSONSerialization.jsonObject(with: compact),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return compact }
        return pretty + Data("\n".utf8)
    }

    // MARK: Building blocks

    static func ref(_ name: String) -> WireJSON { .object([("$ref", .string("#/$defs/\(name)"))]) }
    static func text(_ description: String? = nil) -> WireJSON { typed("string", description) }
    static func typed(_ type: String, _ description: String? = nil) -> WireJSON {
        var members: [(String, WireJSON)] = [("type", .string(type))]
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }
    static func number(min: Double? = nil, max: Double? = nil) -> WireJSON {
        var members: [(String, WireJSON)] = [("type", .string("number"))]
        if let min { members.append(("minimum", .raw(min.formatted6))) }
        if let max { members.append(("maximum", .raw(max.formatted6))) }
        return .object(members)
    }
    static func integer(min: Int? = nil, max: Int? = nil) -> WireJSON {
        var members: [(String, WireJSON)] = [("type", .string("integer"))]
        if let min { members.append(("minimum", .int(Int64(min)))) }
        if let max { members.append(("maximum", .int(Int64(max)))) }
        return .object(members)
    }
    /// A value, or a journey parameter standing for it (`$name`, docs/journey-language.md#parameters).
    static func orParameter(_ value: WireJSON) -> WireJSON {
        .object([("anyOf", .array([value, ref("parameter")]))])
    }

    static func oneOf(names: [String]) -> WireJSON { .object([("enum", .array(names.map(WireJSON.string)))]) }
    static func list(_ items: WireJSON, minItems: Int? = nil, maxItems: Int? = nil) -> WireJSON {
        var members: [(String, WireJSON)] = [("type", .string("array")), ("items", items)]
        if let minItems { members.append(("minItems", .int(Int64(minItems)))) }
        if let maxItems { members.append(("maxItems", .int(Int64(maxItems)))) }
        return .object(members)
    }

    /// An object whose keys are exactly `keys` (each typed from `types`, any value if missing).
    static func closed(
        _ keys: [String], _ types: [String: WireJSON], required: [String] = [], description: String? = nil
    ) -> WireJSON {
        var members: [(String, WireJSON)] = [("type", .string("object"))]
        if let description { members.append(("description", .string(description))) }
        members.append(("properties", .object(keys.map { ($0, types[$0] ?? .object([])) })))
        if !required.isEmpty { members.append(("required", .array(required.map(WireJSON.string)))) }
        members.append(("additionalProperties", .bool(false)))
        return .object(members)
    }

    /// Keys from a fixed set (channels, archetypes), all with the same value type.
    static func keyed(by names: [String], _ value: WireJSON) -> WireJSON {
        closed(names, Dictionary(uniqueKeysWithValues: names.map { ($0, value) }))
    }

    // MARK: The document

    static var channelNames: [String] { Channel.allCases.map(\.name) }
    static var archetypeNames: [String] { Archetype.allCases.map(\.name) }

    static var definitions: [(String, WireJSON)] {
        let probability = number(min: 0, max: 1)
        let delay = closed(["median", "sigma"], ["median": ref("duration"), "sigma": number(min: 0, max: 5)])
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
        return [
            (
                "duration",
                .object([
                    ("type", .string("string")),
                    ("pattern", .string("^\\s*[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h|d|w)\\s*$")),
                    ("description", .string("a number and a unit: ms, s, m, h, d or w, e.g. 30m, 24h, 3d")),
                ])
            ),
            (
                "instant",
                .object([
                    ("type", .string("string")),
                    ("description", .string("a date (2026-03-02) or an ISO 8601 instant (2026-03-02T08:00:00Z)")),
                ])
            ),
            ("probability", probability),
            (
                "parameter",
                .object([
                    ("type", .string("string")), ("pattern", .string("^\\$[A-Za-z_][A-Za-z0-9_]*$")),
                    (
                        "description",
                        .string("a journey parameter, e.g. $step_gap (docs/journey-language.md#parameters)")
                    ),
                ])
            ),
            (
                "shares",
                .object([
                    ("type", .string("object")), ("additionalProperties", number(min: 0, max: 1)),
                    ("description", .string("name → share; the shares add up to 1")),
                ])
            ),
            ("channel", oneOf(names: channelNames)),
            (
                "event",
                .object([
                    ("type", .string("string")), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_]*$")),
                    (
                        "description",
                        .string(
                            "a built-in event (\(EventKind.allCases.map(\.name).joined(separator: ", "))), a message interaction (\(EventKind.messageKinds.map(\.name).joined(separator: ", "))) or a custom event declared under journey.events"
                        )
                    ),
                ])
            ),
            (
                "distribution",
                .object([
                    ("type", .string("object")), ("minProperties", .int(1)), ("maxProperties", .int(1)),
                    ("properties", .object(Distribution.names.map { ($0, .object([])) })),
                    ("additionalProperties", .bool(false)),
                    (
                        "description",
                        .string(
                            "one of: fixed, exponential, lognormal {median, sigma}, uniform [low, high], gamma {shape, scale|mean}, weibull {shape, scale|mean}, empirical [[value, weight], …]"
                        )
                    ),
                ])
            ),
            (
                "journeyState",
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
                        "session": closed(
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
                            required: ["gap", "max_steps", "research", "cart", "checkout", "purchased", "ended"]),
                        "branch": list(
                            closed(
                                ["if", "to", "choose"],
                                [
                                    "if": text("e.g. streak >= 7 and channel == push"), "to": text(),
                                    "choose": .object([]),
                                ]), minItems: 1),
                        "end": .object([("const", .bool(true))]),
                    ])
            ),
            (
                "journeyReaction",
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
            ),
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
            (
                "journeyLanguage",
                closed(
                    JourneyGraph.keys,
                    [
                        "events": customEvents,
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
            ),
            ("archetype", oneOf(names: archetypeNames)),
            (
                "timeOfDay",
                .object([
                    ("type", .string("string")), ("pattern", .string("^\\s*[0-9]{1,2}:[0-9]{2}\\s*$")),
                    ("description", .string("HH:MM, 24-hour local time, in quotes")),
                ])
            ),
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
            ),
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
            ),
            (
                "content",
                closed(
                    CampaignContent.keys,
                    [
                        "template": text(), "fields": list(text()), "discount_code": text(),
                        "route_to_agent": typed("boolean"),
                    ],
                    required: ["template"])
            ),
            (
                "step",
                closed(
                    Flow.stepKeys,
                    [
                        "id": text(), "then": text("a step id, next or end"), "delay": ref("duration"),
                        "message": closed(
                            CampaignContent.keys + ["delay"],
                            [
                                "template": text(), "fields": list(text()), "discount_code": text(),
                                "route_to_agent": typed("boolean"), "delay": ref("duration"),
                            ], required: ["template"]),
                        "wait": closed(
                            ["event", "timeout", "on_event", "on_timeout"],
                            [
                                "event": ref("event"), "timeout": ref("duration"),
                                "on_event": text(), "on_timeout": text(),
                            ], required: ["event", "timeout"]),
                        "branch": closed(
                            ["on", "cases", "otherwise"],
                            [
                                "on": oneOf(names: ["cart_value", "stars", "stage", "channel"]),
                                "cases": list(
                                    closed(
                                        ["when", "goto"], ["when": text(), "goto": text()], required: ["when", "goto"])),
                                "otherwise": text(),
                            ], required: ["on", "cases"]),
                    ])
            ),
            (
                "campaign",
                closed(
                    Campaign.keys,
                    [
                        "name": text(),
                        "trigger": closed(
                            ["event", "filter", "first_time"],
                            [
                                "event": ref("event"), "filter": list(text("e.g. cart_value > 100")),
                                "first_time": typed("boolean"),
                            ], required: ["event"]),
                        "audience": closed(
                            ["archetypes", "channels_reachable", "require_consent"],
                            [
                                "archetypes": list(ref("archetype")), "channels_reachable": list(ref("channel")),
                                "require_consent": typed("boolean"),
                            ]),
                        "recheck_audience_at_send": typed("boolean"), "delay": ref("duration"),
                        "exception_events": list(ref("event")), "exit_on": list(ref("event")),
                        "start": ref("instant"), "end": ref("instant"),
                        "delivery_window": closed(
                            ["from", "to", "outside"],
                            [
                                "from": ref("timeOfDay"), "to": ref("timeOfDay"),
                                "outside": oneOf(names: ["drop", "defer"]),
                            ],
                            required: ["from", "to"]),
                        // `off` is a word to Yams but `false` to YAML 1.1 tools, so both are accepted.
                        "reeligibility": .object([
                            (
                                "anyOf",
                                .array([
                                    ref("duration"), oneOf(names: ["off", "false", "no", "never"]),
                                    .object([("const", .bool(false))]),
                                ])
                            )
                        ]),
                        "priority": oneOf(names: ["marketing", "transactional"]), "override_caps": typed("boolean"),
                        "counts_toward_caps": typed("boolean"),
                        "control_group": number(min: 0, max: 0.99), "channels": list(ref("channel"), minItems: 1),
                        "prefer_journey_channel": typed("boolean"), "fallback": typed("boolean"),
                        "content": ref("content"),
                        "conversion": closed(
                            ["event", "window"], ["event": ref("event"), "window": ref("duration")],
                            required: ["event", "window"]),
                        "rate_limit": integer(min: 1, max: 100_000_000), "max_hold": ref("duration"),
                        "ignored_after": ref("duration"),
                        "steps": list(ref("step"), minItems: 1, maxItems: Flow.maxSteps),
                    ], required: ["name", "trigger"])
            ),
            (
                "frequencyCap",
                closed(
                    FrequencyCap.keys,
                    [
                        "limit": integer(min: 1, max: FrequencyCap.maxLimit),
                        "per": text("1d (local calendar days), day, week, hour, minute or a duration"),
                        "channel": oneOf(names: ["any"] + channelNames),
                    ], required: ["limit", "per"])
            ),
            (
                "backend",
                closed(
                    BackendSpec.keys,
                    [
                        "kind": oneOf(names: BackendSpec.Kind.allCases.map(\.rawValue)), "seed": integer(min: 0),
                        "channels": keyed(
                            by: channelNames,
                            closed(
                                BackendSpec.channelKeys,
                                [
                                    "latency": delay, "read_delay": delay, "failure_rate": probability,
                                    "undeliverable_rate": probability,
                                    "server_error_rate": probability, "read_probability": probability,
                                    "rate_limit_per_second": number(min: 0, max: 1_000_000),
                                    "burst": integer(min: 1, max: 1_000_000), "max_queue_delay": ref("duration"),
                                    "senders": integer(min: 1, max: 100_000),
                                ])),
                        "http": closed(
                            HTTPTargetSpec.keys,
                            [
                                "url": .object([
                                    ("type", .string("string")),
                                    ("pattern", .string("^[hH][tT][tT][pP][sS]?://[^/ ]+")),
                                ]),
                                "token_env": .object([
                                    ("type", .string("string")), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_]*$")),
                                ]),
                                "routes": keyed(
                                    by: channelNames,
                                    .object([("type", .string("string")), ("pattern", .string("^/"))])),
                                "concurrency": integer(min: 1, max: 10_000), "connect_timeout": ref("duration"),
                                "timeout": ref("duration"),
                                "max_attempts": integer(min: 1, max: 20), "backoff_base": ref("duration"),
                                "backoff_max": ref("duration"),
                            ], required: ["url"]),
                    ])
            ),
        ]
    }

    /// The schema of each top-level key (and of a strategy's sections).
    static var sections: [String: WireJSON] {
        [
            "name": .object([("type", .string("string")), ("pattern", .string("^[A-Za-z0-9._-]{1,80}$"))]),
            "seed": integer(min: 0), "start": ref("instant"), "duration": ref("duration"),
            "population": ref("population"), "journeys": ref("journeys"),
            "journey": .object([
                ("anyOf", .array([ref("journeyLanguage"), text("a journey file, relative to this scenario")]))
            ]), "sessions": ref("sessions"), "behavior": ref("behavior"),
            "campaigns": list(ref("campaign")),
            "frequency_caps": list(ref("frequencyCap"), maxItems: TriggerSpec.maxFrequencyCaps),
            "backend": ref("backend"),
            "thresholds": list(
                .object([
                    ("type", .string("string")), ("pattern", .string("^\\s*[a-z0-9_.]+\\s*(<=|>=|==|!=|<|>)\\s*\\S+")),
                ])),
            "archetypes": .object([
                ("type", .string("object")), ("propertyNames", ref("archetype")),
                ("additionalProperties", number(min: 0, max: 1)),
            ]),
        ]
    }

    static var document: WireJSON {
        var top = sections
        var strategy = sections
        strategy["thresholds"] = nil
        strategy["name"] = .object([("type", .string("string")), ("pattern", .string("^[A-Za-z0-9._-]{1,40}$"))])
        top["strategies"] = list(
            closed(["name"] + ScenarioLoader.strategySections, strategy, required: ["name"]), minItems: 1)
        var members: [(String, WireJSON)] = [
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string(id)),
            ("title", .string("journeysim scenario")),
            (
                "description",
                .string(
                    "A journeysim scenario file (YAML or JSON). Every key is optional; `journeysim validate` also checks mixes add up to 1."
                )
            ),
        ]
        if case let .object(body) = closed(Scenario.topLevelKeys, top) { members += body }
        members.append(("$defs", .object(definitions)))
        return .object(members)
    }
}
