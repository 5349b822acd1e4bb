/// Finds the provider's message id in a JSON answer (`id`, `message_id`, `sid` or `name`, else
/// WhatsApp's `messages[0].id`) and tells a JSON object from anything else, in one pass over the
/// bytes and without Foundation: it runs once per accepted message on the load path, where
/// `JSONSerialization` cost more than sending the request.
///
/// It accepts exactly what the backend accepted before: a JSON object as `JSONSerialization`
/// reads it (UTF-8, no trailing content, at most 512 levels deep, the last of duplicate keys
/// counting, a trailing comma before `}` or `]` tolerated), which the tests check against
/// `JSONSerialization` on provider answers and on mutated and random bytes.
struct MessageIDParser {
    /// The keys looked at, in order of preference.
    static let keys: [[UInt8]] = ["id", "message_id", "sid", "name"].map { Array($0.utf8) }
    static let messagesKey = Array("messages".utf8)
    static let maxDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    /// Whether string values are decoded; when not, a found id is reported as "" (no allocation).
    private let decodesValues: Bool

    private init(_ bytes: UnsafeRawBufferPointer, decodesValues: Bool) {
        self.bytes = bytes
        self.decodesValues = decodesValues
    }

    /// The id, or nil when the body is not a JSON object or has none of the keys as a string.
    static func messageID(in bytes: UnsafeRawBufferPointer) -> String? {
        guard isValidUTF8(bytes) else { return nil }
        var parser = MessageIDParser(bytes, decodesValues: true)
        return parser.topLevelID()
    }

    /// Whether `messageID(in:)` would find an id, without making the string (when the answer's
    /// header already names the id, the body only has to be checked).
    static func hasMessageID(in bytes: UnsafeRawBufferPointer) -> Bool {
        guard isValidUTF8(bytes) else { return false }
        var parser = MessageIDParser(bytes, decodesValues: false)
        return parser.topLevelID() != nil
    }

    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private mutating func topLevelID() -> String? {
        skipWhitespace()
        // The last value of each of `keys` (a string, or nil when it was another type).
        var found: (String?, String?, String?, String?) = (nil, nil, nil, nil)
        var fromMessages: String?
        let valid = members(depth: 1) { parser, key in
            if let slot = Self.keys.firstIndex(where: { $0.elementsEqual(key.utf8) }) {
                guard let text = parser.stringOrSkip(depth: 1) else { return false }
                switch slot {
                case 0: found.0 = text
                case 1: found.1 = text
                case 2: found.2 = text
                default: found.3 = text
                }
                return true
            }
            if Self.messagesKey.elementsEqual(key.utf8) {
                guard let messages = parser.messagesID() else { return false }
                fromMessages = messages
                return true
            }
            return parser.value(depth: 1)
        }
        guard valid else { return nil }
        skipWhitespace()
        guard index == bytes.count else { return nil }
        return found.0 ?? found.1 ?? found.2 ?? found.3 ?? fromMessages
    }

