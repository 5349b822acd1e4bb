/// Escaping for text and attribute values placed in the HTML report and its inline SVG.
enum HTMLText {
    /// Escapes `&`, `<`, `>`, `"` and `'` so that any scenario, campaign or strategy name is shown
    /// as text and can never open a tag or end an attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
