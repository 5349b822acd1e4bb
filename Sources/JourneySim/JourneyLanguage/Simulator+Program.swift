/// The interpreter of a compiled journey (`JourneyProgram`): what a scheduled journey step does.
///
/// A process is in one state at a time. Entering a state applies its attribute changes, emits
/// its event (with the built-in meaning of built-in events: a session start picks the session's
/// channel, a purchase pays the cart, …), stops and starts the processes it names, then either
/// ends the process, waits (a scheduled step leaves the state later) or takes its transition at
/// once. A reaction to a message moves a process to a state after a delay of its own; steps of
/// the process scheduled before are then stale (the process's epoch moved on) and skipped.
///
/// The tables hold integer ids only: entering a state reads one `State` row and the rows it
/// points to, with no strings, dictionaries or allocation.
extension Simulator {
    /// A journey step's argument: bit 31 set for "enter `target`", clear for "leave the current
    /// state by its transition"; bits 28–30 the process; bits 0–27 the process's epoch.
    @inline(__always) static func journeyArgument(enter: Bool, process: Int, epoch: UInt32) -> UInt32 {
        (enter ? 0x8000_0000 : 0) | UInt32(truncatingIfNeeded: process) << 28 | epoch & 0x0FFF_FFFF
    }

    @inline(__always) func journeySlot(_ id: Int, _ process: Int) -> Int { id &* runtime.processes &+ process }

    /// Schedules the first step of every process that starts by itself (at the run's start).
    mutating func startJourneys() {
        let model = journeyModel
        for id in 0..<population.count {
            let a = archetype(id)
            // A journey that never emits need_arises still has a usual channel and a start.
            state.journeyChannel[id] = Self.pick(from: population.channels[id], rng: &state.rng[id])
            state.sessionChannel[id] = state.journeyChannel[id]
            state.journeyStart[id] = scenario.start
            for process in 0..<runtime.processes where model.processAutostart[process] {
                let slot = journeySlot(id, process)
                let start = journeyTables.processStarts[a &* journeyTables.processCount &+ process]
                if journeyTables.state(a, start).onlyWaits {
                    // A start state that only waits (an `idle` state, say) is entered here: it
                    // does nothing a campaign or another customer could see at the start.
                    enterJourneyState(id, process: process, state: start)
                    continue
                }
                runtime.slots[slot].target = UInt16(start)
                queue.schedule(
                    SimEvent(
                        customer: UInt32(id), kind: .journey,
                        argument: Self.journeyArgument(enter: true, process: process, epoch: 0)),
                    at: scenario.start)
            }
        }
    }

    mutating func journeyStep(_ event: SimEvent) {
        let id = Int(event.customer)
        let argument = event.argument
        let process = Int(argument >> 28 & 7)
        let slot = journeySlot(id, process)
        let record = runtime.slots[slot]
        guard record.epoch & 0x0FFF_FFFF == argument & 0x0FFF_FFFF else { return }  // superseded
        if argument & 0x8000_0000 != 0 {
            enterJourneyState(id, process: process, state: Int32(record.target))
        } else {
            guard record.current != JourneyRuntime.notRunning else { return }
            let a = archetype(id)
            let current = journeyTables.state(a, Int32(record.current))
            if current.session >= 0 {
                sessionBlockStep(id, archetype: a, process: process, epoch: record.epoch, block: Int(current.session))
                return
            }
            let next = journeyTransition(id, archetype: a, node: current.transition, process: process)
            enterJourneyState(id, process: process, state: next)
        }
    }

    /// The instant `now` as milliseconds from the run's start (what `JourneyStateCounter.time` sums).
    @inline(__always) var journeyClock: Int64 { now.milliseconds &- scenario.start.milliseconds }

