import Foundation

extension TriggerSpec {
    /// Most frequency caps a scenario may set: real programmes set a handful (per day, per week,
    /// per channel), and every send checks every cap.
    public static let maxFrequencyCaps = 64

    /// Reads the scenario's top-level `campaigns:` and `frequency_caps:` lists (either may be absent).
    public init(
        campaigns campaignsNode: ConfigNode?, frequencyCaps capsNode: ConfigNode?,
        events catalog: EventCatalog = .builtIn
    ) throws(ScenarioError) {
        var campaigns: [Campaign] = []
        if let campaignsNode {
            // Names first, so a filter on a message interaction can name any campaign or template.
            // Templates are numbered as `TriggerSpec` numbers them: by first use, campaigns and
            // their steps in order.
            var names: [String] = []
            for item in try campaignsNode.list() {
                if let mapping = try? item.openMapping(), let name = try? mapping["name"]?.string() {
                    names.append(name)
                }
            }
            let templates = TriggerSpec.preScannedTemplates(campaignsNode)
            let context = EventContext(catalog: catalog, campaignNames: names, templateNames: templates)
            for item in try campaignsNode.list() {
                let campaign = try Campaign(node: item, context: context)
                if campaigns.contains(where: { $0.name == campaign.name }) {
                    throw item.invalid("campaign name '\(campaign.name)' is used twice; campaign names must be unique.")
                }
                campaigns.append(campaign)
            }
            guard campaigns.count <= Int(UInt16.max) else { throw campaignsNode.invalid("at most 65535 campaigns.") }
        }
        var caps: [FrequencyCap] = []
        if let capsNode {
            let items = try capsNode.list()
            guard items.count <= TriggerSpec.maxFrequencyCaps else {
                throw capsNode.invalid(
                    "\(items.count) frequency caps; at most \(TriggerSpec.maxFrequencyCaps) (every send checks each one)."
                )
            }
            for item in items { caps.append(try FrequencyCap(node: item)) }
        }
        let firstTimeKinds = Set(campaigns.filter(\.trigger.firstTimeOnly).map(\.trigger.event))
        if firstTimeKinds.count > 32, let campaignsNode {
            throw campaignsNode.invalid(
                "first_time triggers listen to \(firstTimeKinds.count) different events; at most 32.")
        }
        self.init(campaigns: campaigns, frequencyCaps: caps)
        assert(
            campaignsNode.map { templates == Self.preScannedTemplates($0) } ?? true,
            "template filters numbered templates differently")
    }

    /// The campaigns' templates in the order `TriggerSpec` numbers them (by first use, campaigns
    /// and their steps in order), read before the campaigns are, so a filter on a message
    /// interaction can name a template.
    static func preScannedTemplates(_ node: ConfigNode) -> [String] {
        var templates: [String] = []
        for item in (try? node.list()) ?? [] {
            guard let mapping = try? item.openMapping() else { continue }
            var used: [String] = []
            if let steps = try? mapping["steps"]?.list() {
                for step in steps {
                    if let message = (try? step.openMapping())?["message"],
                        let template = try? message.openMapping()["template"]?.string()
                    {
                        used.append(template)
                    }
                }
            } else if let content = mapping["content"], let template = try? content.openMapping()["template"]?.string()
            {
                used.append(template)
            }
            for template in used where !templates.contains(template) { templates.append(template) }
        }
        return templates
    }
}

/// What reading a campaign needs to know about the scenario: its events (built-in, message
/// interactions and the journey's custom ones) and its campaigns' names.
struct EventContext {
    var catalog: EventCatalog
    var campaignNames: [String]
    var templateNames: [String] = []

    static let builtIn = EventContext(catalog: .builtIn, campaignNames: [])
}

extension FrequencyCap {
    static let keys = ["limit", "per", "channel"]

    /// `{ limit: 3, per: 1d, channel: any }`. `per` in days (`1d`, `day`) means local calendar
    /// days; minutes, hours and weeks (`1w`, `week`) are rolling windows.
    init(node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: FrequencyCap.keys)
        let limitNode = try mapping.required("limit")
        let limit = try limitNode.int(in: 1...FrequencyCap.maxLimit)
        let perNode = try mapping.required("per")
        let text = try perNode.string().trimmingCharacters(in: .whitespaces).lowercased()
        let period: Period
        switch text {
        case "day": period = .calendarDays(1)
        case "week": period = .rolling(.days(7))
        case "hour": period = .rolling(.hours(1))
        case "minute": period = .rolling(.minutes(1))
        default:
            if text.hasSuffix("d") {
                guard let days = Int(text.dropLast()), days >= 1, days <= 366 else {
                    throw perNode.invalid(
                        "'\(text)': a period in days is a whole number of local calendar days, 1d to 366d (use hours or weeks for rolling windows)."
                    )
                }
                period = .calendarDays(days)
            } else {
                let duration = try perNode.duration()
                guard duration.milliseconds >= 1000 else {
                    throw perNode.outOfRange(text, "a cap period is at least 1s")
                }
                period = .rolling(duration)
            }
        }
        var channel: Channel?
        if let channelNode = mapping["channel"] {
            let name = try channelNode.string()
            if name != "any" { channel = try channelNode.channel() }
        }
        self.init(limit: limit, period: period, channel: channel)
    }
}

