/// A distribution a journey draws from: how long a wait lasts, or how much a cart item is worth.
///
/// Written in a scenario as a one-key mapping (`{exponential: 24h}`, `{lognormal: {median: 2h,
/// sigma: 0.5}}`, …). Waits give durations (`90s`, `2h`, `3d`); values give plain numbers. The
/// parameters are kept in the unit the engine uses (milliseconds for waits), so a draw is a
/// switch and one or two calls into the random stream.
public enum Distribution: Sendable, Equatable {
    /// Always `value`.
    case fixed(Double)
    /// Mean `mean` (a Poisson process's gaps when repeated).
    case exponential(mean: Double)
    /// `exp(N(ln median, sigma²))`.
    case logNormal(median: Double, sigma: Double)
    /// Uniform on [low, high].
    case uniform(low: Double, high: Double)
    /// Shape `k`, scale θ (mean kθ).
    case gamma(shape: Double, scale: Double)
    /// Shape `k`, scale λ.
    case weibull(shape: Double, scale: Double)
    /// One of `values`, with the given weights (normalised).
    case empirical(values: [Double], weights: [Double])

    public static let names = ["fixed", "exponential", "lognormal", "uniform", "gamma", "weibull", "empirical"]

    public var mean: Double {
        switch self {
        case let .fixed(value): value
        case let .exponential(mean): mean
        case let .logNormal(median, sigma): median * _exp(sigma * sigma / 2)
        case let .uniform(low, high): (low + high) / 2
        case let .gamma(shape, scale): shape * scale
        case let .weibull(shape, scale): scale * _exp(_logGamma(1 + 1 / shape))
        case let .empirical(values, weights):
            zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } / max(1e-300, weights.reduce(0, +))
        }
    }

    /// Whether a draw can be exactly 0 (a wait that may take no time at all).
    public var canBeZero: Bool {
        switch self {
        case let .fixed(value): value <= 0
        case let .uniform(low, _): low <= 0
        case let .empirical(values, weights): zip(values, weights).contains { $0.0 <= 0 && $0.1 > 0 }
        case .exponential, .logNormal, .gamma, .weibull: false
        }
    }
}

/// `Distribution` flattened for the hot path: a kind and two parameters; an empirical table's
/// cumulative weights and values live in the program's `empirical` array.
struct CompiledDistribution: Sendable, BitwiseCopyable {
    enum Kind: UInt8, Sendable, BitwiseCopyable {
        case fixed, exponential, logNormal, uniform, gamma, weibull, empirical
    }
    var kind: Kind
    /// fixed: value; exponential: mean; lognormal: ln median; uniform: low; gamma: shape; weibull: shape; empirical: first index.
    var a: Double
    /// lognormal: sigma; uniform: high − low; gamma: scale; weibull: scale; empirical: end index.
    var b: Double
    /// gamma: d = shape − 1/3 (Marsaglia–Tsang, for shape ≥ 1; shape < 1 boosts shape + 1).
    var c: Double = 0

    init(_ distribution: Distribution, empirical table: inout [(cumulative: Double, value: Double)]) {
        switch distribution {
        case let .fixed(value): self.init(kind: .fixed, a: value, b: 0)
        case let .exponential(mean): self.init(kind: .exponential, a: mean, b: 0)
        case let .logNormal(median, sigma): self.init(kind: .logNormal, a: _log(median), b: sigma)
        case let .uniform(low, high): self.init(kind: .uniform, a: low, b: high - low)
        case let .gamma(shape, scale):
            self.init(kind: .gamma, a: shape, b: scale, c: (shape < 1 ? shape + 1 : shape) - 1.0 / 3.0)
        case let .weibull(shape, scale): self.init(kind: .weibull, a: shape, b: scale)
        case let .empirical(values, weights):
            let total = weights.reduce(0, +)
            let first = table.count
            var running = 0.0
            for (value, weight) in zip(values, weights) where weight > 0 {
                running += weight / total
                table.append((running, value))
            }
            table[table.count - 1].cumulative = .infinity  // a draw below 1 always finds a row
            self.init(kind: .empirical, a: Double(first), b: Double(table.count))
        }
    }

    init(kind: Kind, a: Double, b: Double, c: Double = 0) {
        self.kind = kind
        self.a = a
        self.b = b
        self.c = c
    }

    /// One draw. Gamma takes a variable number of draws (Marsaglia–Tsang rejection, bounded at
    /// 64 tries, after which it returns the mean); the others a fixed number.
    @inline(__always)
    func sample(
        _ rng: inout some SimulationRandom, empirical: UnsafeBufferPointer<(cumulative: Double, value: Double)>
    ) -> Double {
        switch kind {
        case .fixed: return a
        case .exponential: return rng.exponential(mean: a)
        case .logNormal: return _exp(a + b * rng.standardNormal())
        case .uniform: return a + b * rng.nextUnit()
        case .weibull: return b * _pow(-_log(1 - rng.nextUnit()), 1 / a)
        case .empirical:
            let u = rng.nextUnit()
            var index = Int(a)
            let end = Int(b)
            while index < end - 1, u >= empirical[index].cumulative { index += 1 }
            return empirical[index].value
        case .gamma:
            // Marsaglia and Tsang (2000); for shape < 1, draw with shape + 1 and scale by u^(1/shape).
            let d = c
            let k = a
            let cc = 1 / (3 * d.squareRoot())
            for _ in 0..<64 {
                var x = 0.0
                var v = 0.0
                repeat {
                    x = rng.standardNormal()
                    v = 1 + cc * x
                } while v <= 0
                v = v * v * v
                let u = rng.nextUnit()
                if u < 1 - 0.0331 * x * x * x * x || _log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + _log(v)) {
                    var draw = d * v * b
                    if k < 1 { draw *= _pow(max(rng.nextUnit(), 1e-300), 1 / k) }
                    return draw
                }
            }
            return k * b
        }
    }
}

