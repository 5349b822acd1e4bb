/// A vertical bar chart: per category, one bar per series side by side, or stacked into one bar.
/// Optional 95% confidence intervals are drawn as whiskers on grouped bars.
struct BarChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double]
        /// Per category, the interval to draw as a whisker (nil: none).
        var intervals: [ConfidenceInterval?]? = nil
    }

    var categories: [String]
    var series: [Series]
    var stacked = false
    var format: ChartValueFormat = .count
    var valueLabels = true
    var width = 960.0
    var height = 320.0

    func svg(label: String) -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let left = 78.0
        let right = 16.0
        let bottom = 46.0
        let legendHeight = ChartLegend(items: series.map { ($0.name, $0.color) })
            .draw(into: &canvas, x: left, y: 6, width: width - left - right)
        let top = 14 + legendHeight + (valueLabels ? 12 : 0)
        let scale = ChartScale(values: extremes, pixelLower: height - bottom, pixelUpper: top)
        for tick in scale.ticks {
            canvas.line(x1: left, y1: scale(tick), x2: width - right, y2: scale(tick), stroke: ChartPalette.grid)
            canvas.text(
                format.tick(tick), x: left - 6, y: scale(tick) + 4, anchor: .end, size: 11, fill: ChartPalette.axis)
        }
        canvas.line(x1: left, y1: scale(0), x2: width - right, y2: scale(0), stroke: ChartPalette.axis)
        guard !categories.isEmpty else { return canvas.svg(label: label) }
        let groupWidth = (width - left - right) / Double(categories.count)
        let barCount = stacked ? 1 : max(1, series.count)
        let bar = BarGeometry(width: min(90, groupWidth * 0.78 / Double(barCount)), scale: scale)
        for (index, category) in categories.enumerated() {
            let groupStart = left + Double(index) * groupWidth + (groupWidth - bar.width * Double(barCount)) / 2
            let categorySize = min(12, groupWidth / max(1, Double(category.count)) / 0.6)
            canvas.text(
                category, x: left + (Double(index) + 0.5) * groupWidth, y: height - bottom + 18,
                anchor: .middle, size: max(8, categorySize))
            if stacked {
                drawStack(index, category, x: groupStart, bar, into: &canvas)
            } else {
                drawGroup(index, category, x: groupStart, bar, into: &canvas)
            }
        }
        return canvas.svg(label: label)
    }

    /// The values the scale must show: per category the stack's total, or each bar and its
    /// whisker's ends.
    private var extremes: [Double] {
        var extremes: [Double] = []
        for index in categories.indices {
            if stacked {
                extremes.append(series.reduce(0) { $0 + max(0, $1.values[safe: index] ?? 0) })
            } else {
                for s in series {
                    extremes.append(s.values[safe: index] ?? 0)
                    if let interval = s.intervals?[safe: index] ?? nil { extremes += [interval.lower, interval.upper] }
                }
            }
        }
        return extremes
    }

    /// A bar's width, the size of its value label, and the scale from values to pixels.
    private struct BarGeometry {
        var width: Double
        var scale: ChartScale
        var labelSize: Double { min(11, max(8, width / 4.2)) }
    }

    /// Category `index` as one bar, the series' positive values stacked from 0, with the total above.
    private func drawStack(
        _ index: Int, _ category: String, x groupStart: Double, _ bar: BarGeometry, into canvas: inout SVGCanvas
    ) {
        let scale = bar.scale
        var base = 0.0
        for s in series {
            let value = max(0, s.values[safe: index] ?? 0)
            guard value > 0 else { continue }
            canvas.rect(
                x: groupStart, y: scale(base + value), width: bar.width,
                height: scale(base) - scale(base + value),
                fill: s.color, title: "\(category), \(s.name): \(format.exact(value))")
            base += value
        }
        if valueLabels {
            canvas.text(
                format.exact(base), x: groupStart + bar.width / 2, y: scale(base) - 4, anchor: .middle,
                size: bar.labelSize)
        }
    }

    /// Category `index` as one bar per series side by side, each with its whisker and value label.
    private func drawGroup(
        _ index: Int, _ category: String, x groupStart: Double, _ bar: BarGeometry, into canvas: inout SVGCanvas
    ) {
        let scale = bar.scale
        for (seriesIndex, s) in series.enumerated() {
            // A value that is not finite means "not measured" (e.g. no control group): no bar at all.
            let value = s.values[safe: index] ?? 0
            guard value.isFinite else { continue }
            let x = groupStart + Double(seriesIndex) * bar.width
            let y0 = scale(0)
            let y1 = scale(value)
            canvas.rect(
                x: x + 1, y: min(y0, y1), width: bar.width - 2, height: abs(y0 - y1), fill: s.color,
                title: "\(category), \(s.name): \(format.exact(value))")
            var labelY = min(y0, y1) - 4
            if let interval = s.intervals?[safe: index] ?? nil {
                drawWhisker(interval, x: x + bar.width / 2, cap: min(8, bar.width / 4), scale: scale, into: &canvas)
                labelY = min(labelY, scale(interval.upper) - 4)
            }
            if valueLabels {
                canvas.text(format.exact(value), x: x + bar.width / 2, y: labelY, anchor: .middle, size: bar.labelSize)
            }
        }
    }

    /// A 95% interval as a vertical line at `mid` with caps `cap` wide on each side.
    private func drawWhisker(
        _ interval: ConfidenceInterval, x mid: Double, cap: Double, scale: ChartScale, into canvas: inout SVGCanvas
    ) {
        canvas.line(
            x1: mid, y1: scale(interval.lower), x2: mid, y2: scale(interval.upper), stroke: "#111",
            width: 1.5)
        canvas.line(
            x1: mid - cap, y1: scale(interval.lower), x2: mid + cap, y2: scale(interval.lower),
            stroke: "#111", width: 1.5)
        canvas.line(
            x1: mid - cap, y1: scale(interval.upper), x2: mid + cap, y2: scale(interval.upper),
            stroke: "#111", width: 1.5)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