extension Campaign {
    static let keys = [
        "name", "trigger", "audience", "recheck_audience_at_send", "delay", "exception_events", "exit_on",
        "start", "end", "delivery_window", "reeligibility", "priority", "override_caps", "counts_toward_caps",
        "control_group", "channels", "prefer_journey_channel", "fallback", "content", "conversion",
        "rate_limit", "max_hold", "steps", "ignored_after",
    ]

    init(node: ConfigNode, context: EventContext) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: Campaign.keys)
        let nameNode = try mapping.required("name")
        let name = try nameNode.string()
        guard !name.isEmpty, name.count <= 80 else { throw nameNode.invalid("a campaign name is 1 to 80 characters.") }
        let trigger = try Campaign.Trigger(node: mapping.required("trigger"), context: context)
        let (flow, multiStep) = try Campaign.flow(node, mapping, context: context)
        self.init(name: name, trigger: trigger, flow: flow, isMultiStep: multiStep)
        // The optional keys, in the order they are checked (the first problem is the one reported).
        try readAudience(mapping, context: context)
        try readSchedule(mapping)
        try readPriority(mapping)
        try readChannels(mapping)
        try readConversionAndPacing(mapping, context: context)
    }

    /// The campaign's `steps`, or its single message (`content` and `delay`) as a one-step flow;
    /// `isMultiStep` says which. A campaign gives one or the other, not both.
    private static func flow(
        _ node: ConfigNode, _ mapping: ConfigMapping, context: EventContext
    ) throws(ScenarioError) -> (flow: Flow, isMultiStep: Bool) {
        if let stepsNode = mapping["steps"] {
            for key in ["content", "delay"] where mapping[key] != nil {
                throw mapping[key]!.invalid(
                    "a campaign has either steps or a single message (content, delay), not both; put '\(key)' in a message step."
                )
            }
            return (try Flow(node: stepsNode, context: context), true)
        }
        guard let contentNode = mapping["content"] else {
            throw ScenarioError.missingKey(node.location, path: node.path, key: "content")
        }
        let content = try CampaignContent(node: contentNode, extraKeys: [])
        let delay = try mapping["delay"]?.duration() ?? .zero
        return (Flow(steps: [.message(MessageStep(delay: delay, content: content))]), false)
    }

    /// Who the campaign reaches (`audience`, `recheck_audience_at_send`) and the events that
    /// stop it for a customer (`exception_events`, `exit_on`).
    private mutating func readAudience(_ mapping: ConfigMapping, context: EventContext) throws(ScenarioError) {
        if let value = mapping["audience"] { audience = try Audience(node: value) }
        if let value = mapping["recheck_audience_at_send"] { recheckAudienceAtSend = try value.bool() }
        for key in ["exception_events", "exit_on"] {
            guard let value = mapping[key] else { continue }
            for item in try value.list() {
                exceptionEvents.insert(EventKindSet(try item.eventKind(in: context.catalog)))
            }
        }
    }

    /// When the campaign may send: `start`, `end` (after the start), `delivery_window`, and
    /// `reeligibility` (a duration, or off).
    private mutating func readSchedule(_ mapping: ConfigMapping) throws(ScenarioError) {
        if let value = mapping["start"] { start = try value.instant() }
        if let value = mapping["end"] { end = try value.instant() }
        if let start, let end, end <= start, let value = mapping["end"] {
            throw value.invalid("the campaign ends before it starts; 'end' must be after 'start'.")
        }
        if let value = mapping["delivery_window"] { deliveryWindow = try DeliveryWindow(node: value) }
        if let value = mapping["reeligibility"] {
            let text = try value.string().trimmingCharacters(in: .whitespaces).lowercased()
            if ["off", "false", "no", "never"].contains(text) {
                reeligibility = nil
            } else {
                reeligibility = try value.duration()
            }
        }
    }

    /// `priority` (a transactional campaign overrides the caps and does not count toward them,
    /// unless `override_caps` or `counts_toward_caps`, read after it, say otherwise) and
    /// `control_group`.
    private mutating func readPriority(_ mapping: ConfigMapping) throws(ScenarioError) {
        if let value = mapping["priority"] {
            switch try value.string() {
            case "marketing": priority = .marketing
            case "transactional":
                priority = .transactional
                overrideCaps = true
                countsTowardCaps = false
            case let other:
                throw value.invalid("unknown priority '\(other)'; use marketing or transactional.")
            }
        }
        if let value = mapping["override_caps"] { overrideCaps = try value.bool() }
        if let value = mapping["counts_toward_caps"] { countsTowardCaps = try value.bool() }
        if let value = mapping["control_group"] {
            controlGroup = try value.double(in: 0...0.99, "a control-group share must be between 0 and 0.99")
        }
    }

    /// `channels` (in preference order, each at most once), `prefer_journey_channel` and `fallback`.
    private mutating func readChannels(_ mapping: ConfigMapping) throws(ScenarioError) {
        if let value = mapping["channels"] {
            var list: [Channel] = []
            for item in try value.list() {
                let channel = try item.channel()
                if list.contains(channel) { throw item.invalid("'\(channel.name)' is listed twice.") }
                list.append(channel)
            }
            guard !list.isEmpty else { throw value.invalid("list at least one channel.") }
            channels = list
        }
        if let value = mapping["prefer_journey_channel"] { preferJourneyChannel = try value.bool() }
        if let value = mapping["fallback"] { fallback = try value.bool() }
    }

    /// What counts as a conversion (`conversion`) and how sends are paced: `rate_limit`,
    /// `max_hold` and `ignored_after` (at least 1s).
    private mutating func readConversionAndPacing(
        _ mapping: ConfigMapping, context: EventContext
    ) throws(ScenarioError) {
        if let value = mapping["conversion"] {
            let conversion = try value.mapping(allowed: ["event", "window"])
            self.conversion = Conversion(
                event: try conversion.required("event").eventKind(in: context.catalog),
                window: try conversion.required("window").duration())
        }
        if let value = mapping["rate_limit"] { rateLimitPerMinute = try value.int(in: 1...100_000_000) }
        if let value = mapping["max_hold"] { maxHold = try value.duration() }
        if let value = mapping["ignored_after"] {
            let window = try value.duration()
            guard window.milliseconds >= 1000 else {
                throw value.outOfRange(try value.string(), "an ignore window is at least 1s")
            }
            ignoredAfter = window
        }
    }
}