extension ConfigNode {
    /// A distribution written as a one-key mapping. With `durations`, parameters that are
    /// amounts are durations (`2h`) and the result is in milliseconds; otherwise plain numbers.
    /// `modifiers` are keys of the same mapping that qualify the distribution (a wait's
    /// `by_local_hour`); the caller reads them.
    func distribution(durations: Bool, modifiers: [String] = []) throws(ScenarioError) -> Distribution {
        let mapping = try self.mapping(allowed: Distribution.names + modifiers)
        let entries = mapping.entries.filter { !modifiers.contains($0.key) }
        guard entries.count == 1, let entry = entries.first else {
            throw invalid(
                "give exactly one distribution (\(Distribution.names.joined(separator: ", "))), e.g. {exponential: \(durations ? "24h" : "40")}; found \(entries.count)."
            )
        }
        let value = entry.value
        func amount(_ node: ConfigNode, positive: Bool = true) throws(ScenarioError) -> Double {
            let number: Double
            if durations {
                number = Double(try node.duration().milliseconds)
            } else {
                number = try node.double()
            }
            guard number.isFinite, positive ? number > 0 : number >= 0 else {
                throw node.outOfRange(try node.string(), positive ? "it must be above 0" : "it must be 0 or more")
            }
            return number
        }
        func shape(_ node: ConfigNode) throws(ScenarioError) -> Double {
            let number = try node.double()
            guard number.isFinite, number >= 0.01, number <= 1000 else {
                throw node.outOfRange(try node.string(), "a shape is between 0.01 and 1000")
            }
            return number
        }
        switch entry.key {
        case "fixed": return .fixed(try amount(value, positive: false))
        case "exponential":
            if case .mapping = value.node {
                return .exponential(mean: try amount(try value.mapping(allowed: ["mean"]).required("mean")))
            }
            return .exponential(mean: try amount(value))
        case "lognormal":
            let fields = try value.mapping(allowed: ["median", "sigma"])
            let sigma = try fields.required("sigma").double(in: 0...5, "sigma is between 0 and 5")
            return .logNormal(median: try amount(try fields.required("median")), sigma: sigma)
        case "uniform":
            let items = try value.list()
            guard items.count == 2 else { throw value.invalid("write the bounds as a list of two, e.g. [1h, 3h].") }
            let low = try amount(items[0], positive: false)
            let high = try amount(items[1], positive: false)
            guard high >= low else { throw value.invalid("the upper bound is below the lower one.") }
            return .uniform(low: low, high: high)
        case "gamma", "weibull":
            let fields = try value.mapping(allowed: ["shape", "scale", "mean"])
            let k = try shape(try fields.required("shape"))
            let scale: Double
            switch (fields["scale"], fields["mean"]) {
            case let (node?, nil): scale = try amount(node)
            case let (nil, node?):
                let mean = try amount(node)
                scale = entry.key == "gamma" ? mean / k : mean / _exp(_logGamma(1 + 1 / k))
            default: throw value.invalid("give either scale or mean (not both).")
            }
            return entry.key == "gamma" ? .gamma(shape: k, scale: scale) : .weibull(shape: k, scale: scale)
        default:  // empirical
            var values: [Double] = []
            var weights: [Double] = []
            let rows = try value.list()
            guard !rows.isEmpty, rows.count <= 10_000 else {
                throw value.invalid("an empirical table has 1 to 10,000 rows.")
            }
            for row in rows {
                let pair = try row.list()
                guard pair.count == 2 else { throw row.invalid("each row is [value, weight], e.g. [2h, 0.3].") }
                values.append(try amount(pair[0], positive: false))
                weights.append(try pair[1].double(in: 0...1e12, "a weight is 0 or more"))
            }
            guard weights.reduce(0, +) > 0 else { throw value.invalid("the weights add up to 0.") }
            return .empirical(values: values, weights: weights)
        }
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7): only used to turn a Weibull's mean into its scale.
func _logGamma(_ x: Double) -> Double {
    if x < 0.5 { return _log(Double.pi / Swift.abs(_sin(Double.pi * x))) - _logGamma(1 - x) }
    let g = 7.0
    let coefficients = [
        0.999_999_999_999_809_93, 676.520_368_121_885_1, -1259.139_216_722_402_8, 771.323_428_777_653_13,
        -176.615_029_162_140_59, 12.507_343_278_686_905, -0.138_571_095_265_720_12,
        9.984_369_578_019_571_6e-6, 1.505_632_735_149_311_6e-7,
    ]
    let z = x - 1
    var sum = coefficients[0]
    for i in 1..<9 { sum += coefficients[i] / (z + Double(i)) }
    let t = z + g + 0.5
    return 0.5 * _log(2 * Double.pi) + (z + 0.5) * _log(t) - t + _log(sum)
}
