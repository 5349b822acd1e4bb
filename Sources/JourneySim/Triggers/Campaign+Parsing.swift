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

        let flow: Flow
        let multiStep: Bool
        if let stepsNode = mapping["steps"] {
            for key in ["content", "delay"] where mapping[key] != nil {
                throw mapping[key]!.invalid(
                    "a campaign has either steps or a single message (content, delay), not both; put '\(key)' in a message step."
                )
            }
            flow = try Flow(node: stepsNode, context: context)
            multiStep = true
        } else {
            guard let contentNode = mapping["content"] else {
                throw ScenarioError.missingKey(node.location, path: node.path, key: "content")
            }
            let content = try CampaignContent(node: contentNode, extraKeys: [])
            let delay = try mapping["delay"]?.duration() ?? .zero
            flow = Flow(steps: [.message(MessageStep(delay: delay, content: content))])
            multiStep = false
        }
        self.init(name: name, trigger: trigger, flow: flow, isMultiStep: multiStep)

        if let value = mapping["audience"] { audience = try Audience(node: value) }
        if let value = mapping["recheck_audience_at_send"] { recheckAudienceAtSend = try value.bool() }
        for key in ["exception_events", "exit_on"] {
            guard let value = mapping[key] else { continue }
            for item in try value.list() {
                exceptionEvents.insert(EventKindSet(try item.eventKind(in: context.catalog)))
            }
        }
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

extension Flow {
    static let stepKeys = ["id", "then", "message", "delay", "wait", "branch"]
    /// More than enough for any real journey, and keeps step indices in a byte.
    public static let maxSteps = 200

    /// A list of steps, each a mapping with an optional `id` and exactly one of `message`,
    /// `delay`, `wait` or `branch`. Jumps name a step's `id`, `next` or `end`.
    init(node: ConfigNode, context: EventContext = .builtIn) throws(ScenarioError) {
        let items = try node.list()
        guard !items.isEmpty else { throw node.invalid("a flow needs at least one step.") }
        guard items.count <= Flow.maxSteps else { throw node.invalid("a flow has at most \(Flow.maxSteps) steps.") }
        var mappings: [ConfigMapping] = []
        var names: [String?] = []
        for item in items {
            let mapping = try item.mapping(allowed: Flow.stepKeys)
            var name: String?
            if let value = mapping["id"] {
                let text = try value.string()
                guard text != "end", text != "next", !text.isEmpty else {
                    throw value.invalid("'\(text)' cannot be a step id.")
                }
                if names.contains(text) { throw value.invalid("step id '\(text)' is used twice.") }
                name = text
            }
            names.append(name)
            mappings.append(mapping)
        }
        func target(_ value: ConfigNode?, index: Int, default fallback: Int) throws(ScenarioError) -> Int {
            guard let value else { return fallback }
            let text = try value.string()
            if text == "end" { return Flow.end }
            if text == "next" { return index + 1 < items.count ? index + 1 : Flow.end }
            guard let found = names.firstIndex(of: text) else {
                let known = names.compactMap { $0 } + ["next", "end"]
                let hint = Suggestion.closest(to: text, in: known).map { " Did you mean '\($0)'?" } ?? ""
                throw value.invalid("no step has id '\(text)'.\(hint) Steps: \(known.joined(separator: ", ")).")
            }
            return found
        }
        var steps: [FlowStep] = []
        var nextSteps: [Int] = []
        for (index, mapping) in mappings.enumerated() {
            let actions = mapping.entries.filter { $0.key != "id" && $0.key != "then" }
            guard actions.count == 1, let action = actions.first else {
                throw items[index].invalid(
                    "a step has exactly one of message, delay, wait or branch (plus an optional id and then).")
            }
            let next = index + 1 < items.count ? index + 1 : Flow.end
            if let then = mapping["then"], action.key != "message", action.key != "delay" {
                throw then.invalid("'then' follows a message or delay step; waits and branches name their own targets.")
            }
            nextSteps.append(try target(mapping["then"], index: index, default: next))
            switch action.key {
            case "message":
                let body = try action.value.mapping(allowed: CampaignContent.keys + ["delay"])
                let delay = try body["delay"]?.duration() ?? .zero
                steps.append(
                    .message(
                        MessageStep(
                            delay: delay, content: try CampaignContent(node: action.value, extraKeys: ["delay"]))))
            case "delay":
                steps.append(.delay(try action.value.duration()))
            case "wait":
                let body = try action.value.mapping(allowed: ["event", "timeout", "on_event", "on_timeout"])
                steps.append(
                    .wait(
                        WaitStep(
                            event: try body.required("event").eventKind(in: context.catalog),
                            timeout: try body.required("timeout").duration(),
                            onEvent: try target(body["on_event"], index: index, default: next),
                            onTimeout: try target(body["on_timeout"], index: index, default: next))))
            default:  // branch
                let body = try action.value.mapping(allowed: ["on", "cases", "otherwise"])
                let onNode = try body.required("on")
                let fieldName = try onNode.string()
                guard let field = EventFilter.Field(name: fieldName) else {
                    throw onNode.invalid("cannot branch on '\(fieldName)'; use cart_value, stars, stage or channel.")
                }
                var cases: [BranchStep.Case] = []
                for item in try body.required("cases").list() {
                    let entry = try item.mapping(allowed: ["when", "goto"])
                    let whenNode = try entry.required("when")
                    let condition = try whenNode.eventFilter(field: field)
                    cases.append(
                        .init(
                            condition: condition,
                            goto: try target(try entry.required("goto"), index: index, default: next)))
                }
                steps.append(
                    .branch(
                        BranchStep(cases: cases, otherwise: try target(body["otherwise"], index: index, default: next)))
                )
            }
        }
        self.init(steps: steps, names: names, next: nextSteps)
        if let problem = loopProblem {
            let first =
                switch problem {
                case let .instant(cycle), let .tooFast(cycle, _): cycle[0]
                }
            throw items[first].invalid(describe(problem))
        }
    }
}

