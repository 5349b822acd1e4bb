/// One scheduled message of a load run: when the simulation meant to send it, and what.
public struct LoadItem: Sendable {
    public var intendedTime: SimTime
    public var message: OutboundMessage
    public var content: MessageContent

    public init(intendedTime: SimTime, message: OutboundMessage, content: MessageContent) {
        self.intendedTime = intendedTime
        self.message = message
        self.content = content
    }
}

/// A steady synthetic stream for exercising the driver before the trigger core produces real
/// messages: `count` messages on the given channels in turn, `ratePerSecond` of simulated time
/// apart, to consecutive customers.
public struct SyntheticLoad: AsyncSequence, Sendable {
    public typealias Element = LoadItem
    public var channels: [Channel]
    public var ratePerSecond: Double
    public var count: Int
    public var start: SimTime
    public var content: MessageContent

    public init(
        channels: [Channel], ratePerSecond: Double, count: Int, start: SimTime = SimTime(unixSeconds: 1_772_409_600),
        content: MessageContent = MessageContent(
            campaignName: "cart_reminder", template: "Hi {{first_name}}, your cart is waiting.",
            fields: [("first_name", "Ana")], discountCode: "SAVE10")
    ) {
        precondition(!channels.isEmpty && ratePerSecond > 0)
        self.channels = channels
        self.ratePerSecond = ratePerSecond
        self.count = count
        self.start = start
        self.content = content
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let load: SyntheticLoad
        var index = 0

        public mutating func next() async -> LoadItem? {
            guard index < load.count else { return nil }
            defer { index += 1 }
            return load.item(index)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(load: self) }

    /// The i-th item; its time is `start + i / rate`.
    public func item(_ index: Int) -> LoadItem {
        let time = SimTime(milliseconds: start.milliseconds + Int64((Double(index) * 1000 / ratePerSecond).rounded()))
        let message = OutboundMessage(
            id: UInt64(index + 1), customer: UInt32(truncatingIfNeeded: index),
            channel: channels[index % channels.count],
            campaign: 0, step: 0, intendedTime: time)
        return LoadItem(intendedTime: time, message: message, content: content)
    }
}

/// An array as an async sequence, so arrays and streams share one driver entry point.
struct ArrayLoadSequence: AsyncSequence, Sendable {
    typealias Element = LoadItem
    let items: [LoadItem]

    struct AsyncIterator: AsyncIteratorProtocol {
        let items: [LoadItem]
        var index = 0
        mutating func next() async -> LoadItem? {
            guard index < items.count else { return nil }
            defer { index += 1 }
            return items[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(items: items) }
}