    /// Enters `first` and every state reached from it at this instant. A junction (a state that
    /// only chooses where to go) is passed through: its entry is counted, and the process never
    /// rests in it.
    mutating func enterJourneyState(_ id: Int, process: Int, state first: Int32) {
        let a = archetype(id)
        let slot = journeySlot(id, process)
        let row0 = a &* journeyTables.stateCount
        let clock = journeyClock
        var stateID = first
        while true {
            guard journeyGuard.admit(id, at: now) else {
                journeyRunaway(id, process: process, state: stateID)
                return
            }
            let junction = journeyTables.junctions[row0 &+ Int(stateID)]
            if junction >= 0 {
                journeyStates[Int(stateID)].entries &+= 1
                stateID = journeyTransition(id, archetype: a, node: junction, process: process)
                continue
            }
            leaveJourneyState(slot, clock: clock)
            runtime.slots[slot].current = UInt16(truncatingIfNeeded: stateID)
            journeyStates[Int(stateID)].entries &+= 1
            journeyStates[Int(stateID)].time &-= clock
            let state = journeyTables.states[row0 &+ Int(stateID)]
            if !state.attributeOps.isEmpty { applyAttributeOps(id, archetype: a, state.attributeOps) }
            let epoch = runtime.slots[slot].epoch
            if state.emit != JourneyProgram.noEvent {
                journeyEmit(id, archetype: a, state: state)
            } else if state.stage != 255 {
                self.state.stage[id] = Stage(rawValue: state.stage) ?? self.state.stage[id]
            }
            if !state.processOps.isEmpty { applyProcessOps(id, archetype: a, state.processOps) }
            if !state.timers.isEmpty { scheduleJourneyTimers(id, archetype: a, state.timers) }
            // The state stopped or restarted its own process, or a runaway was found on the way.
            guard runtime.slots[slot].epoch == epoch, journeyRunawayFound == nil else { return }
            if state.isEnd { return }
            if state.wait >= 0 {
                let next: SimTime
                if state.waitByLocalHour {
                    let distribution = journeyTables.distributions[Int(state.wait)]
                    let mean =
                        state.waitFrequencyScaled
                        ? distribution.a / Double(population.frequencyMultiplier(id)) : distribution.a
                    next = timing.next(
                        after: now, meanGap: SimDuration(milliseconds: Int64(mean)),
                        zone: Int(population.timeZone[id]), zones: zones, rng: &self.state.rng[id])
                } else {
                    var draw = journeyTables.sample(state.wait, &self.state.rng[id])
                    if state.waitFrequencyScaled { draw /= Double(population.frequencyMultiplier(id)) }
                    // At least a millisecond: a wait always lets time pass.
                    next = now + SimDuration(milliseconds: max(1, Int64(min(draw, 9e15))))
                }
                queue.schedule(
                    SimEvent(
                        customer: UInt32(id), kind: .journey,
                        argument: Self.journeyArgument(enter: false, process: process, epoch: epoch)), at: next)
                return
            }
            stateID = journeyTransition(id, archetype: a, node: state.transition, process: process)
        }
    }

    /// One step of a `session:` block, as the shop's funnel takes it: by the stage the journey is
    /// in, add to the cart, view, move to checkout, step back to research, buy or end the
    /// session, with the block's probabilities (the checkout's purchase raised by a message's
    /// channel lift); the next step follows after the block's gap. A purchase ends the session
    /// and moves the process to `purchased`, an ending without one to `ended`; a session in any
    /// other stage (one a message started after a purchase, say) ends at its first step.
    ///
    /// The block is read in place by its row (`JourneyTables.sessions`): passed by value, its
    /// 120 bytes were copied at every step.
    mutating func sessionBlockStep(_ id: Int, archetype a: Int, process: Int, epoch: UInt32, block row: Int) {
        let block = journeyTables.sessions.address(row)
        state.sessionSteps[id] &+= 1
        guard Int32(state.sessionSteps[id]) <= block.pointee.maxSteps else {
            endBlockSession(id, process: process, epoch: epoch, to: block.pointee.ended)
            return
        }
        switch takeSessionStep(id, archetype: a, block) {
        case .continues:
            break
        case .purchase:
            payCartEndingTheSession(id)
            // Unless a reaction to a message sent on the way moved the process meanwhile.
            if runtime.slots[journeySlot(id, process)].epoch == epoch {
                enterJourneyState(id, process: process, state: block.pointee.purchased)
            }
            return
        case .ends:
            endBlockSession(id, process: process, epoch: epoch, to: block.pointee.ended)
            return
        }
        let gap = journeyTables.sample(block.pointee.gap, &state.rng[id])
        queue.schedule(
            SimEvent(
                customer: UInt32(id), kind: .journey,
                argument: Self.journeyArgument(enter: false, process: process, epoch: epoch)),
            at: now + SimDuration(milliseconds: max(1, Int64(min(gap, 9e15)))))
    }

