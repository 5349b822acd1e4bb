/// Confidence intervals for proportions and their differences, for treatment-versus-control
/// lift where groups are independent samples (Wilson score intervals, and Newcombe's hybrid
/// score interval for a difference, which behave well even for small or extreme rates).
public enum Proportions {
    static let z = 1.959_963_984_540_054

    /// Wilson score interval of `successes / trials`.
    public static func wilson(successes: Int, trials: Int) -> ConfidenceInterval {
        guard trials > 0 else { return ConfidenceInterval(estimate: 0, lower: 0, upper: 1) }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
        return ConfidenceInterval(estimate: p, lower: max(0, centre - half), upper: min(1, centre + half))
    }

    /// Newcombe's interval (method 10) for p1 − p2.
    public static func difference(successes1: Int, trials1: Int, successes2: Int, trials2: Int) -> ConfidenceInterval {
        let a = wilson(successes: successes1, trials: trials1)
        let b = wilson(successes: successes2, trials: trials2)
        let d = a.estimate - b.estimate
        let lower =
            d
            - ((a.estimate - a.lower) * (a.estimate - a.lower) + (b.upper - b.estimate) * (b.upper - b.estimate))
            .squareRoot()
        let upper =
            d
            + ((a.upper - a.estimate) * (a.upper - a.estimate) + (b.estimate - b.lower) * (b.estimate - b.lower))
            .squareRoot()
        return ConfidenceInterval(estimate: d, lower: lower, upper: upper)
    }
}
