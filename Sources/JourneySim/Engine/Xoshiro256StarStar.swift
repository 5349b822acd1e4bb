/// xoshiro256** 1.0 (Blackman and Vigna, 2018): the generator of the short-lived streams (a
/// customer's profile while the population is built, a message's backend outcome, benchmarks).
///
/// Chosen over the system generator because results must be reproducible byte for byte from a
/// seed on every platform. The streams kept per customer for a whole run use the 8-byte
/// `SplitMix64` instead: 32 bytes of state twice per customer was a large share of a run's memory.
public struct Xoshiro256StarStar: SimulationRandom, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Seeds the four state words from SplitMix64, so any 64-bit key (even 0) gives a valid state.
    @inlinable public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// An independent stream for one purpose and one customer. Streams depend only on these
    /// three numbers, never on the order customers are processed in, which is what makes shards
    /// and common-random-number comparisons possible.
    @inlinable public init(seed: UInt64, stream: RandomStream, customer: UInt64) {
        self.init(seed: SplitMix64.hash(seed, UInt64(stream.rawValue), customer))
    }

    // The draws are forced inline: a call per draw (with the four state words passed through
    // memory) was a measurable share of a simulation.
    @inlinable @inline(__always) public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }
}

/// The purposes a per-customer random stream serves. Each purpose gets its own stream so that,
/// for instance, changing a campaign does not shift the draws that shape a customer's profile.
public enum RandomStream: UInt8, Sendable {
    case profile = 1
    case journey = 2
    case response = 3
    case trigger = 4
    case backend = 5
}
