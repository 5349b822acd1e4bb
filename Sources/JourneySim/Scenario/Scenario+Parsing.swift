import Foundation
import Synchronization

extension Scenario {
    static let topLevelKeys = [
        "name", "seed", "start", "duration", "population", "journeys", "journey", "sessions",
        "behavior", "campaigns", "frequency_caps", "backend", "thresholds", "strategies",
    ]
    /// The largest population one process accepts; larger runs go through shards.
    public static let maxCustomers = 50_000_000
    public static let maxDuration = SimDuration.days(366)

    /// Builds a scenario from a parsed document, starting from the defaults and overriding what
    /// the document states. `defaultName` is used when the document has no `name`.
    public init(document root: ConfigNode, defaultName: String) throws(ScenarioError) {
        self = .defaults(name: defaultName)
        let top = try root.mapping(allowed: Scenario.topLevelKeys)
        if let node = top["name"] {
            let text = try node.string()
            guard !text.isEmpty, text.count <= 80,
                text.unicodeScalars.allSatisfy({
                    CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
                })
            else {
                throw node.invalid(
                    "a name is 1 to 80 letters, digits, '-', '_' or '.', since it names the results folder.")
            }
            name = text
        }
        if let node = top["seed"] {
            let value = try node.int()
            guard value >= 0 else { throw node.outOfRange(String(value), "a seed is a non-negative whole number") }
            seed = UInt64(value)
        }
        if let node = top["start"] { start = try node.instant() }
        if let node = top["duration"] {
            duration = try node.duration()
            guard duration.milliseconds >= 3_600_000, duration <= Scenario.maxDuration else {
                throw node.outOfRange(try node.string(), "the duration must be between 1h and 366d")
            }
        }
        if let node = top["population"] { try population.override(from: node) }
        if let node = top["journeys"] {
            let mapping = try node.mapping(allowed: Archetype.allCases.map(\.name))
            for entry in mapping.entries {
                guard let archetype = Archetype(name: entry.key) else { continue }
                try journeys[Int(archetype.rawValue)].override(from: entry.value)
            }
        }
        if let node = top["sessions"] { try sessions.override(from: node) }
        if let node = top["behavior"] { try behavior.override(from: node) }
        // The journey's custom events are read first (campaigns trigger on them); its reactions
        // name campaigns and templates, so it is compiled once the campaigns are known.
        let parameters = JourneyParameterTable(journeys: journeys, behavior: behavior, sessions: sessions)
        let graph = try top["journey"].map { node throws(ScenarioError) in
            try JourneyGraph(node: try Scenario.journeyDocument(node), parameters: parameters)
        }
        triggers = try TriggerSpec(
            campaigns: top["campaigns"], frequencyCaps: top["frequency_caps"],
            events: EventCatalog(custom: graph?.events ?? []))
        if let graph {
            journey = try JourneyCompiler.compile(graph, triggers: triggers)
        } else {
            // Compiled here only to check the scenario's numbers against it; the simulator
            // compiles it again from the scenario it is given (see `effectiveJourney`).
            _ = try Scenario.defaultJourney(parameters: parameters, triggers: triggers)
        }
        if let node = top["backend"] { backend = try BackendSpec(from: node) }
        if let node = top["thresholds"] {
            thresholds = []
            for item in try node.list() {
                let text = try item.string()
                do {
                    thresholds.append(try Threshold(text))
                } catch {
                    throw item.invalid(error.description)
                }
            }
        }
    }
}

extension Scenario {
    /// The journey a scenario without `journey:` runs: the shipped e-commerce funnel
    /// (`Sources/JourneySim/Resources/ecommerce.yaml`, which `scenarios/journeys/ecommerce.yaml`
    /// links to), compiled into the library.
    public static let defaultJourneyText = String(decoding: PackageResources.ecommerce_yaml, as: UTF8.self)
    /// The name errors in the default journey give as its file.
    static let defaultJourneyFile = "journeys/ecommerce.yaml (built in)"

    /// The default journey with the numbers of `parameters` (a scenario's `journeys:`,
    /// `behavior` and `sessions`).
    ///
    /// Compiled once per set of numbers and campaign names in a process (parsing checks the
    /// scenario against it, the memory estimate and every simulator part read it again), and
    /// kept in a small cache: the compiled model depends on nothing else.
    static func defaultJourney(
        parameters: JourneyParameterTable, triggers: TriggerSpec
    ) throws(ScenarioError) -> JourneyModel {
        let key = DefaultJourneyKey(
            values: parameters.values, campaigns: triggers.campaigns.map(\.name), templates: triggers.templates)
        if let model = defaultJourneyCache.withLock({ $0[key] }) { return model }
        let model = try compileDefaultJourney(parameters: parameters, triggers: triggers)
        defaultJourneyCache.withLock { cache in
            if cache.count >= 16 { cache.removeAll() }
            cache[key] = model
        }
        return model
    }

