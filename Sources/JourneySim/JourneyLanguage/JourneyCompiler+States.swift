/// Compiling a state: its emit and properties, value, attribute and process operations, timers,
/// wait, transition and session block, each laid out as rows of the program's tables.
extension JourneyCompiler.Builder {
    mutating func add(_ state: JourneyGraph.State) throws(ScenarioError) {
        let id = Int(try self.state(state.name, state.node))
        var compiled = JourneyProgram.State()
        compiled.present = true
        compiled.isEnd = state.isEnd
        compiled.stage = state.stage?.rawValue ?? 255
        if let emit = state.emit { try compileEmit(emit, into: &compiled) }
        if let value = state.value {
            guard let emit = compiled.emit == JourneyProgram.noEvent ? nil : EventKind(rawValue: compiled.emit),
                emit == .addToCart || emit == .purchase
            else {
                throw state.valueNode!.invalid(
                    "a value is what an add_to_cart adds to the cart or what a purchase pays; this state emits neither."
                )
            }
            compiled.value = distribution(value)
        }
        compiled.attributeOps = try compileAttributeOps(state)
        compiled.processOps = try compileProcessOps(state)
        compiled.timers = try compileTimers(state.timers)
        if let wait = state.wait { compiled.wait = distribution(wait) }
        compiled.waitByLocalHour = state.waitByLocalHour
        compiled.waitFrequencyScaled = state.waitFrequencyScaled
        if let transition = state.transition { compiled.transition = try node(transition) }
        if let session = state.session { try compileSession(session, into: &compiled) }
        program.states[id] = compiled
    }

    /// The event a state emits, and where each of its properties' values comes from: a custom
    /// event needs every property it declares and takes no other, a built-in event takes none.
    /// Message interactions and opt_out come from messages, so no journey emits them.
    private mutating func compileEmit(
        _ emit: JourneyGraph.Emit, into compiled: inout JourneyProgram.State
    ) throws(ScenarioError) {
        guard let kind = catalog.kind(named: emit.event) else {
            throw JourneyCompiler.unknownEvent(emit.event, emit.node, catalog)
        }
        guard !kind.isMessageInteraction, kind != .optOut else {
            throw emit.node.invalid(
                "a journey cannot emit '\(emit.event)': it comes from the messages a customer gets (and opt_out from the fatigue model)."
            )
        }
        compiled.emit = kind.rawValue
        let propertiesStart = Int32(program.propertySources.count)
        if let declaration = catalog.declaration(of: kind) {
            for (name, node) in emit.properties
            where !declaration.properties.contains(where: { $0.name == name }) {
                let names = declaration.properties.map(\.name)
                throw node.invalid(
                    "event '\(emit.event)' has no property '\(name)'; its properties: \(names.isEmpty ? "none" : names.joined(separator: ", "))."
                )
            }
            for property in declaration.properties {
                guard let given = emit.properties.first(where: { $0.name == property.name }) else {
                    throw emit.node.invalid(
                        "emitting '\(emit.event)' needs a value for its property '\(property.name)' (a \(Self.describe(property.kind)))."
                    )
                }
                program.propertySources.append(try propertySource(property, given.value))
            }
        } else if let first = emit.properties.first {
            throw first.value.invalid(
                "'\(emit.event)' is a built-in event; only custom events carry properties.")
        }
        compiled.properties = IDRange(propertiesStart..<Int32(program.propertySources.count))
    }

    /// The state's `set` then `add` operations, as rows of `program.attributeOps`.
    private mutating func compileAttributeOps(_ state: JourneyGraph.State) throws(ScenarioError) -> IDRange {
        let opsStart = Int32(program.attributeOps.count)
        for (isAdd, list) in [(false, state.set), (true, state.add)] {
            for (name, operand, node) in list {
                var op = JourneyProgram.AttributeOp(attribute: try attribute(name, node), isAdd: isAdd, value: 0)
                switch operand {
                case let .number(value): op.value = Float(value)
                case let .name(other, otherNode):
                    if other == "cart_value" {
                        op.source = .cartValue
                    } else {
                        op.source = .attribute
                        op.index = try attribute(other, otherNode)
                    }
                case let .draw(distribution):
                    op.source = .draw
                    op.index = self.distribution(distribution)
                }
                program.attributeOps.append(op)
            }
        }
        return IDRange(opsStart..<Int32(program.attributeOps.count))
    }

