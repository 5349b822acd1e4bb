/// The variates the simulation draws, for any of its generators: `Xoshiro256StarStar` where a
/// stream is short-lived (a customer's profile, a message's backend outcome) and the 8-byte
/// `SplitMix64` where a stream is kept per customer for the whole run (journey and response).
///
/// Functions that draw take `inout some SimulationRandom` generics, specialised per generator, so
/// a draw is inlined with no existential or call.
public protocol SimulationRandom: RandomNumberGenerator {}

extension SimulationRandom {
    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable @inline(__always) public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    @inlinable @inline(__always) public mutating func bernoulli(_ p: Double) -> Bool { nextUnit() < p }

    /// An exponential variate with the given mean, by inversion: −mean · ln(1 − u).
    ///
    /// `1 − u` is exact for a 53-bit `u`, so `log(1 − u)` is `log1p(−u)` to within the last bit of
    /// rounding (which moves a truncated millisecond about once in 10⁹ draws) at a fraction of the
    /// cost: glibc's `log` is table-driven, its `log1p` is not, and the event loop draws one
    /// exponential per event.
    @inlinable @inline(__always) public mutating func exponential(mean: Double) -> Double {
        -mean * _log(1 - nextUnit())
    }

    /// A standard normal variate (Box–Muller; the second value is discarded to keep state small).
    @inlinable public mutating func standardNormal() -> Double {
        let u1 = 1 - nextUnit()  // (0, 1]
        let u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// A log-normal variate with the given median and log-space standard deviation.
    @inlinable public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * _exp(sigma * standardNormal())
    }

    /// A uniform integer in `0..<bound` (the high half of a 64 × 64-bit product; the bias is
    /// below 2⁻⁵⁰ for the small bounds the simulation uses).
    @inlinable @inline(__always) public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
