/// A JSON value with object keys in a fixed order, written without Foundation so that payloads
/// are byte-identical run to run and cheap to render on the load path.
enum WireJSON: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case array([WireJSON])
    case object([(String, WireJSON)])
    /// Pre-formatted JSON text (a number written by the caller).
    case raw(String)

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case let .string(text): WireJSON.writeString(text, to: &out)
        case let .int(value): out.append(contentsOf: String(value).utf8)
        case let .bool(value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case let .raw(text): out.append(contentsOf: text.utf8)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                WireJSON.writeString(member.0, to: &out)
                out.append(UInt8(ascii: ":"))
                member.1.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// `application/x-www-form-urlencoded` encoding as the common SMS APIs expect it.
enum FormEncoding {
    /// Runs once per SMS on the load path, so it measures first and then writes the bytes
    /// straight into an array of the exact size.
    static func encode(_ fields: [(String, String)]) -> [UInt8] {
        var size = max(0, fields.count - 1)
        for (name, value) in fields { size += escapedCount(name) + 1 + escapedCount(value) }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var offset = 0
            for (index, field) in fields.enumerated() {
                if index > 0 {
                    buffer[offset] = UInt8(ascii: "&")
                    offset += 1
                }
                offset = escape(field.0, into: buffer, at: offset)
                buffer[offset] = UInt8(ascii: "=")
                offset += 1
                offset = escape(field.1, into: buffer, at: offset)
            }
            count = offset
        }
    }

    /// Bytes sent as they are; a space becomes `+`, anything else `%XX`.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "*"):
            return true
        default:
            return false
        }
    }

    static func escapedCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = 0
            for byte in bytes { count += isUnreserved(byte) || byte == UInt8(ascii: " ") ? 1 : 3 }
            return count
        }
    }

    /// Writes `text` escaped at `offset`; returns the offset after it.
    static func escape(_ text: String, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        var text = text
        return text.withUTF8 { escape($0, into: buffer, at: offset) }
    }

    static func escape(
        _ bytes: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int
    ) -> Int {
        var offset = offset
        for byte in bytes {
            if isUnreserved(byte) {
                buffer[offset] = byte
                offset += 1
            } else if byte == UInt8(ascii: " ") {
                buffer[offset] = UInt8(ascii: "+")
                offset += 1
            } else {
                buffer[offset] = UInt8(ascii: "%")
                buffer[offset + 1] = hexDigit(byte >> 4)
                buffer[offset + 2] = hexDigit(byte & 0xF)
                offset += 3
            }
        }
        return offset
    }

    /// An upper-case hex digit for a value 0...15.
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    /// Decodes a form body into its fields in order; nil if it is not valid form encoding.
    static func decode(_ bytes: some Collection<UInt8>) -> [(String, String)]? {
        guard !bytes.isEmpty else { return [] }
        var fields: [(String, String)] = []
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = unescape(parts[0]), let value = unescape(parts[1]), !key.isEmpty else {
                return nil
            }
            fields.append((key, value))
        }
        return fields
    }

    static func unescape(_ bytes: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
