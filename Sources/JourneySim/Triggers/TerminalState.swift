/// The one state every message the trigger core creates ends in. Nothing is lost silently: the
/// per-campaign, per-step counts of these states add up to the messages created (see
/// `TriggerStats.conservationViolations()`).
public enum TerminalState: UInt8, CaseIterable, Sendable {
    /// Handed to the channel on the first channel chosen (delivery receipts are counted separately).
    case sent = 0
    /// Handed to the channel on a later channel in the campaign's list, because the first choice
    /// was not reachable or reported a delivery failure.
    case fellBack
    /// A frequency-cap rule was full for the customer and channel.
    case suppressedByCap
    /// Due outside the delivery window with `outside: drop`.
    case droppedByWindow
    /// An exception event arrived before the send (no message of the flow had been sent yet).
    case cancelledByException
    /// The customer is in the campaign's control group: recorded at the time it would have been sent.
    case heldOut
    /// The customer opted out of every channel the campaign could use.
    case suppressedOptedOut
    /// No channel of the campaign is both consented (or used) and reachable for the customer.
    case suppressedNoReachableChannel
    /// The audience was re-checked at send time (`recheck_audience_at_send`) and no longer matched.
    case suppressedAudience
    /// Due at or after the campaign's end.
    case expired
    /// Held by the campaign's rate limit for longer than `max_hold`.
    case aborted
    /// The flow exited (an `exit_on` event) while this message was pending, after an earlier step was sent.
    case skippedFlowExit
    /// Still pending when the run finished.
    case pendingAtEnd

    /// The name used in reports.
    public var name: String {
        switch self {
        case .sent: "sent"
        case .fellBack: "fell_back"
        case .suppressedByCap: "suppressed_by_cap"
        case .droppedByWindow: "dropped_by_window"
        case .cancelledByException: "cancelled_by_exception"
        case .heldOut: "held_out"
        case .suppressedOptedOut: "suppressed_opted_out"
        case .suppressedNoReachableChannel: "suppressed_no_reachable_channel"
        case .suppressedAudience: "suppressed_audience"
        case .expired: "expired"
        case .aborted: "aborted"
        case .skippedFlowExit: "skipped_flow_exit"
        case .pendingAtEnd: "pending_at_end"
        }
    }
}

/// What a channel reports back about a sent message.
public enum DeliveryOutcome: UInt8, Sendable {
    case delivered
    case read
    /// The channel could not deliver; the core falls back to the next channel when the campaign allows it.
    case failed
}
