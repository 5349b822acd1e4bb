import Foundation

/// How a chart writes its numbers: exact for labels and tables, short for axis ticks.
public enum ChartValueFormat: Sendable, Equatable {
    /// Whole counts: `12,345`.
    case count
    /// Money in the run's currency: `1,234.50`.
    case money
    /// A share 0…1 shown as a percentage: `12.34%`.
    case percent
    /// A difference of shares in percentage points: `+1.20pp`.
    case percentagePoints
    /// Milliseconds: `12.5 ms`.
    case milliseconds
    /// Any other quantity, two decimals.
    case decimal

    /// The exact figure, as in tables and value labels.
    public func exact(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        switch self {
        case .count: return Self.grouped(Int64(value.rounded()))
        case .money: return SummaryTable.money(value)
        case .percent: return SummaryTable.percent(value)
        case .percentagePoints: return SummaryTable.pp(value)
        case .milliseconds: return "\(Self.trimmed(value, decimals: value < 10 ? 3 : 1)) ms"
        case .decimal: return value.formatted2
        }
    }

    /// The exact figure of a difference, always with its sign (`+0.22`, `-0.38`, `+1.20pp`), as
    /// the terminal's comparison table writes it.
    public func signed(_ value: Double) -> String {
        let text = exact(value)
        return value.isFinite && !text.hasPrefix("-") && !text.hasPrefix("+") ? "+" + text : text
    }

    /// A short tick label: `12k`, `1.5M`, `20%`, `0.25 s`.
    public func tick(_ value: Double) -> String {
        switch self {
        case .percent: return "\(Self.trimmed(value * 100, decimals: 2))%"
        case .percentagePoints: return "\(value > 0 ? "+" : "")\(Self.trimmed(value * 100, decimals: 2))pp"
        case .milliseconds: return Self.trimmed(value, decimals: 3)
        default:
            let magnitude = abs(value)
            if magnitude >= 1_000_000 { return "\(Self.trimmed(value / 1_000_000, decimals: 2))M" }
            if magnitude >= 10_000 { return "\(Self.trimmed(value / 1000, decimals: 1))k" }
            return Self.trimmed(value, decimals: 2)
        }
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// At most `decimals` decimals, without trailing zeros.
    static func trimmed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        if scaled == 0 { return "0" }
        var text = String(format: "%.\(decimals)f", scaled / scale)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
