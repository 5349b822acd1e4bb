/// SplitMix64 (Steele, Lea and Flood, 2014): used only to expand a seed into generator state
/// and to hash `(seed, stream, customer)` into independent stream keys, as the xoshiro authors
/// recommend. Not used to draw simulation variates.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output finaliser: a bijective avalanche mix of 64 bits.
    @inlinable public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Hashes several 64-bit words into one well-mixed key; order matters.
    @inlinable public static func hash(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0) -> UInt64 {
        mix(mix(mix(a &+ 0x9E37_79B9_7F4A_7C15) ^ b &+ 0x632B_E59B_D9B4_E019) ^ c &+ 0x8CB9_2BA7_2F3D_8DD7)
    }
}
