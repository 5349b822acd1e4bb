/// A plain HTML table of already formatted cells; the first column is the row label.
struct HTMLTable {
    var header: [String]
    var rows: [[String]]
    var cssClass: String?

    init(header: [String], rows: [[String]], cssClass: String? = nil) {
        self.header = header
        self.rows = rows
        self.cssClass = cssClass
    }

    func html() -> String {
        var out = "<table\(cssClass.map { " class=\"\($0)\"" } ?? "")>\n<thead><tr>"
        out += header.map { "<th>\(HTMLText.escape($0))</th>" }.joined()
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr>" + row.map { "<td>\(HTMLText.escape($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}