    /// What the default journey's compiled model depends on: the numbers its `$name`
    /// references read, and the campaign and template names its reactions may name.
    struct DefaultJourneyKey: Hashable, Sendable {
        var values: [[String: String]]
        var campaigns: [String]
        var templates: [String]
    }

    private static let defaultJourneyCache = Mutex<[DefaultJourneyKey: JourneyModel]>([:])

    private static func compileDefaultJourney(
        parameters: JourneyParameterTable, triggers: TriggerSpec
    ) throws(ScenarioError) -> JourneyModel {
        guard let root = try ScenarioLoader.document(defaultJourneyText, file: defaultJourneyFile) else {
            throw ScenarioError.invalidValue(
                SourceLocation(file: defaultJourneyFile, line: 1, column: 1), path: "journey",
                message: "the built-in journey is empty.")
        }
        let graph = try JourneyGraph(node: root, parameters: parameters)
        return try JourneyCompiler.compile(graph, triggers: triggers)
    }

    /// The journey this scenario runs: its own, or the default journey with its numbers. A
    /// scenario read from a file has been checked against the default journey; one built or
    /// changed in code with numbers the journey refuses stops the program with the reason.
    public var effectiveJourney: JourneyModel {
        if let journey { return journey }
        do {
            return try Scenario.defaultJourney(
                parameters: JourneyParameterTable(journeys: journeys, behavior: behavior, sessions: sessions),
                triggers: triggers)
        } catch {
            fatalError("the scenario's numbers do not fit the default journey: \(error.description)")
        }
    }

    /// The journey mapping: written in the scenario, or a path to a journey file (relative to
    /// the scenario's folder) holding it, whose own lines and fields errors then name.
    static func journeyDocument(_ node: ConfigNode) throws(ScenarioError) -> ConfigNode {
        guard case .scalar = node.node else { return node }
        let relative = try node.string()
        let path = journeyPath(relative, besides: node.file)
        let text: String
        do {
            text = try ScenarioLoader.read(path: path).text
        } catch {
            switch error {
            case .fileNotFound:
                throw node.invalid("the journey file '\(relative)' does not exist (looked for \(path)).")
            default: throw node.invalid("cannot read the journey file '\(relative)': \(error.description)")
            }
        }
        guard let root = try ScenarioLoader.document(text, file: path) else {
            throw node.invalid("the journey file '\(relative)' is empty.")
        }
        if case .scalar = root.node {
            throw ScenarioError.invalidValue(
                root.location, path: "journey",
                message:
                    "a journey file holds the journey's mapping (events, processes, states, …), not a single value.")
        }
        return root
    }

    /// The texts of the files a scenario file includes (journey files, its own and its
    /// strategies'), for its digest, so shards of different journeys refuse to merge.
    public static func includedTexts(path: String) -> [String] {
        // Most scenarios include nothing: only a file that mentions a journey is parsed again.
        guard let (text, _) = try? ScenarioLoader.read(path: path), text.contains("journey:"),
            let root = try? ScenarioLoader.document(text, file: path),
            let top = try? root.openMapping()
        else { return [] }
        var nodes: [ConfigNode] = top["journey"].map { [$0] } ?? []
        for item in (try? top["strategies"]?.list()) ?? [] {
            if let node = (try? item.openMapping())?["journey"] { nodes.append(node) }
        }
        return nodes.compactMap { node in
            guard case .scalar = node.node, let relative = try? node.string() else { return nil }
            return "\(relative)\n" + ((try? ScenarioLoader.read(path: journeyPath(relative, besides: path)).text) ?? "")
        }
    }

    /// A journey file's path as a scenario at `file` names it: absolute, or relative to the scenario's folder.
    static func journeyPath(_ relative: String, besides file: String) -> String {
        relative.hasPrefix("/")
            ? relative
            : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(relative).standardized.path
    }
}

extension ConfigNode {
    /// An ISO 8601 instant (`2026-03-02T00:00:00Z`) or a date (`2026-03-02`, midnight UTC),
    /// checked against the calendar (see `CalendarInstant`).
    func instant() throws(ScenarioError) -> SimTime {
        let text = try string().trimmingCharacters(in: .whitespaces)
        let milliseconds: Int64
        switch CalendarInstant.parse(text) {
        case let .success(value): milliseconds = value
        case let .failure(problem): throw invalid("'\(text)' is not a date: \(problem).")
        }
        guard milliseconds > -2_208_988_800_000, milliseconds < 4_102_444_800_000 else {
            throw outOfRange(text, "dates must lie between 1900 and 2100")
        }
        return SimTime(milliseconds: milliseconds)
    }
}