    /// Ends a block's session without a purchase (with a full cart: an abandoned cart) and
    /// moves the process on.
    mutating func endBlockSession(_ id: Int, process: Int, epoch: UInt32, to next: Int32) {
        journeyEmit(id, archetype: archetype(id), kind: EventKind.sessionEnd.rawValue)
        if runtime.slots[journeySlot(id, process)].epoch == epoch {
            enterJourneyState(id, process: process, state: next)
        }
    }

    /// Schedules a state's `schedule:` events, each with its probability, after its delay.
    mutating func scheduleJourneyTimers(_ id: Int, archetype a: Int, _ range: IDRange) {
        for index in Int(range.lowerBound)..<Int(range.upperBound) {
            let timer = journeyTables.timers[index]
            if timer.probability < 1, !state.rng[id].bernoulli(timer.probability) { continue }
            let draw = journeyTables.sample(timer.delay, &state.rng[id])
            queue.schedule(
                SimEvent(customer: UInt32(id), kind: .journeyTimer, argument: UInt32(index)),
                at: now + SimDuration(milliseconds: max(1, Int64(min(draw, 9e15)))))
        }
    }

    /// A scheduled event falls due: emitted as a state emitting it would.
    mutating func journeyTimer(_ event: SimEvent) {
        let id = Int(event.customer)
        let a = archetype(id)
        journeyEmit(id, archetype: a, kind: journeyTables.timers[Int(event.argument)].event)
    }

    /// Emits `kind` as a state with nothing else to do would (a scheduled event, a session
    /// block's end).
    mutating func journeyEmit(_ id: Int, archetype a: Int, kind: UInt8) {
        var definition = JourneyProgram.State()
        definition.emit = kind
        journeyEmit(id, archetype: a, state: definition)
    }

    /// Counts the stay in the state `slot`'s process is leaving (it ends at `clock`).
    @inline(__always) mutating func leaveJourneyState(_ slot: Int, clock: Int64) {
        let old = runtime.slots[slot].current
        guard old != JourneyRuntime.notRunning else { return }
        journeyStates[Int(old)].time &+= clock
    }

    mutating func journeyRunaway(_ id: Int, process: Int, state: Int32) {
        guard journeyRunawayFound == nil else { return }
        let model = journeyModel
        journeyRunawayFound = JourneyRunaway(
            customer: population.globalID(id), time: now, process: model.processNames[process],
            state: model.stateNames[Int(state)])
    }

    /// Follows a transition node to the state it picks.
    mutating func journeyTransition(_ id: Int, archetype a: Int, node start: Int32, process: Int) -> Int32 {
        var index = Int(start)
        while true {
            let node = journeyTables.nodes[index]
            switch node.kind {
            case .goto:
                return node.first
            case .choose:
                // A single option (probability 1) takes no draw.
                if node.end &- node.first == 1 { return journeyTables.choices[Int(node.first)].state }
                let u = state.rng[id].nextUnit()
                if node.lifted >= 0, state.liftChannel[id] != 0 {
                    let lift = Double(purchaseLifts[Int(state.liftChannel[id])])
                    if lift != 1 { return liftedChoice(a, node: node, lift: lift, u: u) }
                }
                var choice = Int(node.first)
                while u >= journeyTables.choices[choice].cumulative { choice &+= 1 }
                return journeyTables.choices[choice].state
            case .branch:
                var arm = Int(node.first)
                while arm < Int(node.end) &- 1,
                    !journeyConditionsHold(id, archetype: a, journeyTables.arms[arm].conditions, process: process)
                {
                    arm &+= 1
                }
                index = Int(journeyTables.arms[arm].node)
            }
        }
    }

