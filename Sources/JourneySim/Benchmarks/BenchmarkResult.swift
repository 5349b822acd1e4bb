/// One benchmark's repeated measurements; the median is what gets compared and quoted, since
/// single timings on a shared two-core machine are noise.
public struct BenchmarkResult: Codable, Sendable {
    public var name: String
    public var unit: String
    public var samples: [Double]

    public var median: Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    public var min: Double { samples.min() ?? 0 }
    public var max: Double { samples.max() ?? 0 }

    enum CodingKeys: String, CodingKey { case name, unit, samples, median, min, max }

    public init(name: String, unit: String, samples: [Double]) {
        self.name = name
        self.unit = unit
        self.samples = samples
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        unit = try container.decode(String.self, forKey: .unit)
        samples = try container.decode([Double].self, forKey: .samples)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(samples, forKey: .samples)
        try container.encode(median, forKey: .median)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
    }
}
