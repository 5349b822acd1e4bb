/// A line chart over equally spaced points (days, seconds), with a left axis and an optional
/// right axis for series of a different unit or size.
struct LineChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double]
        var rightAxis = false
        var dashed = false
    }

    var labels: [String]
    var series: [Series]
    var leftFormat: ChartValueFormat = .count
    var rightFormat: ChartValueFormat = .count
    var leftTitle = ""
    var rightTitle = ""
    var width = 960.0
    var height = 300.0

    func svg(label: String) -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let hasRight = series.contains(where: \.rightAxis)
        let left = 78.0
        let right = hasRight ? 78.0 : 20.0
        let bottom = 44.0
        let legend = series.map { ($0.name + ($0.rightAxis && hasRight ? " (right axis)" : ""), $0.color) }
        let legendHeight = ChartLegend(items: legend).draw(into: &canvas, x: left, y: 6, width: width - left - right)
        let top = 20 + legendHeight
        let leftScale = ChartScale(
            values: series.filter { !$0.rightAxis }.flatMap(\.values), pixelLower: height - bottom, pixelUpper: top)
        let rightScale = ChartScale(
            values: series.filter(\.rightAxis).flatMap(\.values), pixelLower: height - bottom, pixelUpper: top)
        for tick in leftScale.ticks {
            canvas.line(
                x1: left, y1: leftScale(tick), x2: width - right, y2: leftScale(tick), stroke: ChartPalette.grid)
            canvas.text(
                leftFormat.tick(tick), x: left - 6, y: leftScale(tick) + 4, anchor: .end, size: 11,
                fill: ChartPalette.axis)
        }
        if hasRight {
            for tick in rightScale.ticks {
                canvas.text(
                    rightFormat.tick(tick), x: width - right + 6, y: rightScale(tick) + 4, size: 11,
                    fill: ChartPalette.axis)
            }
            canvas.text(
                rightTitle, x: width - 12, y: (top + height - bottom) / 2, anchor: .middle, size: 11,
                fill: ChartPalette.axis, rotate: 90)
        }
        canvas.text(
            leftTitle, x: 14, y: (top + height - bottom) / 2, anchor: .middle, size: 11, fill: ChartPalette.axis,
            rotate: -90)
        canvas.line(x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: ChartPalette.axis)
        guard !labels.isEmpty else { return canvas.svg(label: label) }
        let step = labels.count > 1 ? (width - left - right) / Double(labels.count - 1) : 0
        func x(_ index: Int) -> Double { labels.count > 1 ? left + Double(index) * step : (left + width - right) / 2 }
        let every = max(1, Int((Double(labels.count) / 12).rounded(.up)))
        for index in labels.indices where index % every == 0 {
            canvas.line(
                x1: x(index), y1: height - bottom, x2: x(index), y2: height - bottom + 4, stroke: ChartPalette.axis)
            canvas.text(labels[index], x: x(index), y: height - bottom + 18, anchor: .middle, size: 11)
        }
        for s in series {
            let scale = s.rightAxis ? rightScale : leftScale
            let format = s.rightAxis ? rightFormat : leftFormat
            let points = s.values.indices.map { (x: x($0), y: scale(s.values[$0])) }
            canvas.polyline(points, stroke: s.color, dashed: s.dashed)
            for (index, point) in points.enumerated() {
                canvas.circle(
                    cx: point.x, cy: point.y, r: 2.5, fill: s.color,
                    title: "\(labels[safe: index] ?? ""): \(s.name) \(format.exact(s.values[index]))")
            }
        }
        return canvas.svg(label: label)
    }
}
