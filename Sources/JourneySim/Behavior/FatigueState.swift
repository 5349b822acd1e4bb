/// Per-customer fatigue as parallel arrays: annoyance (decayed lazily, on the next message), the
/// previous template, and how many channels the customer has opted out of. Which channels those
/// are is the trigger core's to know (it stops sending on them); nothing here needs the set.
///
/// The columns are written through a pointer (`StateBuffer`); `makeUnique()` (called when a
/// run starts) gives a copy columns of its own.
public struct FatigueState: Sendable {
    var annoyance: StateBuffer<Float>
    public var lastUpdate: TimeColumn
    /// Template of the previous delivered message, plus one (0: none yet).
    var lastTemplate: StateBuffer<UInt16>
    var optOutCount: StateBuffer<UInt8>

    /// State for `count` customers in a run from `start` to `end`.
    public init(count: Int, start: SimTime, end: SimTime) {
        annoyance = StateBuffer(repeating: 0, count: count)
        lastUpdate = TimeColumn(
            count: count, start: start, end: end, never: SimTime(milliseconds: .min), initial: start)
        lastTemplate = StateBuffer(repeating: 0, count: count)
        optOutCount = StateBuffer(repeating: 0, count: count)
    }

    /// Storage of its own for each column another copy shares.
    mutating func makeUnique() {
        annoyance.makeUnique()
        lastUpdate.makeUnique()
        lastTemplate.makeUnique()
        optOutCount.makeUnique()
    }

    public static let bytesPerCustomer =
        MemoryLayout<Float>.stride + TimeColumn.bytesPerCustomer
        + MemoryLayout<UInt16>.stride + MemoryLayout<UInt8>.stride
}