extension PopulationSpec {
    static let keys = ["customers", "archetypes", "channel_counts", "channels", "time_zones", "multichannel"]

    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: PopulationSpec.keys)
        if let value = mapping["customers"] {
            let count = try value.int()
            guard count >= 1, count <= Scenario.maxCustomers else {
                throw value.outOfRange(
                    String(count),
                    "a population has between 1 and \(Scenario.maxCustomers) customers per process (use shards beyond that)"
                )
            }
            customers = count
        }
        if let value = mapping["archetypes"] {
            let mix = try value.openMapping()
            var shares = [Double](repeating: 0, count: Archetype.allCases.count)
            for entry in try mix.shares() {
                guard let archetype = Archetype(name: entry.key) else {
                    throw ScenarioError.unknownKey(
                        entry.location, path: value.path, key: entry.key,
                        suggestion: Suggestion.closest(to: entry.key, in: Archetype.allCases.map(\.name)),
                        allowed: Archetype.allCases.map(\.name))
                }
                shares[Int(archetype.rawValue)] = entry.share
            }
            archetypeMix = shares
        }
        if let value = mapping["channel_counts"] {
            let mix = try value.openMapping()
            var shares = [Double](repeating: 0, count: Channel.allCases.count)
            for entry in try mix.shares() {
                guard let count = Int(entry.key), (1...Channel.allCases.count).contains(count) else {
                    throw ScenarioError.invalidValue(
                        entry.location, path: "\(value.path).\(entry.key)",
                        message: "a channel count is a whole number from 1 to \(Channel.allCases.count).")
                }
                shares[count - 1] = entry.share
            }
            channelCountMix = shares
        }
        if let value = mapping["channels"] {
            let names = Channel.allCases.map(\.name)
            for entry in try value.mapping(allowed: names).entries {
                guard let channel = Channel(name: entry.key) else { continue }
                try channels[Int(channel.rawValue)].override(from: entry.value)
            }
            guard channels.contains(where: { $0.weight > 0 }) else {
                throw value.invalid("at least one channel needs a weight above 0.")
            }
        }
        if let value = mapping["time_zones"] {
            var zones: [TimeZoneShare] = []
            for entry in try value.openMapping().shares() {
                guard TimeZone(identifier: entry.key) != nil, entry.key.contains("/") || entry.key == "UTC" else {
                    let known = TimeZone.knownTimeZoneIdentifiers
                    let hint = Suggestion.closest(to: entry.key, in: known).map { " Did you mean '\($0)'?" } ?? ""
                    throw ScenarioError.invalidValue(
                        entry.location, path: "\(value.path).\(entry.key)",
                        message: "'\(entry.key)' is not an IANA time zone (e.g. Europe/Berlin).\(hint)")
                }
                zones.append(.init(identifier: entry.key, share: entry.share))
            }
            guard zones.count <= 250 else { throw value.invalid("at most 250 time zones may be listed.") }
            timeZones = zones
        }
        if let value = mapping["multichannel"] { try multichannel.override(from: value) }
    }
}

extension ChannelProfile {
    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: ["weight", "consent", "reachable"])
        if let value = mapping["weight"] { weight = try value.double(in: 0...1_000_000, "a weight must be 0 or more") }
        if let value = mapping["consent"] { consent = try value.probability() }
        if let value = mapping["reachable"] { reachable = try value.probability() }
    }
}

extension MultichannelEffect {
    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: [
            "min_channels", "archetypes", "frequency_multiplier", "spend_multiplier",
        ])
        if let value = mapping["min_channels"] { minChannels = try value.int(in: 1...Channel.allCases.count) }
        if let value = mapping["archetypes"] {
            var selected = [Bool](repeating: false, count: Archetype.allCases.count)
            for item in try value.list() {
                let name = try item.string()
                guard let archetype = Archetype(name: name) else {
                    throw item.invalid("unknown archetype '\(name)'; use routine, joyride, trek or odyssey.")
                }
                selected[Int(archetype.rawValue)] = true
            }
            archetypes = selected
        }
        if let value = mapping["frequency_multiplier"] { frequencyMultiplier = try value.double(in: 0.01...100) }
        if let value = mapping["spend_multiplier"] { spendMultiplier = try value.double(in: 0.01...100) }
    }
}

