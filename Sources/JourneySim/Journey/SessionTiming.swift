/// When a customer's next session starts: a non-homogeneous Poisson process whose intensity
/// follows the scenario's hourly activity profile in the customer's local time, sampled by
/// thinning (Lewis and Shedler). Sessions therefore cluster in local daytime and evenings and
/// follow daylight-saving changes, while the mean gap stays what the scenario says.
public struct SessionTiming: Sendable {
    /// Acceptance probability per local hour: weight / max weight.
    @usableFromInline let acceptance: [Double]
    /// max weight / mean weight: how much faster the candidate process runs than the mean rate.
    @usableFromInline let peakRatio: Double

    public init(hourlyActivity: [Double]) {
        let peak = hourlyActivity.max() ?? 1
        let mean = hourlyActivity.reduce(0, +) / Double(max(1, hourlyActivity.count))
        acceptance = hourlyActivity.map { peak > 0 ? $0 / peak : 1 }
        peakRatio = mean > 0 ? peak / mean : 1
    }

    /// The next session start after `time` for a process with mean gap `meanGap` (averaged over
    /// the day). Bounded: after 10,000 rejected candidates (an absurd profile) it returns the last one.
    @inlinable public func next(
        after time: SimTime, meanGap: SimDuration, zone: Int, zones: TimeZoneTable,
        rng: inout some SimulationRandom
    ) -> SimTime {
        let candidateMean = Double(meanGap.milliseconds) / peakRatio
        var t = time
        for _ in 0..<10_000 {
            t = t + SimDuration(milliseconds: Int64(rng.exponential(mean: candidateMean)) &+ 1)
            if rng.nextUnit() < acceptance[zones.localHour(zone: zone, at: t)] { return t }
        }
        return t
    }
}
