import Foundation

/// The piece of a scenario file an error quotes: one line, clipped, never the file.
enum SourceExcerpt {
    /// Longest quote of a line, in characters.
    static let maxLength = 120

    /// Line `number` (1-based) of `text`, trimmed and clipped to `maxLength`, or nil if there is no such line.
    static func line(_ number: Int, of text: String) -> String? {
        guard number >= 1 else { return nil }
        var current = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            defer { current += 1 }
            guard current == number else { continue }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { return nil }
            return trimmed.count <= maxLength ? trimmed : String(trimmed.prefix(maxLength)) + " …"
        }
        return nil
    }

    /// Where `key` stands for the second time at the indentation of its first appearance, from
    /// line `start` on (the mapping the parser found it twice in): 1-based line and column, and
    /// the line of the first appearance.
    static func secondKey(_ key: String, from start: Int, in text: String) -> (line: Int, column: Int, firstLine: Int)?
    {
        let spellings = [key + ":", "\"\(key)\":", "'\(key)':", "\"\(key)\" :", key + " :"]
        var first: (line: Int, column: Int)?
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard number >= start else { continue }
            // Look at every place the key could start on this line: after indentation, a "- ",
            // a "{" or a ", " (flow mappings, JSON).
            let characters = Array(line)
            var index = 0
            while index < characters.count {
                let boundary = index == 0 || " \t{,-".contains(characters[index - 1])
                if boundary, characters[index] != " " {
                    let rest = String(characters[index...])
                    if spellings.contains(where: { rest.hasPrefix($0) }) {
                        let column = index + 1
                        if let first {
                            if column == first.column || line.contains("{") { return (number, column, first.line) }
                        } else {
                            first = (number, column)
                        }
                    }
                }
                index += 1
            }
        }
        return nil
    }
}
