/// Count, mean and sum of squared deviations of a sample, updated one value at a time (Welford)
/// and mergeable across shards or replications (Chan et al.), so confidence intervals can be
/// recomputed from merged sufficient statistics.
public struct RunningMoments: Sendable, Equatable, Codable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    public private(set) var squaredDeviations: Double = 0

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        squaredDeviations += delta * (value - mean)
    }

    public mutating func merge(_ other: RunningMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(total)
        squaredDeviations +=
            other.squaredDeviations + delta * delta * Double(count) * Double(other.count) / Double(total)
        count = total
    }

    /// Sample variance (n − 1 denominator); 0 for fewer than two values.
    public var variance: Double { count > 1 ? squaredDeviations / Double(count - 1) : 0 }

    public var standardError: Double { count > 0 ? (variance / Double(count)).squareRoot() : 0 }

    /// The 95% confidence interval of the mean, with Student's t for small samples.
    public var confidenceInterval95: ConfidenceInterval {
        let half = count > 1 ? StudentT.quantile975(degreesOfFreedom: count - 1) * standardError : .infinity
        return ConfidenceInterval(estimate: mean, lower: mean - half, upper: mean + half)
    }
}

/// An estimate with its 95% confidence interval.
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double

    public init(estimate: Double, lower: Double, upper: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }

    /// The interval excludes zero: for a difference, the two sides really differ.
    public var excludesZero: Bool { lower > 0 || upper < 0 }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// Rounded to six decimals, for stable output.
    public var rounded6: ConfidenceInterval {
        ConfidenceInterval(
            estimate: rounded(estimate), lower: lower.isFinite ? rounded(lower) : lower,
            upper: upper.isFinite ? rounded(upper) : upper)
    }
}

/// Two-sided 95% quantiles of Student's t distribution.
public enum StudentT {
    static let table: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]

    /// t(0.975, df): exact table values to 30 degrees of freedom, then the Cornish–Fisher
    /// expansion around 1.96 (error below 0.001 there).
    public static func quantile975(degreesOfFreedom df: Int) -> Double {
        if df < 1 { return .infinity }
        if df <= table.count { return table[df - 1] }
        let z = 1.959_963_984_540_054
        let n = Double(df)
        let z3 = z * z * z
        let z5 = z3 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
    }
}
