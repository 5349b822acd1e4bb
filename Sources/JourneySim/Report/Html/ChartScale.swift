import Foundation

/// A linear map from data values to image coordinates with "nice" tick values (1, 2, 2.5 or 5
/// times a power of ten), extended so the ticks cover every value.
struct ChartScale {
    private(set) var lower: Double
    private(set) var upper: Double
    let pixelLower: Double
    let pixelUpper: Double
    private(set) var ticks: [Double] = []

    /// `pixelLower` is where `lower` lands (for a vertical axis, the bottom of the plot).
    init(values: [Double], includeZero: Bool = true, pixelLower: Double, pixelUpper: Double, tickCount: Int = 5) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if includeZero {
            low = min(low, 0)
            high = max(high, 0)
        }
        if high - low < 1e-12 { high = low + (low == 0 ? 1 : abs(low) * 0.1) }
        let step = ChartScale.niceStep((high - low) / Double(max(1, tickCount)))
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
        self.pixelLower = pixelLower
        self.pixelUpper = pixelUpper
        var tick = lower
        while tick <= upper + step * 1e-9 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
    }

    func callAsFunction(_ value: Double) -> Double {
        guard value.isFinite else { return pixelLower }
        return pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }
}
