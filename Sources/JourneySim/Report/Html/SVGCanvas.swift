import Foundation

/// Collects the shapes of one inline SVG image. Coordinates are in the image's own units
/// (`viewBox`), so the chart scales with the page; every text is escaped.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body = ""

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// A tooltip shown on hover (the SVG `<title>` child), with the exact figure.
    private static func tooltip(_ title: String?) -> String {
        title.map { "<title>\(HTMLText.escape($0))</title>" } ?? ""
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, title: String? = nil, cssClass: String? = nil
    ) {
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        let shape =
            "<rect\(classAttribute) x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(max(0, width)))\" height=\"\(n(max(0, height)))\" fill=\"\(fill)\""
        if let title { body += shape + ">\(Self.tooltip(title))</rect>\n" } else { body += shape + "/>\n" }
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false
    ) {
        body +=
            "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(dashed ? " stroke-dasharray=\"4 3\"" : "")/>\n"
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
        bold: Bool = false, fill: String = ChartPalette.text, rotate: Double? = nil
    ) {
        let transform = rotate.map { " transform=\"rotate(\(n($0)) \(n(x)) \(n(y)))\"" } ?? ""
        body +=
            "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor.rawValue)\" font-size=\"\(n(size))\"\(bold ? " font-weight=\"bold\"" : "") fill=\"\(fill)\"\(transform)>\(HTMLText.escape(text))</text>\n"
    }

    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dashed: Bool = false)
    {
        guard !points.isEmpty else { return }
        let list = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        body +=
            "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(n(width))\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, title: String? = nil) {
        body +=
            "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(fill)\">\(Self.tooltip(title))</circle>\n"
    }

    /// The finished `<svg>` element; `label` is read out by screen readers.
    func svg(label: String) -> String {
        "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\" font-family=\"system-ui, sans-serif\">\n\(body)</svg>"
    }

    /// One decimal is plenty for screen coordinates and keeps the page small.
    private func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int64(tenths / 10)) : String(tenths / 10)
    }
}