    /// Walks an object's members (its `{` next): reads each key and hands the parser, at the
    /// value, to `member`, which consumes the value and returns false when it is not valid.
    /// False when the object is not valid JSON or nests deeper than `maxDepth`. With
    /// `readingKeys` false the keys are only checked, not decoded, and `member` gets "".
    private mutating func members(
        depth: Int, readingKeys: Bool = true, _ member: (inout MessageIDParser, String) -> Bool
    ) -> Bool {
        guard depth <= Self.maxDepth, take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard let key = readingKeys ? string() : (skipString() ? "" : nil) else { return false }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, key) else { return false }
            guard let more = separator(closing: UInt8(ascii: "}")) else { return false }
            if !more { return true }
        }
    }

    /// A value kept when it is a string (as "" when values are not decoded): nil when it is not
    /// valid JSON, `.some(nil)` when it is valid but not a string.
    private mutating func stringOrSkip(depth: Int) -> String?? {
        if peek() == UInt8(ascii: "\"") {
            guard let text = decodesValues ? string() : (skipString() ? "" : nil) else { return nil }
            return .some(text)
        }
        return value(depth: depth) ? .some(nil) : nil
    }

    /// A `messages` value: nil when it is not valid JSON; otherwise `.some` of the id of its
    /// first element when it is an array of objects whose first has a string `id` (as a
    /// `[[String: Any]]` cast sees it), `.some(nil)` when not.
    private mutating func messagesID() -> String?? {
        guard peek() == UInt8(ascii: "[") else { return value(depth: 1) ? .some(nil) : nil }
        index += 1
        var allObjects = true
        var firstID: String?
        var first = true
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return .some(nil) }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "{") {
                guard let id = objectID(depth: 2) else { return nil }
                if first { firstID = id }
            } else {
                allObjects = false
                guard value(depth: 2) else { return nil }
            }
            first = false
            guard let more = separator(closing: UInt8(ascii: "]")) else { return nil }
            if !more { break }
        }
        return .some(allObjects ? firstID : nil)
    }

    /// An object's string `id` (the last one counts): nil when not valid JSON, `.some(nil)`
    /// when it has no string `id`.
    private mutating func objectID(depth: Int) -> String?? {
        var id: String?
        let valid = members(depth: depth) { parser, key in
            guard key == "id" else { return parser.value(depth: depth + 1) }
            guard let text = parser.stringOrSkip(depth: depth + 1) else { return false }
            id = text
            return true
        }
        return valid ? .some(id) : nil
    }

    /// Skips one JSON value; false when it is not valid.
    private mutating func value(depth: Int) -> Bool {
        guard depth <= Self.maxDepth, let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "{"):
            return members(depth: depth, readingKeys: false) { parser, _ in parser.value(depth: depth + 1) }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if take(UInt8(ascii: "]")) { return true }
            while true {
                skipWhitespace()
                guard value(depth: depth + 1) else { return false }
                guard let more = separator(closing: UInt8(ascii: "]")) else { return false }
                if !more { return true }
            }
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        guard let first = peek(), isDigit(first) else { return false }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if take(UInt8(ascii: ".")) {
            guard let next = peek(), isDigit(next) else { return false }
            skipDigits()
        }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard let next = peek(), isDigit(next) else { return false }
            skipDigits()
        }
        return true
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Skips a string without decoding it; false when it is not a valid JSON string.
    private mutating func skipString() -> Bool {
        guard take(UInt8(ascii: "\"")) else { return false }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"): guard escapedScalar() != nil else { return false }
            case 0..<0x20: return false
            default: continue
            }
        }
        return false
    }

    /// A string, decoded; nil when it is not a valid JSON string.
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        // The common case, no escapes: one copy straight from the bytes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        var decoded = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let scalar = escapedScalar() else { return nil }
                UTF8.encode(scalar) { decoded.append($0) }
            case 0..<0x20: return nil
            default: decoded.append(byte)
            }
        }
        return nil
    }

    /// After a backslash: the character one escape stands for; nil when it is not valid.
    private mutating func escapedScalar() -> Unicode.Scalar? {
        guard let byte = peek() else { return nil }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): break
        default: return nil
        }
        guard let unit = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(unit) {
            // A high surrogate must be followed by an escaped low one.
            guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00..<0xE000).contains(low)
            else { return nil }
            return Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
        }
        return Unicode.Scalar(UInt32(unit))  // nil for a lone low surrogate
    }

    private mutating func hex4() -> UInt16? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// After a member of an object or array: true when another follows (a comma), false at the
    /// end (the closing bracket, which may follow a trailing comma, as JSONSerialization allows),
    /// nil when neither.
    private mutating func separator(closing: UInt8) -> Bool? {
        skipWhitespace()
        if take(UInt8(ascii: ",")) {
            skipWhitespace()
            return !take(closing)
        }
        return take(closing) ? false : nil
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }
}
