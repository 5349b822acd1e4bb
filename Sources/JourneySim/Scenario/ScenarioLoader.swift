import Foundation
import Yams

/// Reads a scenario file (YAML, or JSON, which is valid YAML) into a validated `Scenario`.
public enum ScenarioLoader {
    /// Scenario files are small; anything larger is a mistake (or an attack) and is refused.
    public static let maxFileBytes = 1 << 20
    /// Deepest flow nesting (`[` / `{`) accepted before parsing, to keep the parser's recursion bounded.
    public static let maxNesting = 64
    /// Most values a document may hold once its aliases are expanded. A 1 MiB file of plain YAML
    /// holds far fewer; aliases that repeat aliases can multiply a few lines into millions of
    /// campaigns, steps or caps, each of which the run would hold in memory.
    public static let maxExpandedValues = 200_000

    /// Loads a single-strategy scenario file (for a file with `strategies:`, its first strategy).
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        try loadStrategies(path: path)[0]
    }

    /// Reads a scenario file's text, refusing missing, unreadable, oversized or non-UTF-8 files,
    /// and returns it with the default scenario name (the file name without extension).
    static func read(path: String) throws(ScenarioError) -> (text: String, name: String) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a folder, not a file") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= maxFileBytes else {
            throw .tooLarge(path: path, bytes: data.count, limitBytes: maxFileBytes)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "it is not UTF-8 text")
        }
        return (text, sanitisedName(url.deletingPathExtension().lastPathComponent))
    }

    /// Parses scenario text; `file` is used in error messages.
    public static func parse(
        _ text: String, file: String, defaultName: String = "scenario"
    ) throws(ScenarioError) -> Scenario {
        try parseStrategies(text, file: file, defaultName: defaultName)[0]
    }

    static func document(_ text: String, file: String) throws(ScenarioError) -> ConfigNode? {
        try checkNesting(text, file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file, text: text)
        } catch {
            throw .syntax(SourceLocation(file: file, line: 0, column: 0), problem: clipped(String(describing: error)))
        }
        guard let node else { return nil }
        try checkExpandedSize(node, file: file)
        if case .scalar = node, node.null != nil { return nil }
        return ConfigNode(node: node, path: "", file: file)
    }

    /// Refuses a document that holds more than `maxExpandedValues` values, or nests deeper than
    /// `maxNesting`, with its aliases expanded (as every later reader sees it). Walked with an
    /// explicit stack that stops at the limit, so the check itself costs at most the limit.
    static func checkExpandedSize(_ root: Node, file: String) throws(ScenarioError) {
        var stack: [(node: Node, depth: Int)] = [(root, 0)]
        var values = 0
        while let (node, depth) = stack.popLast() {
            values += 1
            let mark = node.mark
            let location = SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
            if values > maxExpandedValues {
                throw .tooManyValues(location, limit: maxExpandedValues)
            }
            if depth > maxNesting { throw .tooDeep(location, path: "(document)", limit: maxNesting) }
            switch node {
            case let .mapping(mapping):
                for (key, value) in mapping {
                    stack.append((key, depth + 1))
                    stack.append((value, depth + 1))
                }
            case let .sequence(sequence):
                for item in sequence { stack.append((item, depth + 1)) }
            case .scalar, .alias:
                break
            }
        }
    }

    /// A located syntax error that quotes the offending line, never the document: the parser's
    /// own context for some errors is the whole mapping it was reading (for a duplicate key at the
    /// top level, the whole file).
    static func syntaxError(_ error: YamlError, file: String, text: String) -> ScenarioError {
        func located(line: Int, column: Int, _ problem: String) -> ScenarioError {
            let quoted = SourceExcerpt.line(line, of: text).map { "\n  | \($0)" } ?? ""
            return .syntax(SourceLocation(file: file, line: line, column: column), problem: clipped(problem) + quoted)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let prefix = context.map { "\(clipped($0.text)) " } ?? ""
            return located(line: mark.line, column: mark.column, prefix + problem)
        case let .reader(problem, _, _, _):
            return .syntax(SourceLocation(file: file, line: 0, column: 0), problem: clipped(problem))
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? "?"
            if let place = SourceExcerpt.secondKey(key, from: context.mark.line, in: text) {
                return located(
                    line: place.line, column: place.column,
                    "key '\(key)' appears twice in one mapping (first on line \(place.firstLine)); keep one")
            }
            return located(
                line: context.mark.line, column: context.mark.column,
                "duplicated key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the mapping that starts here; keep one of each"
            )
        default:
            return .syntax(SourceLocation(file: file, line: 0, column: 0), problem: clipped(String(describing: error)))
        }
    }

    /// The first line of a parser's message, clipped: some of them carry the input they were reading.
    static func clipped(_ text: String, limit: Int = 160) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let firstLine = trimmed.prefix { $0 != "\n" }
        let cut = firstLine.count > limit || firstLine.count < trimmed.count
        return cut ? String(firstLine.prefix(limit)) + " …" : String(firstLine)
    }

    /// Refuses documents nested deeper than `maxNesting` before the recursive composer sees them:
    /// flow collections (`[` / `{`), compact block sequences (`- - - x`) and block indentation
    /// (more than `maxNesting` × 4 columns), so the parser's recursion stays bounded.
    static func checkNesting(_ text: String, file: String) throws(ScenarioError) {
        var depth = 0
        var line = 1
        var column = 0
        var quote: UInt8? = nil
        // Leading spaces and compact `- ` indicators of the current line, while still at its start.
        var atLineStart = true
        var indent = 0
        var dashes = 0
        var previous: UInt8 = 0
        var inComment = false
        func tooDeep() -> ScenarioError {
            .tooDeep(SourceLocation(file: file, line: line, column: column), path: "(document)", limit: maxNesting)
        }
        for byte in text.utf8 {
            column += 1
            defer { previous = byte }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                atLineStart = true
                indent = 0
                dashes = 0
                // A quote left open at the end of a line (an apostrophe in a plain scalar) stops
                // there: counting brackets after it errs on the strict side.
                quote = nil
                inComment = false
                continue
            }
            if inComment { continue }
            if atLineStart, quote == nil {
                switch byte {
                case UInt8(ascii: " "):
                    if previous == UInt8(ascii: "-") || previous == UInt8(ascii: "?") {
                        dashes += 1
                        if dashes + depth > maxNesting { throw tooDeep() }
                    } else if dashes == 0 {
                        indent += 1
                        if indent > maxNesting * 4 { throw tooDeep() }
                    }
                    continue
                case UInt8(ascii: "-"), UInt8(ascii: "?"):
                    continue
                default:
                    atLineStart = false
                }
            }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "#") where previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || column == 1:
                inComment = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth + dashes > maxNesting { throw tooDeep() }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
    }

    static func sanitisedName(_ name: String) -> String {
        let allowed = name.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_"
        }
        let text = String(allowed.prefix(80))
        return text.isEmpty ? "scenario" : text
    }
}
