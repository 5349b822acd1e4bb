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

    /// A probability: a number from 0 to 1.
    static var probability: WireJSON { number(min: 0, max: 1) }

    // MARK: The document

    static var channelNames: [String] { Channel.allCases.map(\.name) }
    static var archetypeNames: [String] { Archetype.allCases.map(\.name) }

    /// The `$defs`, section by section. `json()` writes them in this order, so the order is kept
    /// as it has always been (a change would change the schema's text, not its meaning).
    static var definitions: [(String, WireJSON)] {
        let sections: [[(String, WireJSON)]] = [
            valueDefinitions, journeyLanguageDefinitions, archetypeAndTimeDefinitions, populationDefinitions,
            journeyParameterDefinitions, behaviorDefinitions, campaignDefinitions, backendDefinitions,
        ]
        return sections.flatMap { $0 }
    }

    /// The values other definitions refer to: durations, instants, probabilities, journey
    /// parameters, shares, channels, events and distributions.
    static var valueDefinitions: [(String, WireJSON)] {
        [
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
        ]
    }

    /// Archetype names and local times of day.
    static var archetypeAndTimeDefinitions: [(String, WireJSON)] {
        [
            ("archetype", oneOf(names: archetypeNames)),
            (
                "timeOfDay",
                .object([
                    ("type", .string("string")), ("pattern", .string("^\\s*[0-9]{1,2}:[0-9]{2}\\s*$")),
                    ("description", .string("HH:MM, 24-hour local time, in quotes")),
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
