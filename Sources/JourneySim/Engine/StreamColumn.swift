/// One SplitMix64 random stream per customer, stored as the number of draws taken (4 bytes)
/// instead of the generator's 8-byte state.
///
/// A SplitMix64 state after k draws is its start plus k times the generator's increment, and a
/// stream's start is a hash of (seed, stream, customer), so the count is all that must be kept:
/// reading rebuilds the state with one mix and a multiply, writing recovers the count with a
/// multiply by the increment's inverse. The streams are exactly those of 8-byte states, so results
/// do not change; a million customers save 4 MB per column.
///
/// The count wraps after 2³² draws by one customer, which would replay that customer's stream; a
/// customer draws a few numbers per event, a few hundred in a 30-day run, so that is some ten
/// million times further than a 366-day run reaches.
public struct StreamColumn: Sendable {
    /// Written through a pointer (see `StateBuffer`); the owner calls `makeUnique()` when a run starts.
    var draws: StateBuffer<UInt32>
    /// `SplitMix64.hashPrefix(seed, stream)`: a customer's stream starts at
    /// `SplitMix64.hash(prefix: key, customer)`.
    let key: UInt64
    let idStride: UInt64
    let idOffset: UInt64

    /// `SplitMix64.increment`'s inverse modulo 2⁶⁴ (it is odd, so it has one).
    static var inverseIncrement: UInt64 { 0xF1DE_83E1_9937_733D }

    /// The `stream` of every customer of `population`, each as `SplitMix64(seed:stream:customer:)`
    /// with the customer's global id would start it.
    public init(population: Population, count: Int, seed: UInt64, stream: RandomStream) {
        key = SplitMix64.hashPrefix(seed, UInt64(stream.rawValue))
        idStride = UInt64(population.idStride)
        idOffset = UInt64(population.idOffset)
        draws = StateBuffer(repeating: 0, count: count)
    }

    public var count: Int { draws.count }

    /// Storage of its own, if another copy shares it.
    mutating func makeUnique() { draws.makeUnique() }

    @inline(__always) func start(_ id: Int) -> UInt64 {
        SplitMix64.hash(prefix: key, UInt64(truncatingIfNeeded: id) &* idStride &+ idOffset)
    }

    public subscript(id: Int) -> SplitMix64 {
        @inline(__always) get {
            SplitMix64(seed: start(id) &+ UInt64(draws[id]) &* SplitMix64.increment)
        }
        @inline(__always) set {
            draws[id] = UInt32(truncatingIfNeeded: (newValue.state &- start(id)) &* Self.inverseIncrement)
        }
    }

    /// Bytes per customer.
    public static var bytesPerCustomer: Int { MemoryLayout<UInt32>.stride }
}
