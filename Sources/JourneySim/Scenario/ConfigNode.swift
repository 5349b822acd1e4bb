import Foundation
import Yams

/// A node of a parsed scenario document that knows where it came from (file, line, column and
/// field path), so every conversion can fail with an error a user can act on.
///
/// Scenario decoding is written out by hand over these nodes rather than with `Codable` because
/// users need line numbers, "did you mean" hints for unknown keys and range checks that name
/// the field, none of which `DecodingError` gives.
public struct ConfigNode {
    let node: Node
    /// Dotted field path from the document root, e.g. `journeys.routine.transitions.cart`.
    public let path: String
    let file: String

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    public var location: SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    func child(_ node: Node, key: String) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// How the node reads to a person, for "expected X, found Y" messages.
    var foundDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if scalar.style == .plain || scalar.style == .any {
                if node.null != nil { return "nothing (null)" }
                if node.bool != nil { return "the boolean \(scalar.string)" }
                if integer != nil || float != nil { return "the number \(scalar.string)" }
            }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "the text \"\(text)\""
        }
    }

    /// The scalar as a whole number, as YAML reads one, except YAML 1.1's base-60 numbers
    /// (`1:30`): YAML 1.2 dropped them, they read as times to a person, and Yams' reading of a
    /// long one traps on overflow (`100035:+000:…`, found by the fuzzer).
    var integer: Int? { isSexagesimal ? nil : node.int }

    /// The scalar as a floating-point number, with the same exception as `integer`.
    var float: Double? { isSexagesimal ? nil : node.float }

    var isSexagesimal: Bool {
        guard case let .scalar(scalar) = node else { return false }
        return scalar.string.contains(":")
    }

    func wrongType(_ expected: String) -> ScenarioError {
        .wrongType(location, path: path, expected: expected, found: foundDescription)
    }

    func invalid(_ message: String) -> ScenarioError {
        .invalidValue(location, path: path, message: message)
    }

    func outOfRange(_ value: String, _ requirement: String) -> ScenarioError {
        .outOfRange(location, path: path, value: value, requirement: requirement)
    }

    var isPlainScalar: Bool {
        if case let .scalar(scalar) = node { return scalar.style == .plain || scalar.style == .any }
        return false
    }

    // MARK: Scalars

    public func string() throws(ScenarioError) -> String {
        guard case let .scalar(scalar) = node, node.null == nil || !isPlainScalar else {
            throw wrongType("text")
        }
        return scalar.string
    }

    public func bool() throws(ScenarioError) -> Bool {
        guard isPlainScalar, let value = node.bool else { throw wrongType("true or false") }
        return value
    }

    /// A finite number (integers are accepted as numbers).
    public func double() throws(ScenarioError) -> Double {
        guard isPlainScalar, node.bool == nil, let value = float ?? integer.map(Double.init) else {
            throw wrongType("a number")
        }
        guard value.isFinite else { throw outOfRange(String(describing: value), "must be a finite number") }
        return value
    }

    public func double(in range: ClosedRange<Double>, _ requirement: String? = nil) throws(ScenarioError) -> Double {
        let value = try double()
        guard range.contains(value) else {
            throw outOfRange(
                value.formatted6,
                requirement ?? "must be between \(range.lowerBound.formatted6) and \(range.upperBound.formatted6)")
        }
        return value
    }

    public func probability() throws(ScenarioError) -> Double {
        try double(in: 0...1, "a probability must be between 0 and 1")
    }

    public func positive() throws(ScenarioError) -> Double {
        let value = try double()
        guard value > 0 else { throw outOfRange(value.formatted6, "must be greater than 0") }
        return value
    }

    public func int() throws(ScenarioError) -> Int {
        guard isPlainScalar, node.bool == nil else { throw wrongType("a whole number") }
        if let value = integer { return value }
        if let value = float, value.isFinite {
            if value == value.rounded(), abs(value) < 9e15 { return Int(value) }
            if value.rounded() == value { throw outOfRange(value.formatted6, "too large for a whole number") }
        }
        throw wrongType("a whole number")
    }

    public func int(in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        let value = try int()
        guard range.contains(value) else {
            throw outOfRange(String(value), "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// A span of time written with a unit: `250ms`, `90s`, `30m`, `24h`, `3d`, `2w` (decimals
    /// allowed; the result is rounded to whole milliseconds).
    public func duration() throws(ScenarioError) -> SimDuration {
        let text: String
        if isPlainScalar, integer != nil || float != nil {
            throw invalid("a duration needs a unit: write e.g. \"30m\", \"24h\" or \"3d\" (ms, s, m, h, d, w).")
        }
        text = try string().trimmingCharacters(in: .whitespaces)
        switch ConfigNode.parseDuration(text) {
        case let .success(duration): return duration
        case .failure(.notADuration):
            throw invalid(
                "'\(text)' is not a duration: write a number and a unit, e.g. \"30m\", \"24h\" or \"3d\" (ms, s, m, h, d, w)."
            )
        case .failure(.negative): throw outOfRange(text, "a duration cannot be negative")
        case .failure(.tooLong): throw outOfRange(text, "durations are limited to 100 years")
        }
    }

    enum DurationProblem: Error { case notADuration, negative, tooLong }

    /// `text` (`250ms`, `90s`, `3d`, …) as a duration, for durations inside other text (journey conditions).
    static func parseDuration(_ text: String) -> Result<SimDuration, DurationProblem> {
        let milliseconds = text.hasSuffix("ms")
        let number = milliseconds ? text.dropLast(2) : text.dropLast()
        guard let unit = text.last, let factor = milliseconds ? 0.001 : ConfigNode.durationUnits[unit],
            let amount = Double(number.trimmingCharacters(in: .whitespaces)), amount.isFinite
        else { return .failure(.notADuration) }
        guard amount >= 0 else { return .failure(.negative) }
        guard amount * factor < 3.2e9 else { return .failure(.tooLong) }
        return .success(.seconds(amount * factor))
    }

    static let durationUnits: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    public func list() throws(ScenarioError) -> [ConfigNode] {
        guard case let .sequence(sequence) = node else { throw wrongType("a list") }
        return sequence.enumerated().map { child($0.element, key: String($0.offset)) }
    }

    /// The node as a mapping whose keys must all be among `allowed`; an unknown key fails with
    /// the closest allowed key as a hint.
    public func mapping(allowed: [String]) throws(ScenarioError) -> ConfigMapping {
        let mapping = try openMapping()
        for entry in mapping.entries where !allowed.contains(entry.key) {
            throw .unknownKey(
                entry.keyLocation, path: path, key: entry.key,
                suggestion: Suggestion.closest(to: entry.key, in: allowed), allowed: allowed)
        }
        return mapping
    }

    /// The node as a mapping with free-form keys (mixes keyed by name).
    public func openMapping() throws(ScenarioError) -> ConfigMapping {
        guard case let .mapping(mapping) = node else { throw wrongType("a mapping of keys to values") }
        var entries: [ConfigMapping.Entry] = []
        var merged: [Node] = []
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key else {
                throw ConfigNode(node: key, path: path, file: file).wrongType("a plain key")
            }
            // YAML merge keys (`<<: *anchor`) pull in another mapping's entries.
            if scalar.string == "<<" && scalar.style != .singleQuoted && scalar.style != .doubleQuoted {
                switch value {
                case .mapping: merged.append(value)
                case let .sequence(items): merged.append(contentsOf: items)
                default: throw child(value, key: "<<").wrongType("a mapping (or list of mappings) to merge")
                }
                continue
            }
            let keyNode = ConfigNode(node: key, path: path, file: file)
            entries.append(
                .init(key: scalar.string, keyLocation: keyNode.location, value: child(value, key: scalar.string)))
        }
        // Explicit keys win over merged ones; earlier merged mappings win over later ones.
        for source in merged {
            let inner = try child(source, key: "<<").openMapping()
            for entry in inner.entries where !entries.contains(where: { $0.key == entry.key }) {
                entries.append(
                    .init(
                        key: entry.key, keyLocation: entry.keyLocation, value: child(entry.value.node, key: entry.key)))
            }
        }
        return ConfigMapping(node: self, entries: entries)
    }
}

/// A mapping's entries in document order.
public struct ConfigMapping {
    public struct Entry {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ConfigNode
    }

    public let node: ConfigNode
    public let entries: [Entry]

    public subscript(key: String) -> ConfigNode? {
        entries.first { $0.key == key }?.value
    }

    public func required(_ key: String) throws(ScenarioError) -> ConfigNode {
        guard let value = self[key] else { throw .missingKey(node.location, path: node.path, key: key) }
        return value
    }

    /// Reads a mix of named shares that must add up to 1 (within 1e-6).
    public func shares() throws(ScenarioError) -> [(key: String, location: SourceLocation, share: Double)] {
        var result: [(key: String, location: SourceLocation, share: Double)] = []
        var sum = 0.0
        for entry in entries {
            let share = try entry.value.double(in: 0...1, "a share must be between 0 and 1")
            sum += share
            result.append((entry.key, entry.keyLocation, share))
        }
        guard !result.isEmpty else { throw node.invalid("the mix is empty; give at least one share.") }
        guard abs(sum - 1) <= 1e-6 else { throw .mixDoesNotSumToOne(node.location, path: node.path, sum: sum) }
        return result
    }
}
