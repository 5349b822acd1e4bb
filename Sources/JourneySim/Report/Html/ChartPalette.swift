/// Colours of the report's charts: distinguishable, printable, and the same series gets the same
/// colour in every chart.
enum ChartPalette {
    static let series = [
        "#3366cc", "#ff9900", "#109618", "#dc3912", "#990099", "#0099c6", "#dd4477",
        "#66aa00", "#b82e2e", "#316395", "#994499", "#22aa99", "#aaaa11",
    ]
    static let axis = "#555"
    static let grid = "#e3e3e3"
    static let text = "#222"
    static let treatment = "#3366cc"
    static let control = "#999999"

    static func color(_ index: Int) -> String { series[index % series.count] }
}
