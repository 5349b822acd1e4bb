/// Where in a scenario file something was found: file, 1-based line and column.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// Everything that can be wrong with a scenario, each naming the file, line, field path and
/// what to do about it. The CLI prints `description` and exits with code 2.
public enum ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, bytes: Int, limitBytes: Int)
    case syntax(SourceLocation, problem: String)
    case emptyDocument(path: String)
    case unknownKey(SourceLocation, path: String, key: String, suggestion: String?, allowed: [String])
    case missingKey(SourceLocation, path: String, key: String)
    case wrongType(SourceLocation, path: String, expected: String, found: String)
    case outOfRange(SourceLocation, path: String, value: String, requirement: String)
    case invalidValue(SourceLocation, path: String, message: String)
    case mixDoesNotSumToOne(SourceLocation, path: String, sum: Double)
    case tooDeep(SourceLocation, path: String, limit: Int)
    case tooManyValues(SourceLocation, limit: Int)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "\(path): no such scenario file. Ready-made ones are in scenarios/ (try scenarios/baseline.yaml)."
        case let .unreadable(path, reason):
            return "\(path): cannot read the scenario file: \(reason)"
        case let .tooLarge(path, bytes, limit):
            return "\(path): the scenario file is \(bytes) bytes; scenario files are limited to \(limit) bytes."
        case let .syntax(location, problem):
            return "\(location): YAML/JSON syntax error: \(problem)"
        case let .emptyDocument(path):
            return
                "\(path): the scenario file is empty; it needs at least `population.customers` (see scenarios/baseline.yaml)."
        case let .unknownKey(location, path, key, suggestion, allowed):
            let key = Self.clip(key)
            let field = Self.clip(path.isEmpty ? key : "\(path).\(key)", limit: 240)
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return
                "\(location): \(field): unknown key '\(key)'.\(hint) Allowed here: \(allowed.joined(separator: ", "))."
        case let .missingKey(location, path, key):
            let field = Self.clip(path.isEmpty ? key : "\(path).\(key)", limit: 240)
            return "\(location): \(field): required key is missing."
        case let .wrongType(location, path, expected, found):
            return "\(location): \(Self.clip(path, limit: 240)): expected \(expected), found \(found)."
        case let .outOfRange(location, path, value, requirement):
            return "\(location): \(Self.clip(path, limit: 240)): \(Self.clip(value)) is out of range: \(requirement)."
        case let .invalidValue(location, path, message):
            return "\(location): \(Self.clip(path, limit: 240)): \(Self.clip(message, limit: 600))"
        case let .mixDoesNotSumToOne(location, path, sum):
            return
                "\(location): \(Self.clip(path, limit: 240)): the shares add up to \(sum.formatted6); they must add up to 1."
        case let .tooManyValues(location, limit):
            return
                "\(location): the document holds more than \(limit) values once its YAML aliases (*name) are expanded; write the repeated parts out, or fewer of them."
        case let .tooDeep(location, path, limit):
            return
                "\(location): \(Self.clip(path, limit: 240)): nested more than \(limit) levels deep; scenario files are flat mappings."
        }
    }
}

extension ScenarioError {
    /// Values and messages quote what the file says; a long value (a whole document pasted into
    /// one field, say) is cut so an error stays a line or two.
    static func clip(_ text: String, limit: Int = 160) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " …"
    }
}

extension Double {
    /// Up to six significant decimals, without trailing zeros: for messages, not for results.
    var formatted6: String {
        var text = String((self * 1_000_000).rounded() / 1_000_000)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
