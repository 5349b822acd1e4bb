import Foundation

/// An HDR-style latency curve: latency against percentile on an axis stretched towards the
/// tail (position log10(1 / (1 − p))), so p99, p99.9 and the maximum are as visible as the median.
struct PercentileCurveChart {
    struct Series {
        var name: String
        var color: String
        /// (percentile 0–100, latency in milliseconds); percentile 100 is the maximum.
        var points: [(percentile: Double, milliseconds: Double)]
    }

    static let percentiles: [Double] = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100]

    var series: [Series]
    var width = 960.0
    var height = 380.0

    /// Horizontal position of a percentile; the maximum is drawn one decade past 99.99.
    static func position(_ percentile: Double) -> Double {
        let p = min(percentile, 99.999) / 100
        return log10(1 / (1 - p))
    }

    func svg(label: String) -> String {
        var canvas = SVGCanvas(width: width, height: height)
        let left = 78.0
        let right = 20.0
        let bottom = 44.0
        let legendHeight = ChartLegend(items: series.map { ($0.name, $0.color) }).draw(
            into: &canvas, x: left, y: 6, width: width - left - right)
        let top = 20 + legendHeight
        let y = ChartScale(
            values: series.flatMap { $0.points.map(\.milliseconds) }, pixelLower: height - bottom, pixelUpper: top)
        let maxPosition = PercentileCurveChart.position(100)
        func x(_ percentile: Double) -> Double {
            left + PercentileCurveChart.position(percentile) / maxPosition * (width - left - right)
        }
        for tick in y.ticks {
            canvas.line(x1: left, y1: y(tick), x2: width - right, y2: y(tick), stroke: ChartPalette.grid)
            canvas.text(
                ChartValueFormat.milliseconds.tick(tick), x: left - 6, y: y(tick) + 4, anchor: .end, size: 11,
                fill: ChartPalette.axis)
        }
        canvas.text(
            "latency (ms)", x: 14, y: (top + height - bottom) / 2, anchor: .middle, size: 11, fill: ChartPalette.axis,
            rotate: -90)
        for (percentile, name) in [
            (0.0, "0%"), (50, "50%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%"), (100, "max"),
        ] {
            canvas.line(x1: x(percentile), y1: top, x2: x(percentile), y2: height - bottom, stroke: ChartPalette.grid)
            canvas.text(name, x: x(percentile), y: height - bottom + 18, anchor: .middle, size: 11)
        }
        canvas.line(x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: ChartPalette.axis)
        for s in series {
            let points = s.points.map { (x: x($0.percentile), y: y($0.milliseconds)) }
            canvas.polyline(points, stroke: s.color)
            for (point, value) in zip(points, s.points) {
                let name =
                    value.percentile == 100 ? "max" : "p\(ChartValueFormat.trimmed(value.percentile, decimals: 2))"
                canvas.circle(
                    cx: point.x, cy: point.y, r: 3, fill: s.color,
                    title: "\(s.name) \(name): \(ChartValueFormat.milliseconds.exact(value.milliseconds))")
            }
        }
        return canvas.svg(label: label)
    }
}
