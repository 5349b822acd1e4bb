/// Draws an index with probability proportional to its weight, by a binary search over the
/// cumulative weights: O(log n) and allocation-free per draw.
public struct CategoricalTable: Sendable {
    @usableFromInline let cumulative: [Double]

    /// Weights must be non-negative with a positive sum.
    public init(weights: [Double]) {
        var running = 0.0
        var table: [Double] = []
        table.reserveCapacity(weights.count)
        for weight in weights {
            running += max(0, weight)
            table.append(running)
        }
        cumulative = running > 0 ? table.map { $0 / running } : table
    }

    @inlinable public func sample(_ rng: inout some SimulationRandom) -> Int {
        let u = rng.nextUnit()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) >> 1
            if u < cumulative[mid] { high = mid } else { low = mid + 1 }
        }
        // The first index whose cumulative share exceeds u: never a zero-weight entry.
        return low
    }
}
