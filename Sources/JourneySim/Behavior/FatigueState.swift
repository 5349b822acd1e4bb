/// Per-customer fatigue as parallel arrays: annoyance (decayed lazily, on the next message), the
/// previous template, and how many channels the customer has opted out of. Which channels those
/// are is the trigger core's to know (it stops sending on them); nothing here needs the set.
public struct FatigueState: Sendable {
    public var annoyance: ContiguousArray<Float>
    public var lastUpdate: TimeColumn
    /// Template of the previous delivered message, plus one (0: none yet).
    public var lastTemplate: ContiguousArray<UInt16>
    public var optOutCount: ContiguousArray<UInt8>

    /// State for `count` customers in a run from `start` to `end`.
    public init(count: Int, start: SimTime, end: SimTime) {
        annoyance = ContiguousArray(repeating: 0, count: count)
        lastUpdate = TimeColumn(count: count, start: start, end: end, never: SimTime(milliseconds: .min), initial: start)
        lastTemplate = ContiguousArray(repeating: 0, count: count)
        optOutCount = ContiguousArray(repeating: 0, count: count)
    }

    public static let bytesPerCustomer = MemoryLayout<Float>.stride + TimeColumn.bytesPerCustomer
        + MemoryLayout<UInt16>.stride + MemoryLayout<UInt8>.stride
}
