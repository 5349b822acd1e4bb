/// The colour key drawn across the top of a chart, wrapping onto further rows when needed.
struct ChartLegend {
    var items: [(name: String, color: String)]

    /// Draws the key from (`x`, `y`) within `width`; returns the height used.
    @discardableResult
    func draw(into canvas: inout SVGCanvas, x: Double, y: Double, width: Double) -> Double {
        guard !items.isEmpty else { return 0 }
        var cursor = x
        var row = 0.0
        for item in items {
            let itemWidth = 18 + ChartLegend.textWidth(item.name, size: 12) + 16
            if cursor + itemWidth > x + width, cursor > x {
                cursor = x
                row += 18
            }
            canvas.rect(x: cursor, y: y + row, width: 12, height: 12, fill: item.color)
            canvas.text(item.name, x: cursor + 16, y: y + row + 10.5, size: 12)
            cursor += itemWidth
        }
        return row + 20
    }

    /// A conservative estimate of a label's width in a sans-serif font, for layout without a renderer.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }
}