extension ConfigNode {
    func eventKind(in catalog: EventCatalog = .builtIn) throws(ScenarioError) -> EventKind {
        let name = try string()
        guard let kind = catalog.kind(named: name) else {
            let names = catalog.allNames
            let hint = Suggestion.closest(to: name, in: names).map { " Did you mean '\($0)'?" } ?? ""
            throw invalid("unknown event '\(name)'.\(hint) Events: \(names.joined(separator: ", ")).")
        }
        return kind
    }

    func channel() throws(ScenarioError) -> Channel {
        let name = try string()
        guard let channel = Channel(name: name) else {
            let names = Channel.allCases.map(\.name)
            let hint = Suggestion.closest(to: name, in: names).map { " Did you mean '\($0)'?" } ?? ""
            throw invalid("unknown channel '\(name)'.\(hint) Channels: \(names.joined(separator: ", ")).")
        }
        return channel
    }

    /// `"HH:MM"` (24-hour, local) as minutes after midnight; `24:00` is accepted as a closing time.
    func minuteOfDay() throws(ScenarioError) -> Int32 {
        let text = try string().trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), parts[1].count == 2,
            (0...24).contains(hours), (0...59).contains(minutes), hours * 60 + minutes <= 1440
        else {
            throw invalid(
                "'\(text)' is not a time of day: write HH:MM in 24-hour local time, in quotes, e.g. \"09:00\".")
        }
        return Int32((hours * 60 + minutes) % 1440)
    }

    /// A filter such as `cart_value > 100`, `stage == cart` or `channel != sms`; with `field`
    /// given, just the comparison and value (`<= 3`), as in branch cases.
    func eventFilter(
        field fixed: EventFilter.Field? = nil, event: EventKind? = nil,
        context: EventContext = .builtIn
    ) throws(ScenarioError) -> EventFilter {
        let (fieldText, symbol, valueText) = try comparisonParts(
            try string().trimmingCharacters(in: .whitespaces),
            example: "cart_value > 100")
        let field: EventFilter.Field
        if let fixed {
            guard fieldText.isEmpty || fieldText == fixed.name else {
                throw invalid("this branch is on '\(fixed.name)'; write just the comparison, e.g. \"<= 3\".")
            }
            field = fixed
        } else if let event, let property = try eventProperty(fieldText, of: event, context: context) {
            // A property of the trigger event: a custom event's, or a message interaction's.
            guard let comparison = EventFilter.Comparison(symbol: symbol) else {
                throw invalid("'\(symbol)' is not a comparison; use ==, !=, <, <=, > or >=.")
            }
            return EventFilter(
                field: .property(property.index), comparison: comparison,
                value: try property.value(valueText, comparison))
        } else {
            guard let parsed = EventFilter.Field(name: fieldText) else {
                var names = EventFilter.Field.common.map(\.name)
                if let event { names += EventContext.propertyNames(of: event, catalog: context.catalog) }
                let hint = Suggestion.closest(to: fieldText, in: names).map { " Did you mean '\($0)'?" } ?? ""
                throw invalid("cannot filter on '\(fieldText)'.\(hint) Fields: \(names.joined(separator: ", ")).")
            }
            field = parsed
        }
        guard let comparison = EventFilter.Comparison(symbol: symbol) else {
            throw invalid("'\(symbol)' is not a comparison; use ==, !=, <, <=, > or >=.")
        }
        let value: Float
        switch field {
        case .cartValue, .stars:
            guard let number = Double(valueText), number.isFinite else {
                throw invalid("'\(valueText)' is not a number; \(field.name) compares with a number.")
            }
            value = Float(number)
        case .property0, .property1, .property2:
            throw invalid("'\(field.name)' is not a field to filter on.")
        case .stage, .channel:
            guard comparison == .equal || comparison == .notEqual else {
                throw invalid("\(field.name) is a name; compare it with == or != only.")
            }
            if field == .stage {
                guard let stage = Stage.allCases.first(where: { $0.name == valueText }) else {
                    let names = Stage.allCases.map(\.name)
                    throw invalid("unknown stage '\(valueText)'; stages: \(names.joined(separator: ", ")).")
                }
                value = Float(stage.rawValue)
            } else {
                guard let channel = Channel(name: valueText) else {
                    throw invalid(
                        "unknown channel '\(valueText)'; channels: \(Channel.allCases.map(\.name).joined(separator: ", "))."
                    )
                }
                value = Float(channel.rawValue)
            }
        }
        return EventFilter(field: field, comparison: comparison, value: value)
    }
}