extension SessionSpec {
    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: ["hourly_activity", "channel_stickiness", "max_steps"])
        if let value = mapping["hourly_activity"] {
            let items = try value.list()
            guard items.count == 24 else {
                throw value.invalid("hourly_activity lists 24 weights, one per local hour 0–23; found \(items.count).")
            }
            var weights: [Double] = []
            for item in items {
                weights.append(try item.double(in: 0...1_000_000, "an activity weight must be 0 or more"))
            }
            guard weights.contains(where: { $0 > 0 }) else {
                throw value.invalid("at least one hour needs activity above 0.")
            }
            hourlyActivity = weights
        }
        if let value = mapping["channel_stickiness"] { channelStickiness = try value.probability() }
        if let value = mapping["max_steps"] { maxSteps = try value.int(in: 1...10_000) }
    }
}

extension JourneyParameters {
    static let keys = [
        "need_interval", "dormancy", "session_gap", "step_gap", "basket", "lapse", "abandon_lapse", "transitions",
        "delivery", "support", "review", "referral", "review_delay", "stars",
    ]

    mutating func override(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: JourneyParameters.keys)
        func positiveDuration(_ key: String) throws(ScenarioError) -> SimDuration? {
            guard let value = mapping[key] else { return nil }
            let duration = try value.duration()
            guard duration.milliseconds >= 1000 else {
                throw value.outOfRange(try value.string(), "must be at least 1s")
            }
            return duration
        }
        if let value = try positiveDuration("need_interval") { needInterval = value }
        if let value = try positiveDuration("dormancy") { dormancy = value }
        if let value = try positiveDuration("session_gap") { sessionGap = value }
        if let value = try positiveDuration("step_gap") { stepGap = value }
        if let value = try positiveDuration("delivery") { deliveryDelay = value }
        if let value = try positiveDuration("review_delay") { reviewDelay = value }
        if let value = mapping["basket"] {
            let basket = try value.mapping(allowed: ["median", "sigma"])
            if let median = basket["median"] {
                basketMedian = try median.double(
                    in: 0.01...10_000_000, "a median basket must be between 0.01 and 10,000,000")
            }
            if let sigma = basket["sigma"] {
                basketSigma = try sigma.double(in: 0...3, "sigma (log-space spread) must be between 0 and 3")
            }
        }
        if let value = mapping["lapse"] { lapse = try value.probability() }
        if let value = mapping["abandon_lapse"] { abandonLapse = try value.probability() }
        if let value = mapping["support"] { support = try value.probability() }
        if let value = mapping["review"] { review = try value.probability() }
        if let value = mapping["referral"] { referral = try value.probability() }
        if let value = mapping["stars"] {
            var shares = [Double](repeating: 0, count: 5)
            for entry in try value.openMapping().shares() {
                guard let star = Int(entry.key), (1...5).contains(star) else {
                    throw ScenarioError.invalidValue(
                        entry.location, path: "\(value.path).\(entry.key)", message: "stars are 1 to 5.")
                }
                shares[star - 1] = entry.share
            }
            stars = shares
        }
        if let value = mapping["transitions"] {
            let rows = try value.mapping(allowed: ["research", "cart", "checkout"])
            if let row = rows["research"] {
                research = try row.stepProbabilities(advance: "cart", stay: "research", back: nil)
            }
            if let row = rows["cart"] {
                cart = try row.stepProbabilities(advance: "checkout", stay: "cart", back: "research")
            }
            if let row = rows["checkout"] {
                checkout = try row.stepProbabilities(advance: "purchase", stay: nil, back: "research")
            }
        }
    }
}

extension ConfigNode {
    /// One row of the stage machine: the named outcomes plus `end`, all given, adding up to 1.
    func stepProbabilities(advance: String, stay: String?, back: String?) throws(ScenarioError) -> StepProbabilities {
        let keys = [advance, stay, back, "end"].compactMap { $0 }
        let mapping = try self.mapping(allowed: keys)
        var values: [String: Double] = [:]
        for entry in try mapping.shares() { values[entry.key] = entry.share }
        for key in keys where values[key] == nil {
            throw ScenarioError.missingKey(location, path: path, key: key)
        }
        let row = StepProbabilities(
            advance: values[advance] ?? 0, stay: stay.flatMap { values[$0] } ?? 0,
            back: back.flatMap { values[$0] } ?? 0, end: values["end"] ?? 0)
        guard row.stay < 1 else {
            throw invalid("'\(stay ?? "")' cannot be 1: the session would never leave this stage.")
        }
        return row
    }
}