    /// A choice whose lifted option's probability is multiplied by `lift` (at most 0.99), the
    /// others scaled down to keep the row a distribution (as the built-in checkout is lifted).
    func liftedChoice(_ a: Int, node: JourneyProgram.Node, lift: Double, u: Double) -> Int32 {
        let liftedRow = Int(node.lifted)
        let base = journeyTables.choices[liftedRow].probability
        let raised = min(0.99, base * lift)
        let scale = base < 1 ? (1 - raised) / (1 - base) : 0
        var running = 0.0
        for row in Int(node.first)..<Int(node.end) {
            let choice = journeyTables.choices[row]
            running += row == liftedRow ? raised : choice.probability * scale
            if u < running { return choice.state }
        }
        return journeyTables.choices[Int(node.end) - 1].state
    }

    // `mutating` though they only read: called from mutating code, a non-mutating method that
    // is not inlined gets a copy of the whole simulator.
    mutating func journeyConditionsHold(_ id: Int, archetype a: Int, _ range: IDRange, process: Int) -> Bool {
        for index in Int(range.lowerBound)..<Int(range.upperBound) {
            let condition = journeyTables.conditions[index]
            // An attribute (the usual operand) is read here; the others, which need more of
            // the simulator, out of line, so a branch on a counter stays a few instructions.
            let lhs =
                condition.operand == .attribute
                ? Double(runtime.attributes[id &* runtime.attributeCount &+ Int(condition.attribute)])
                : journeyOperand(condition.operand, id, archetype: a, process: process)
            if !condition.holds(lhs) { return false }
        }
        return true
    }

    @inline(never)
    mutating func journeyOperand(
        _ operand: JourneyConditionOperand, _ id: Int, archetype a: Int, process: Int
    ) -> Double {
        switch operand {
        case .attribute: 0  // read by the caller
        case .cartValue: Double(state.cartCents[id]) / 100
        case .purchases: Double(state.purchases[id])
        case .channel: Double(state.sessionChannel[id].rawValue)
        case .archetype: Double(a)
        case .elapsed: Double((now - runtime.startedAt[journeySlot(id, process)]).milliseconds)
        case .inSession: state.inSession[id] ? 1 : 0
        case .localHour: Double(zones.localHour(zone: Int(population.timeZone[id]), at: now))
        case .stage: Double(state.stage[id].rawValue)
        }
    }

    mutating func applyAttributeOps(_ id: Int, archetype a: Int, _ range: IDRange) {
        for index in Int(range.lowerBound)..<Int(range.upperBound) {
            let op = journeyTables.attributeOps[index]
            let cell = id &* runtime.attributeCount &+ Int(op.attribute)
            let value: Float
            switch op.source {
            case .constant: value = op.value
            case .attribute: value = runtime.attributes[id &* runtime.attributeCount &+ Int(op.index)]
            case .cartValue: value = Float(state.cartCents[id]) / 100
            case .draw: value = Float(journeyTables.sample(op.index, &state.rng[id]))
            }
            runtime.attributes[cell] = op.isAdd ? runtime.attributes[cell] + value : value
        }
    }

    mutating func applyProcessOps(_ id: Int, archetype a: Int, _ range: IDRange) {
        for index in Int(range.lowerBound)..<Int(range.upperBound) {
            let op = journeyTables.processOps[index]
            let process = Int(op.process)
            let slot = journeySlot(id, process)
            leaveJourneyState(slot, clock: journeyClock)
            runtime.slots[slot].current = JourneyRuntime.notRunning
            runtime.slots[slot].epoch &+= 1
            guard op.start else { continue }
            // Started at this instant, through the queue (so a state never re-enters the loop
            // that is running it); the instant-cycle check covers such starts.
            runtime.slots[slot].target = UInt16(
                truncatingIfNeeded: journeyTables.processStarts[a &* journeyTables.processCount &+ process])
            if runtime.startedAt.count > 0 { runtime.startedAt[slot] = now }
            queue.schedule(
                SimEvent(
                    customer: UInt32(id), kind: .journey,
                    argument: Self.journeyArgument(enter: true, process: process, epoch: runtime.slots[slot].epoch)),
                at: now)
        }
    }