extension ConfigNode {
    /// `text` split at its comparison operator: `"cart_value > 100"` is `("cart_value", ">", "100")`,
    /// sides trimmed. No operator at all is an error showing `example` (and `more`, a hint).
    func comparisonParts(
        _ text: String, example: String, more: String = ""
    ) throws(ScenarioError) -> (lhs: String, symbol: String, rhs: String) {
        let operatorCharacters: Set<Character> = ["<", ">", "=", "!"]
        guard let opStart = text.firstIndex(where: { operatorCharacters.contains($0) }) else {
            throw invalid("'\(text)' has no comparison; write e.g. \"\(example)\" (==, !=, <, <=, >, >=\(more)).")
        }
        let opEnd = text[opStart...].firstIndex(where: { !operatorCharacters.contains($0) }) ?? text.endIndex
        return (
            text[..<opStart].trimmingCharacters(in: .whitespaces), String(text[opStart..<opEnd]),
            text[opEnd...].trimmingCharacters(in: .whitespaces)
        )
    }
}

extension EventContext {
    /// The property names an event's filters may use besides the common fields.
    static func propertyNames(of event: EventKind, catalog: EventCatalog) -> [String] {
        if event.isMessageInteraction { return ["campaign", "step", "template"] }
        return catalog.declaration(of: event)?.properties.map(\.name) ?? []
    }
}

extension ConfigNode {
    /// A property of `event` named `name`: its slot in `CustomerEvent.properties` and how to read
    /// a value for it. Nil when the event has no such property.
    func eventProperty(
        _ name: String, of event: EventKind, context: EventContext
    ) throws(ScenarioError)
        -> (index: Int, value: (String, EventFilter.Comparison) throws(ScenarioError) -> Float)?
    {
        func number(_ text: String) throws(ScenarioError) -> Float {
            guard let value = Double(text), value.isFinite else {
                throw invalid("'\(text)' is not a number; \(name) compares with a number.")
            }
            return Float(value)
        }
        func equality(_ comparison: EventFilter.Comparison) throws(ScenarioError) {
            guard comparison == .equal || comparison == .notEqual else {
                throw invalid("\(name) is a name; compare it with == or != only.")
            }
        }
        /// A name compared with == or != as its index in `names`; `missing` says what is not there.
        func position(
            _ text: String, _ comparison: EventFilter.Comparison, in names: [String], missing: String
        ) throws(ScenarioError) -> Float {
            try equality(comparison)
            guard let index = names.firstIndex(of: text) else {
                let hint = Suggestion.closest(to: text, in: names).map { " Did you mean '\($0)'?" } ?? ""
                throw invalid("\(missing).\(hint)")
            }
            return Float(index)
        }
        if event.isMessageInteraction {
            switch name {
            case "campaign":
                return (
                    0,
                    { (text: String, comparison: EventFilter.Comparison) throws(ScenarioError) -> Float in
                        try position(
                            text, comparison, in: context.campaignNames, missing: "no campaign is named '\(text)'")
                    }
                )
            case "step":
                // Steps are numbered from 1 in filters, as people count them.
                return (
                    1,
                    { (text: String, _: EventFilter.Comparison) throws(ScenarioError) -> Float in try number(text) - 1 }
                )
            case "template":
                return (
                    2,
                    { (text: String, comparison: EventFilter.Comparison) throws(ScenarioError) -> Float in
                        try position(
                            text, comparison, in: context.templateNames,
                            missing: "no campaign sends a template named '\(text)'")
                    }
                )
            default: return nil
            }
        }
        guard let declaration = context.catalog.declaration(of: event),
            let index = declaration.properties.firstIndex(where: { $0.name == name })
        else { return nil }
        let property = declaration.properties[index]
        return (
            index,
            { (text: String, comparison: EventFilter.Comparison) throws(ScenarioError) -> Float in
                switch property.kind {
                case .number: return try number(text)
                case .bool:
                    try equality(comparison)
                    guard text == "true" || text == "false" else { throw self.invalid("\(name) is true or false.") }
                    return text == "true" ? 1 : 0
                case let .category(names):
                    return try position(text, comparison, in: names, missing: "'\(text)' is not a value of \(name)")
                }
            }
        )
    }
}
