/// One instant per customer in 4 bytes instead of 8, for the per-customer timestamps the
/// simulator keeps (cart abandoned, journey start, last purchase, last fatigue update).
///
/// At a million customers each 8-byte `SimTime` column costs 8 MB; these instants always lie
/// inside the run, so an offset from the run's start is enough. The offset counts milliseconds
/// when the run is shorter than 2³² − 2 ms (49.7 days), which makes the column exact for every
/// such run; a longer run (up to the 366-day limit) counts in units of 2, 4 or 8 ms, rounding
/// down, which moves these instants by less than 8 ms. Code 0 stands for `never`, the value a
/// customer has before anything happened (each column chooses its own, so reading it gives the
/// same answer the 8-byte column gave).
public struct TimeColumn: Sendable {
    /// Written through a pointer (see `StateBuffer`); the owner calls `makeUnique()` when a run starts.
    var codes: StateBuffer<UInt32>
    /// The instant code 1 stands for.
    let origin: Int64
    /// Code units are 2^shift milliseconds.
    let shift: Int64
    /// What code 0 reads as.
    let never: SimTime
    /// The last instant a code can hold; later instants are held as this one.
    let latest: Int64

    /// A column for instants in [start, end], every customer starting at `initial` (which may be
    /// `never`, or an instant in the span).
    public init(count: Int, start: SimTime, end: SimTime, never: SimTime, initial: SimTime) {
        origin = start.milliseconds
        let span = max(0, end.milliseconds - start.milliseconds)
        var shift: Int64 = 0
        while span >> shift > Int64(UInt32.max) - 2 { shift += 1 }
        self.shift = shift
        self.never = never
        latest = origin + ((Int64(UInt32.max) - 1) << shift)
        codes = StateBuffer(
            repeating: Self.code(initial, origin: origin, shift: shift, never: never, latest: latest), count: count)
    }

    /// Storage of its own, if another copy shares it.
    mutating func makeUnique() { codes.makeUnique() }

    @inline(__always)
    static func code(_ time: SimTime, origin: Int64, shift: Int64, never: SimTime, latest: Int64) -> UInt32 {
        if time == never { return 0 }
        let clamped = min(max(time.milliseconds, origin), latest)
        return UInt32(truncatingIfNeeded: (clamped &- origin) >> shift) &+ 1
    }

    public var count: Int { codes.count }

    public subscript(id: Int) -> SimTime {
        @inline(__always) get {
            let code = codes[id]
            return code == 0 ? never : SimTime(milliseconds: origin &+ (Int64(code &- 1) << shift))
        }
        @inline(__always) set {
            codes[id] = Self.code(newValue, origin: origin, shift: shift, never: never, latest: latest)
        }
    }

    /// Bytes per customer.
    public static var bytesPerCustomer: Int { MemoryLayout<UInt32>.stride }
}
