/// Decides how a customer reacts to a delivered message: fatigue first (every delivered message
/// annoys, whether or not it is read), then opening and clicking.
///
/// A pure function of the spec, the customer's fatigue state and their response stream, so it
/// can be tested alone and the simulator stays deterministic.
public struct ResponseModel: Sendable {
    public let spec: BehaviorSpec

    public init(spec: BehaviorSpec) { self.spec = spec }

    /// Reacts to one message delivered at `time`.
    /// - Parameters:
    ///   - id: the recipient (its index in `state`).
    ///   - channel: the channel the message arrived on.
    ///   - traits: what the message is (its template, whether it urges a purchase).
    ///   - time: when the message was delivered.
    ///   - purchasedSinceTrigger: the customer bought after the event that triggered the message.
    ///   - usualChannel: the channel the customer's current journey runs on.
    ///   - localHour: the recipient's local hour when the message arrives.
    ///   - state: the customers' fatigue, updated for this message.
    ///   - rng: the recipient's response stream, which decides unhappiness, opt-out, open, click and reply.
    public func react(
        customer id: Int, channel: Channel, traits: MessageTraits, at time: SimTime,
        purchasedSinceTrigger: Bool, usualChannel: Channel, localHour: Int,
        state: inout FatigueState, rng: inout some SimulationRandom
    ) -> MessageReaction {
        let fatigue = spec.fatigue
        var reaction = MessageReaction()
        let elapsed = Double((time - state.lastUpdate[id]).milliseconds)
        var annoyance = Double(state.annoyance[id])
        if elapsed > 0 { annoyance *= _exp(-0.693_147_180_559_945_3 * elapsed / Double(fatigue.halfLife.milliseconds)) }
        annoyance += fatigue.perMessage
        if traits.urgesPurchase && purchasedSinceTrigger { annoyance += fatigue.irrelevant }
        if isQuiet(localHour) { annoyance += fatigue.offHours }
        if state.lastTemplate[id] == traits.template &+ 1 { annoyance += fatigue.repeated }
        if channel != usualChannel { annoyance += fatigue.rareChannel }
        state.annoyance[id] = Float(annoyance)
        state.lastUpdate[id] = time
        state.lastTemplate[id] = traits.template &+ 1
        reaction.annoyance = annoyance

        let unhappyProbability = min(1, fatigue.baseUnhappy + fatigue.unhappyPerAnnoyance * annoyance)
        if rng.bernoulli(unhappyProbability) {
            reaction.unhappy = true
            if rng.bernoulli(fatigue.optOut) {
                reaction.optedOut = true
                state.optOutCount[id] &+= 1
            }
        }
        let response = spec.response(channel)
        var engagement = 1.0
        for _ in 0..<Int(state.optOutCount[id]) { engagement *= fatigue.engagementAfterOptOut }
        if reaction.unhappy { engagement *= 0.5 }
        reaction.opened = rng.bernoulli(response.open * engagement)
        reaction.clicked = reaction.opened && !reaction.optedOut && rng.bernoulli(response.click * engagement)
        // Drawn only when replies are modelled, so scenarios without them keep their streams.
        if response.reply > 0, reaction.opened, !reaction.optedOut {
            reaction.replied = rng.bernoulli(response.reply * engagement)
        }
        return reaction
    }

    func isQuiet(_ hour: Int) -> Bool {
        let from = spec.fatigue.quietFrom
        let to = spec.fatigue.quietTo
        return from <= to ? (hour >= from && hour < to) : (hour >= from || hour < to)
    }
}
