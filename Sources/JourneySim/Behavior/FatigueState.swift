/// Per-customer fatigue as parallel arrays: annoyance (decayed lazily, on the next message), the
/// previous template, and the channels the customer has opted out of.
public struct FatigueState: Sendable {
    public var annoyance: ContiguousArray<Float>
    public var lastUpdate: ContiguousArray<SimTime>
    /// Template of the previous delivered message, plus one (0: none yet).
    public var lastTemplate: ContiguousArray<UInt16>
    public var optedOut: ContiguousArray<ChannelSet>
    public var optOutCount: ContiguousArray<UInt8>

    public init(count: Int, start: SimTime) {
        annoyance = ContiguousArray(repeating: 0, count: count)
        lastUpdate = ContiguousArray(repeating: start, count: count)
        lastTemplate = ContiguousArray(repeating: 0, count: count)
        optedOut = ContiguousArray(repeating: [], count: count)
        optOutCount = ContiguousArray(repeating: 0, count: count)
    }

    public static let bytesPerCustomer = MemoryLayout<Float>.stride + MemoryLayout<SimTime>.stride
        + MemoryLayout<UInt16>.stride + MemoryLayout<ChannelSet>.stride + MemoryLayout<UInt8>.stride
}