extension Campaign.Trigger {
    init(node: ConfigNode, context: EventContext) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: ["event", "filter", "first_time"])
        let event = try mapping.required("event").eventKind(in: context.catalog)
        var filters: [EventFilter] = []
        if let value = mapping["filter"] {
            for item in try value.list() { filters.append(try item.eventFilter(event: event, context: context)) }
        }
        self.init(event: event, filters: filters, firstTimeOnly: try mapping["first_time"]?.bool() ?? false)
    }
}

extension Campaign.Audience {
    init(node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: ["archetypes", "channels_reachable", "require_consent"])
        self.init()
        if let value = mapping["archetypes"] {
            for item in try value.list() {
                let name = try item.string()
                guard let archetype = Archetype(name: name) else {
                    let hint =
                        Suggestion.closest(to: name, in: Archetype.allCases.map(\.name)).map {
                            " Did you mean '\($0)'?"
                        } ?? ""
                    throw item.invalid("unknown archetype '\(name)'.\(hint) Use routine, joyride, trek or odyssey.")
                }
                archetypes.append(archetype)
            }
        }
        if let value = mapping["channels_reachable"] {
            for item in try value.list() { channelsReachable.insert(ChannelSet(try item.channel())) }
        }
        if let value = mapping["require_consent"] { requireConsent = try value.bool() }
    }
}

extension DeliveryWindow {
    /// `{ from: "09:00", to: "21:00", outside: drop | defer }`, local time of the recipient.
    init(node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: ["from", "to", "outside"])
        let from = try mapping.required("from").minuteOfDay()
        let to = try mapping.required("to").minuteOfDay()
        var outside = Outside.drop
        if let value = mapping["outside"] {
            switch try value.string() {
            case "drop": outside = .drop
            case "defer": outside = .defer
            case let other: throw value.invalid("unknown value '\(other)'; use drop or defer.")
            }
        }
        self.init(fromMinute: from, toMinute: to, outside: outside)
    }
}

extension CampaignContent {
    static let keys = ["template", "fields", "discount_code", "route_to_agent"]

    init(node: ConfigNode, extraKeys: [String]) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: CampaignContent.keys + extraKeys)
        let template = try mapping.required("template").string()
        guard !template.isEmpty else { throw node.invalid("the template name is empty.") }
        var fields: [String] = []
        if let value = mapping["fields"] {
            for item in try value.list() { fields.append(try item.string()) }
        }
        var code: String?
        if let value = mapping["discount_code"] {
            let text = try value.string()
            guard !text.isEmpty else {
                throw value.invalid("the discount code is empty; leave the key out for no discount.")
            }
            code = text
        }
        self.init(
            template: template, fields: fields, discountCode: code,
            routeToAgent: try mapping["route_to_agent"]?.bool() ?? false)
    }
}