    /// The processes the state stops, then those it starts, as rows of `program.processOps`.
    private mutating func compileProcessOps(_ state: JourneyGraph.State) throws(ScenarioError) -> IDRange {
        let processStart = Int32(program.processOps.count)
        for (name, node) in state.stopProcesses {
            program.processOps.append(.init(process: try process(name, node), start: false))
        }
        for (name, node) in state.startProcesses {
            program.processOps.append(.init(process: try process(name, node), start: true))
        }
        return IDRange(processStart..<Int32(program.processOps.count))
    }

    /// The events the state schedules, as rows of `program.timers`: events a journey may emit,
    /// without properties (a timer has no values to give them).
    private mutating func compileTimers(
        _ timers: [(event: String, probability: Double, delay: Distribution, node: ConfigNode)]
    ) throws(ScenarioError) -> IDRange {
        let timersStart = Int32(program.timers.count)
        for timer in timers {
            let eventNode = (try? timer.node.openMapping())?["event"] ?? timer.node
            guard let kind = catalog.kind(named: timer.event) else {
                throw JourneyCompiler.unknownEvent(timer.event, eventNode, catalog)
            }
            guard !kind.isMessageInteraction, kind != .optOut else {
                throw eventNode.invalid(
                    "a journey cannot schedule '\(timer.event)': it comes from the messages a customer gets.")
            }
            if let declaration = catalog.declaration(of: kind), !declaration.properties.isEmpty {
                throw eventNode.invalid(
                    "'\(timer.event)' has properties; schedule an event without properties, or emit it from a state."
                )
            }
            program.timers.append(
                .init(event: kind.rawValue, probability: timer.probability, delay: distribution(timer.delay)))
        }
        return IDRange(timersStart..<Int32(program.timers.count))
    }

    /// A session block, as a row of `program.sessions`.
    private mutating func compileSession(
        _ session: JourneyGraph.SessionBlock, into compiled: inout JourneyProgram.State
    ) throws(ScenarioError) {
        // Entering the state emits session_start and waits for the first step; the block
        // picks between its two ways out itself (and the reachability check reads them).
        compiled.emit = EventKind.sessionStart.rawValue
        compiled.wait = distribution(session.gap)
        let purchased = try self.state(session.purchased.name, session.purchased.node)
        let ended = try self.state(session.ended.name, session.ended.node)
        compiled.session = Int32(program.sessions.count)
        program.sessions.append(
            .init(
                gap: compiled.wait, maxSteps: Int32(session.maxSteps), research: session.research,
                cart: session.cart, checkout: session.checkout, purchased: purchased, ended: ended))
    }

    static func describe(_ kind: EventCatalog.Property.Kind) -> String {
        switch kind {
        case .number: "number"
        case .bool: "bool"
        case let .category(names):
            "category: \(names.prefix(6).joined(separator: ", "))\(names.count > 6 ? ", …" : "")"
        }
    }

    func propertySource(
        _ property: EventCatalog.Property, _ node: ConfigNode
    ) throws(ScenarioError) -> JourneyProgram.PropertySource {
        // An attribute's name or cart_value reads the customer; otherwise a literal of the property's type.
        if node.isPlainScalar, let text = try? node.string() {
            if text == "cart_value", property.kind == .number {
                return .init(kind: .cartValue, attribute: 0, value: 0)
            }
            if let index = attributeNames.firstIndex(of: text), property.kind != .category([]) {
                if case .category = property.kind {
                } else {
                    return .init(kind: .attribute, attribute: Int32(index), value: 0)
                }
            }
        }
        switch property.kind {
        case .number:
            let value = try node.double(in: -1e30...1e30, "a number, an attribute's name or cart_value")
            return .init(kind: .constant, attribute: 0, value: Float(value))
        case .bool:
            return .init(kind: .constant, attribute: 0, value: try node.bool() ? 1 : 0)
        case let .category(names):
            let text = try node.string()
            guard let index = names.firstIndex(of: text) else {
                let hint = Suggestion.closest(to: text, in: names).map { " Did you mean '\($0)'?" } ?? ""
                throw node.invalid(
                    "'\(text)' is not a value of '\(property.name)' (\(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : "")); category properties take one of their names, not an attribute.\(hint)"
                )
            }
            return .init(kind: .constant, attribute: 0, value: Float(index))
        }
    }
}
