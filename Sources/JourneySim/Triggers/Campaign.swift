/// A triggered campaign as the scenario describes it: what starts it, who qualifies, when and
/// how often it may send, on which channels, and the flow of messages it runs.
///
/// Defaults follow the most common platform behaviour; each one that differs between platforms
/// is a field, so a scenario can match the system under test.
public struct Campaign: Sendable, Equatable {
    public var name: String
    public var trigger: Trigger
    public var audience: Audience
    /// Check the audience again when a message falls due (otherwise only on entry).
    public var recheckAudienceAtSend: Bool
    /// Events that cancel a pending message or exit the flow (`exception_events`, `exit_on`).
    public var exceptionEvents: EventKindSet
    /// Events before `start` do not trigger; messages due at or after `end` expire.
    public var start: SimTime?
    public var end: SimTime?
    public var deliveryWindow: DeliveryWindow?
    /// Time after the last message received (or held out) before the customer may enter again;
    /// nil is "off": a customer receives the campaign once.
    public var reeligibility: SimDuration?
    public var priority: Priority
    /// Ignore frequency caps (transactional messages).
    public var overrideCaps: Bool
    /// Whether this campaign's sends fill the caps for other messages.
    public var countsTowardCaps: Bool
    /// Share of customers held out, chosen deterministically from (seed, customer, campaign).
    public var controlGroup: Double
    /// Channels in order of preference, limited to the customer's consented channels.
    public var channels: [Channel]
    /// Prefer the channel of the session the triggering event came from.
    public var preferJourneyChannel: Bool
    /// Try the next channel when the chosen one is unreachable or reports a delivery failure.
    public var fallback: Bool
    public var conversion: Conversion?
    /// Messages per minute for this campaign; sends beyond it wait for the next minute.
    public var rateLimitPerMinute: Int?
    /// A message held by the rate limit for longer than this is aborted.
    public var maxHold: SimDuration
    public var flow: Flow
    /// Declared with `steps:` (a multi-step flow) rather than a single message.
    public var isMultiStep: Bool
    /// A delivered message not opened within this long is ignored: `message_ignored` is emitted
    /// at the end of the window. Nil: the campaign's messages are never reported ignored.
    public var ignoredAfter: SimDuration?

    public enum Priority: UInt8, Sendable {
        case marketing
        case transactional
    }

    /// The event that starts the campaign for a customer, with conditions on it.
    public struct Trigger: Sendable, Equatable {
        public var event: EventKind
        /// All must hold.
        public var filters: [EventFilter]
        /// Only the customer's first event of this kind in the run triggers (welcome series).
        public var firstTimeOnly: Bool

        public init(event: EventKind, filters: [EventFilter] = [], firstTimeOnly: Bool = false) {
            self.event = event
            self.filters = filters
            self.firstTimeOnly = firstTimeOnly
        }
    }

    /// Who may enter.
    public struct Audience: Sendable, Equatable {
        /// Allowed archetypes; empty means all.
        public var archetypes: [Archetype]
        /// The customer must be reachable on at least one of these; empty means no condition.
        public var channelsReachable: ChannelSet
        /// The customer must have consented to at least one of the campaign's channels.
        public var requireConsent: Bool

        public init(archetypes: [Archetype] = [], channelsReachable: ChannelSet = [], requireConsent: Bool = true) {
            self.archetypes = archetypes
            self.channelsReachable = channelsReachable
            self.requireConsent = requireConsent
        }
    }

    /// The event that counts as a conversion within `window` after a message was received (or
    /// held out, for the control group).
    public struct Conversion: Sendable, Equatable {
        public var event: EventKind
        public var window: SimDuration
        public init(event: EventKind, window: SimDuration) {
            self.event = event
            self.window = window
        }
    }

    public init(name: String, trigger: Trigger, flow: Flow, isMultiStep: Bool = false) {
        self.name = name
        self.trigger = trigger
        self.audience = Audience()
        self.recheckAudienceAtSend = false
        self.exceptionEvents = []
        self.start = nil
        self.end = nil
        self.deliveryWindow = nil
        self.reeligibility = nil
        self.priority = .marketing
        self.overrideCaps = false
        self.countsTowardCaps = true
        self.controlGroup = 0
        self.channels = [.whatsapp, .sms, .email]
        self.preferJourneyChannel = false
        self.fallback = true
        self.conversion = nil
        self.rateLimitPerMinute = nil
        self.maxHold = .hours(72)
        self.flow = flow
        self.isMultiStep = isMultiStep
        self.ignoredAfter = nil
    }

    /// A single-message campaign: `delay` after the trigger, send `content`.
    public init(name: String, trigger: Trigger, delay: SimDuration = .zero, content: CampaignContent) {
        self.init(
            name: name, trigger: trigger, flow: Flow(steps: [.message(MessageStep(delay: delay, content: content))]))
    }
}