    /// Emits a state's event with the meaning built-in events have in the journey: a need arising
    /// starts a journey (empty cart, a journey channel), a session start picks the session's
    /// channel, a session end with a full cart is an abandoned cart, an add to cart adds the
    /// state's value (or the archetype's basket) to the cart, a purchase pays the cart (plus the
    /// state's value), a delivery, review, support request or referral is counted as the
    /// built-in journey counts them; a custom event carries its properties.
    mutating func journeyEmit(_ id: Int, archetype a: Int, state definition: JourneyProgram.State) {
        let kind = EventKind(unchecked: definition.emit)
        var stage = state.stage[id]
        var paid: UInt32 = 0
        var stars: UInt8 = 0
        var properties = EventProperties()
        switch kind {
        case .needArises:
            stage = .research
            state.cartCents[id] = 0
            state.journeyStart[id] = now
            state.journeyChannel[id] = Self.pick(from: population.channels[id], rng: &state.rng[id])
            state.sessionChannel[id] = state.journeyChannel[id]
        case .sessionStart:
            chooseSessionChannel(id)
            state.sessionSteps[id] = 0
            state.inSession[id] = true
            tally.sessionsByLocalHour[zones.localHour(zone: Int(population.timeZone[id]), at: now)] &+= 1
        case .sessionEnd:
            let abandoned = state.cartCents[id] > 0
            state.inSession[id] = false
            state.liftChannel[id] = 0
            if abandoned {
                state.abandonedAt[id] = now
                count(\.abandonedCarts, id)
                tally.daily[dayIndex].abandonedCarts &+= 1
            }
            if messagingEnabled { messageState.setSessionFromMessage(id, false) }
        case .addToCart:
            let value =
                definition.value >= 0
                ? journeyValue(id, archetype: a, definition.value) * Double(population.spendMultiplier(id))
                : state.rng[id].logNormal(
                    median: journeys[a].basketMedian * Double(population.spendMultiplier(id)),
                    sigma: journeys[a].basketSigma)
            addCents(id, value)
            stage = .cart
        case .checkout:
            stage = .checkout
        case .purchase:
            if definition.value >= 0 { addCents(id, journeyValue(id, archetype: a, definition.value)) }
            paid = state.cartCents[id]
            recordPurchase(id, paid: paid, endsSession: false)
            stage = .purchased
        case .delivery:
            stage = .using
        case .review:
            stars = UInt8(starTables[a].sample(&state.rng[id]) + 1)
        case .dormant:
            stage = .dormant
            count(\.lapsedJourneys, id)
        default:
            if kind.isCustom {
                journeyEventCounts.customEvents[Int(kind.rawValue &- EventKind.firstCustom)] &+= 1
                var position = 0
                for index in Int(definition.properties.lowerBound)..<Int(definition.properties.upperBound) {
                    let source = journeyTables.propertySources[index]
                    switch source.kind {
                    case .constant: properties[position] = source.value
                    case .attribute:
                        properties[position] = runtime.attributes[id &* runtime.attributeCount &+ Int(source.attribute)]
                    case .cartValue: properties[position] = Float(state.cartCents[id]) / 100
                    }
                    position &+= 1
                }
            }
        }
        if definition.stage != 255 { stage = Stage(rawValue: definition.stage) ?? stage }
        if stage != state.stage[id] { state.stage[id] = stage }
        emit(kind, id, paidCents: paid, stars: stars, properties: properties)
    }

    /// A draw of a state's value distribution.
    mutating func journeyValue(_ id: Int, archetype a: Int, _ distribution: Int32) -> Double {
        journeyTables.sample(distribution, &state.rng[id])
    }

    mutating func addCents(_ id: Int, _ value: Double) {
        let cents = UInt32(min(Double(UInt32.max / 4), max(1, (value * 100).rounded())))
        state.cartCents[id] = state.cartCents[id] &+ min(cents, UInt32.max / 2 &- state.cartCents[id] / 2)
    }
}
