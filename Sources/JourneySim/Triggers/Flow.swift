/// The steps a campaign runs for one customer. A single-message campaign is a one-step flow;
/// `steps:` in the scenario gives multi-step flows with delays, waits for events and branches.
///
/// Steps run in order unless a wait or branch jumps; jumping to `Flow.end` (or running past the
/// last step) ends the flow for that customer.
public struct Flow: Sendable, Equatable {
    public var steps: [FlowStep]
    /// Optional step names (`id:` in the scenario), the targets of `goto`, parallel to `steps`.
    public var names: [String?]
    /// Where each message or delay step goes when it is done (`then:`), parallel to `steps`;
    /// by default the following step.
    public var next: [Int]

    /// The jump target that ends the flow.
    public static let end = -1

    public init(steps: [FlowStep], names: [String?]? = nil, next: [Int]? = nil) {
        self.steps = steps
        self.names = names ?? Array(repeating: nil, count: steps.count)
        self.next = next ?? steps.indices.map { $0 + 1 < steps.count ? $0 + 1 : Flow.end }
    }
}

extension Flow {
    /// A label per step for reports: the step's `id`, else its kind (and template).
    public var stepLabels: [String] {
        let labels = steps.indices.map { index -> String in
            if let name = names[index] { return name }
            switch steps[index] {
            case let .message(message): return "message \(message.content.template)"
            case .delay: return "delay"
            case let .wait(wait): return "wait \(wait.event.name)"
            case .branch: return "branch"
            }
        }
        return labels.isEmpty ? ["message"] : labels
    }
}

public enum FlowStep: Sendable, Equatable {
    /// Creates a message that falls due `delay` after the step is reached.
    case message(MessageStep)
    /// Waits, then goes on to the next step.
    case delay(SimDuration)
    /// Waits for an event; jumps to `onEvent` when it arrives, to `onTimeout` otherwise.
    case wait(WaitStep)
    /// Jumps on an attribute of the latest event the flow saw (e.g. the review's stars).
    case branch(BranchStep)
}

/// What a message says. The strings are interned into `TriggerSpec.templates` and
/// `TriggerSpec.discountCodes`, so send requests carry small integers.
public struct CampaignContent: Sendable, Equatable {
    public var template: String
    /// Personalisation fields the template uses (e.g. first_name, cart_value).
    public var fields: [String]
    public var discountCode: String?
    /// Replies go to a human agent (e.g. unhappy reviewers).
    public var routeToAgent: Bool

    public init(template: String, fields: [String] = [], discountCode: String? = nil, routeToAgent: Bool = false) {
        self.template = template
        self.fields = fields
        self.discountCode = discountCode
        self.routeToAgent = routeToAgent
    }
}

public struct MessageStep: Sendable, Equatable {
    public var delay: SimDuration
    public var content: CampaignContent

    public init(delay: SimDuration = .zero, content: CampaignContent) {
        self.delay = delay
        self.content = content
    }
}

public struct WaitStep: Sendable, Equatable {
    public var event: EventKind
    public var timeout: SimDuration
    /// Step index to go to when the event arrives (`Flow.end` ends the flow).
    public var onEvent: Int
    /// Step index to go to when the timeout passes first.
    public var onTimeout: Int

    public init(event: EventKind, timeout: SimDuration, onEvent: Int, onTimeout: Int) {
        self.event = event
        self.timeout = timeout
        self.onEvent = onEvent
        self.onTimeout = onTimeout
    }
}

public struct BranchStep: Sendable, Equatable {
    public struct Case: Sendable, Equatable {
        public var condition: EventFilter
        public var goto: Int
        public init(condition: EventFilter, goto: Int) {
            self.condition = condition
            self.goto = goto
        }
    }

    /// Cases in order; the first that matches wins.
    public var cases: [Case]
    /// Where to go when no case matches.
    public var otherwise: Int

    public init(cases: [Case], otherwise: Int) {
        self.cases = cases
        self.otherwise = otherwise
    }
}
