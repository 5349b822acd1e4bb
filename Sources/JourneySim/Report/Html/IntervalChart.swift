/// A forest plot: one row per estimate with its 95% confidence interval, against a dashed zero
/// line, so "does the interval exclude zero" can be read at a glance.
struct IntervalChart {
    struct Row {
        var label: String
        var interval: ConfidenceInterval
        var color: String = ChartPalette.treatment
    }

    var rows: [Row]
    var format: ChartValueFormat = .percentagePoints
    var width = 960.0

    func svg(label: String) -> String {
        let rowHeight = 34.0
        let top = 16.0
        let bottom = 30.0
        let height = top + bottom + rowHeight * Double(max(1, rows.count))
        var canvas = SVGCanvas(width: width, height: height)
        let labelWidth = min(260, max(120, (rows.map { ChartLegend.textWidth($0.label, size: 12) }.max() ?? 0) + 16))
        let valueWidth = 250.0
        let left = labelWidth
        let right = width - valueWidth
        let finite = rows.flatMap { [$0.interval.lower, $0.interval.upper, $0.interval.estimate] }.filter(\.isFinite)
        let scale = ChartScale(values: finite, pixelLower: left, pixelUpper: right, tickCount: 6)
        for tick in scale.ticks {
            canvas.line(x1: scale(tick), y1: top, x2: scale(tick), y2: height - bottom, stroke: ChartPalette.grid)
            canvas.text(
                format.tick(tick), x: scale(tick), y: height - bottom + 16, anchor: .middle, size: 11,
                fill: ChartPalette.axis)
        }
        canvas.line(
            x1: scale(0), y1: top - 6, x2: scale(0), y2: height - bottom, stroke: ChartPalette.axis, width: 1.5,
            dashed: true)
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            let i = row.interval
            canvas.text(row.label, x: left - 10, y: y + 4, anchor: .end, size: 12)
            canvas.line(x1: scale(i.lower), y1: y, x2: scale(i.upper), y2: y, stroke: row.color, width: 2.5)
            canvas.line(x1: scale(i.lower), y1: y - 7, x2: scale(i.lower), y2: y + 7, stroke: row.color, width: 2)
            canvas.line(x1: scale(i.upper), y1: y - 7, x2: scale(i.upper), y2: y + 7, stroke: row.color, width: 2)
            let text = "\(format.signed(i.estimate)) [\(format.signed(i.lower)), \(format.signed(i.upper))]"
            canvas.circle(cx: scale(i.estimate), cy: y, r: 5, fill: row.color, title: "\(row.label): \(text)")
            canvas.text(text + (i.excludesZero ? " *" : ""), x: right + 12, y: y + 4, size: 12, bold: i.excludesZero)
        }
        return canvas.svg(label: label)
    }
}
