/// SplitMix64 (Steele, Lea and Flood, 2014): expands a seed into xoshiro state, hashes
/// `(seed, stream, customer)` into stream keys, and is the generator of the random streams kept
/// per customer for a whole run (journey and response), because its state is one word.
///
/// Each customer's stream starts at a hashed, effectively random point of the same 2⁶⁴-long
/// sequence. Two streams share draws only if those points lie within the draws a run makes of
/// each other: for n customers drawing L numbers each, about n²·L / 2⁶⁴, which is 5 · 10⁻⁴ for a
/// million customers drawing 10,000 each (a 30-day run draws a few hundred). The output mix
/// passes BigCrush (it is Java's `SplittableRandom`).
public struct SplitMix64: SimulationRandom, Sendable {
    public var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    /// The stream for one purpose and one customer. Streams depend only on these three numbers,
    /// never on the order customers are processed in, which is what makes shards and
    /// common-random-number comparisons possible.
    @inlinable public init(seed: UInt64, stream: RandomStream, customer: UInt64) {
        state = SplitMix64.hash(seed, UInt64(stream.rawValue), customer)
    }

    /// What each draw adds to the state (the golden-ratio gamma).
    @inlinable public static var increment: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    @inlinable @inline(__always) public mutating func next() -> UInt64 {
        state &+= SplitMix64.increment
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output finaliser: a bijective avalanche mix of 64 bits.
    @inlinable @inline(__always) public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hashes several 64-bit words into one well-mixed key; order matters.
    @inlinable public static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0) -> UInt64 {
        hash(prefix: hashPrefix(a, b), c)
    }

    /// The part of `hash(a, b, c)` that depends on `a` and `b` only, so a caller hashing many
    /// `c` with the same `a` and `b` (one stream, every customer) computes it once.
    @inlinable public static func hashPrefix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        mix(mix(a &+ 0x9E37_79B9_7F4A_7C15) ^ b &+ 0x632B_E59B_D9B4_E019)
    }

    /// `hash(a, b, c)` from `hashPrefix(a, b)`.
    @inlinable @inline(__always) public static func hash(prefix: UInt64, _ c: UInt64) -> UInt64 {
        mix(prefix ^ c &+ 0x8CB9_2BA7_2F3D_8DD7)
    }
}
