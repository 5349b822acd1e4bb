/// The scenario schema's campaign definitions: content, flow steps, campaigns and frequency caps.
extension ScenarioSchema {
    /// Campaigns and frequency caps: a campaign's content, a step of its flow, the campaign
    /// itself (`campaigns:`) and a cap (`frequency_caps:`).
    static var campaignDefinitions: [(String, WireJSON)] {
        [
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
            ("step", stepSchema),
            ("campaign", campaignSchema),
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
        ]
    }

    /// A step of a campaign's flow (`Flow.stepKeys`): a message, a delay, a wait or a branch.
    private static var stepSchema: WireJSON {
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
    }

    /// A campaign (`Campaign.keys`): its trigger, audience, timing, caps, channels and content or steps.
    private static var campaignSchema: WireJSON {
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
    }
}
