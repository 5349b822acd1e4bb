import Foundation

/// One benchmark's current median against a baseline's, for a CI regression check.
///
/// Throughputs (every unit but bytes and allocations) regress when `current / baseline` falls
/// below `1 - tolerance`; sizes in bytes regress when it rises above `1 + tolerance`; allocations
/// per event regress when they rise above both `1 + tolerance` times the baseline and
/// `allocationFloor` (a baseline near zero would otherwise turn noise into ratios). Medians only:
/// single timings on a shared machine are noise, and a tolerance of 0.25 leaves room for the
/// spread seen between quiet and busy runs of the same build.
public struct BenchmarkComparison: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable {
        case pass = "ok"
        case improved
        case regressed = "REGRESSED"
        /// In the baseline but not measured now (or the other way round): not compared.
        case missing = "not compared"
    }

    public var name: String
    public var unit: String
    public var baseline: Double?
    public var current: Double?
    public var verdict: Verdict

    /// `current / baseline`, when both are there and the baseline is positive.
    public var ratio: Double? {
        guard let baseline, let current, baseline > 0 else { return nil }
        return current / baseline
    }

    /// Whether a larger figure is better: throughputs yes, sizes in bytes and allocations no.
    public static func higherIsBetter(unit: String) -> Bool {
        let unit = unit.lowercased()
        return !unit.contains("byte") && !isAllocationCount(unit: unit)
    }

    /// Allocations per event: compared with a floor, not as a plain ratio.
    public static func isAllocationCount(unit: String) -> Bool { unit.lowercased().contains("allocation") }

    /// Allocations per event up to this many are setup amortised over the run, never a regression.
    public static let allocationFloor = 0.01

    /// Compares every benchmark of `baseline` and `current` by name, in baseline order (then any
    /// new ones).
    public static func compare(
        baseline: [BenchmarkResult], current: [BenchmarkResult],
        tolerance: Double
    ) -> [BenchmarkComparison] {
        var rows: [BenchmarkComparison] = []
        for base in baseline {
            guard let now = current.first(where: { $0.name == base.name }) else {
                rows.append(
                    BenchmarkComparison(
                        name: base.name, unit: base.unit, baseline: base.median, current: nil, verdict: .missing))
                continue
            }
            rows.append(
                compare(
                    name: base.name, unit: base.unit, baseline: base.median, current: now.median, tolerance: tolerance))
        }
        for now in current where !baseline.contains(where: { $0.name == now.name }) {
            rows.append(
                BenchmarkComparison(
                    name: now.name, unit: now.unit, baseline: nil, current: now.median, verdict: .missing))
        }
        return rows
    }

    static func compare(
        name: String, unit: String, baseline: Double, current: Double, tolerance: Double
    ) -> BenchmarkComparison {
        var row = BenchmarkComparison(name: name, unit: unit, baseline: baseline, current: current, verdict: .pass)
        if isAllocationCount(unit: unit) {
            if current > max(baseline * (1 + tolerance), allocationFloor) {
                row.verdict = .regressed
            } else if baseline > allocationFloor, current < baseline * (1 - tolerance) {
                row.verdict = .improved
            }
            return row
        }
        guard let ratio = row.ratio else {
            row.verdict = .missing
            return row
        }
        if higherIsBetter(unit: unit) {
            row.verdict = ratio < 1 - tolerance ? .regressed : ratio > 1 + tolerance ? .improved : .pass
        } else {
            row.verdict = ratio > 1 + tolerance ? .regressed : ratio < 1 - tolerance ? .improved : .pass
        }
        return row
    }

    /// True when any row regressed.
    public static func anyRegression(_ rows: [BenchmarkComparison]) -> Bool {
        rows.contains { $0.verdict == .regressed }
    }

    /// A plain-text table: benchmark, baseline, current, ratio, verdict.
    public static func table(_ rows: [BenchmarkComparison], tolerance: Double) -> String {
        func figure(_ value: Double?) -> String {
            guard let value else { return "–" }
            return value >= 1_000_000
                ? String(format: "%.2f M", value / 1_000_000)
                : value >= 1_000
                    ? String(format: "%.1f k", value / 1_000)
                    : value > 0 && value < 0.01 ? String(format: "%.2g", value) : String(format: "%.2f", value)
        }
        // At least one space after every cell, however long.
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
        }
        var lines = [
            pad("benchmark", 52) + pad("unit", 19) + pad("baseline", 11) + pad("current", 11) + pad("ratio", 7)
                + "verdict"
        ]
        for row in rows {
            // Allocation counts near zero are judged against the floor; their ratio means nothing.
            let ratio = isAllocationCount(unit: row.unit) ? "–" : row.ratio.map { String(format: "%.2f", $0) } ?? "–"
            lines.append(
                pad(row.name, 52) + pad(row.unit, 19) + pad(figure(row.baseline), 11) + pad(figure(row.current), 11)
                    + pad(ratio, 7) + row.verdict.rawValue)
        }
        lines.append(
            String(
                format:
                    "tolerance %.2f: throughput regresses below ratio %.2f, bytes above %.2f, allocations per event "
                    + "above both %.2f × the baseline and %.2g", tolerance, 1 - tolerance, 1 + tolerance, 1 + tolerance,
                allocationFloor))
        return lines.joined(separator: "\n") + "\n"
    }

}
