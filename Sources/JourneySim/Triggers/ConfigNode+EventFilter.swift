import Foundation

/// Reading what campaigns name and compare: events, channels, times of day and event filters
/// (a trigger's `filter`, a branch step's `when`), with the properties a trigger event carries.
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
