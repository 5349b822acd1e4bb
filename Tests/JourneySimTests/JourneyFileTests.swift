import Foundation
import Testing

@testable import JourneySim

// Journey files (paths and line numbers in errors, the e-commerce file against the built-in
// journey), journey parameters, and session blocks.

@Suite struct JourneyFileTests {
    private var scenariosFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
    }

    @Test func journeyFileErrorsNameTheJourneyFileAndLine() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        processes: { main: a }
        states:
          a: { wait: { exponential: 1h }, next: nowhere }
        """.write(to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "journey: broken.yaml\n".write(
            to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: folder.appendingPathComponent("scenario.yaml").path)
            Issue.record("a broken journey file loaded")
        } catch {
            #expect(error.description.contains("broken.yaml:3"), "\(error.description)")
            #expect(
                error.description.contains("states.a.next") && error.description.contains("unknown state 'nowhere'"),
                "\(error.description)")
        }
        try "journey: missing.yaml\n".write(
            to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: folder.appendingPathComponent("scenario.yaml").path)
            Issue.record("a missing journey file loaded")
        } catch {
            #expect(
                error.description.contains("the journey file 'missing.yaml' does not exist"), "\(error.description)")
        }
    }

    /// The e-commerce funnel written as a journey file against the built-in journey it mirrors,
    /// on the same scenario: the headline figures agree within 4 standard errors of their
    /// difference (Poisson for counts, binomial for shares; each run's figures are independent
    /// draws of the same model, since the two consume random numbers differently).
    @Test func ecommerceJourneyFileMatchesTheBuiltInJourney() throws {
        var builtIn = try ScenarioLoader.load(path: scenariosFolder.appendingPathComponent("abandoned-cart.yaml").path)
        var asData = try ScenarioLoader.load(
            path: scenariosFolder.appendingPathComponent("ecommerce-journey.yaml").path)
        #expect(builtIn.journey == nil && asData.journey != nil)
        builtIn.population.customers = 20_000
        asData.population.customers = 20_000
        let a = SimulationRun.execute(builtIn).summary
        let b = SimulationRun.execute(asData).summary
        func counts(_ name: String, _ x: Int, _ y: Int) {
            let error = (Double(x) + Double(y)).squareRoot()
            #expect(
                abs(Double(x - y)) <= 4 * error, "\(name): built-in \(x), journey file \(y) (SE of difference \(error))"
            )
        }
        counts("sessions", a.totals.sessions, b.totals.sessions)
        counts("cart adds", a.totals.cartAdds, b.totals.cartAdds)
        counts("purchases", a.totals.purchases, b.totals.purchases)
        counts("abandoned carts", a.totals.abandonedCarts, b.totals.abandonedCarts)
        counts("reviews", a.totals.reviews, b.totals.reviews)
        let ma = try #require(a.messaging?.totals)
        let mb = try #require(b.messaging?.totals)
        counts("messages delivered", ma.messagesDelivered, mb.messagesDelivered)
        counts("opt-outs", ma.optOuts, mb.optOuts)
        counts("cart returns", ma.cartReturns, mb.cartReturns)
        func share(_ name: String, _ x: Double, _ n1: Int, _ y: Double, _ n2: Int) {
            let p = (x * Double(n1) + y * Double(n2)) / Double(n1 + n2)
            let error = (p * (1 - p) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
            #expect(abs(x - y) <= 4 * error, "\(name): built-in \(x), journey file \(y) (SE \(error))")
        }
        share(
            "cart abandonment", a.totals.cartAbandonmentRate, a.totals.abandonedCarts + a.totals.purchases,
            b.totals.cartAbandonmentRate, b.totals.abandonedCarts + b.totals.purchases)
        share(
            "opt-outs per unhappy message", ma.optOutShareOfUnhappy, ma.unhappyMessages, mb.optOutShareOfUnhappy,
            mb.unhappyMessages)
        #expect(a.population == b.population)
    }

    @Test func scheduledEventsStageConditionsAndLiftedChoices() throws {
        let s = try scenario(
            plainPopulation + fatigueOff(open: 1, click: 1, lift: 1.8) + """
                journey:
                  processes: { main: start }
                  states:
                    start:
                      emit: need_arises
                      schedule:
                        - { event: review, probability: 1, delay: { fixed: 2d } }
                        - { event: referral, probability: 0, delay: { fixed: 1d } }
                      next: shop
                    shop: { wait: { fixed: 1h }, next: add }
                    add: { emit: add_to_cart, value: { fixed: 20 }, next: leave }
                    leave: { emit: session_end, next: waiting }
                    waiting: { wait: { fixed: 10d }, next: gone }
                    gone: { end: true }
                    back:
                      emit: session_start
                      branch:
                        - if: "stage == cart"
                          choose:
                            - { to: buy, probability: 0.5, lift: true }
                            - { to: gone, probability: 0.5 }
                        - { to: gone }
                    buy: { emit: purchase, end: true }
                  reactions:
                    - { on: message_clicked, in: waiting, if: "cart_value > 0", delay: { fixed: 1m }, to: back, counts_as: cart_return }
                campaigns:
                  - name: reminder
                    trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                    channels: [ sms ]
                    content: { template: reminder }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.reviews == 2000)
        #expect(sim.metrics.totals.referrals == 0)
        #expect(sim.messaging.cartReturns == 2000)
        // Lifted from 0.5 to 0.9 by SMS's purchase lift of 1.8: 1,800 expected, SE 13.
        #expect(abs(sim.metrics.totals.purchases - 1800) < 60, "\(sim.metrics.totals.purchases)")
        #expect(sim.messaging.messagePurchases == sim.metrics.totals.purchases)
    }

    /// A customer moved by a message they clicked comes back on it: the session runs on the
    /// message's channel and its purchase is the message's. One moved by a message they ignored
    /// comes back on their own: the same journey, the same purchases, none of them the message's.
    @Test(arguments: [("message_clicked", 1.0), ("message_ignored", 0.0)])
    func onlyInteractionsThatDrawTheCustomerInBringThemBack(on: String, open: Double) throws {
        let s = try scenario(
            plainPopulation + fatigueOff(open: open, click: open) + """
                journey:
                  processes: { main: start }
                  states:
                    start: { emit: need_arises, next: add }
                    add: { emit: add_to_cart, value: { fixed: 20 }, next: leave }
                    leave: { emit: session_end, next: waiting }
                    waiting: { wait: { fixed: 10d }, next: gone }
                    gone: { end: true }
                    back: { emit: session_start, next: buy }
                    buy: { emit: purchase, end: true }
                  reactions:
                    - { on: \(on), in: waiting, delay: { fixed: 1m }, to: back }
                campaigns:
                  - name: reminder
                    trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                    channels: [ sms ]
                    ignored_after: 4h
                    content: { template: reminder }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.purchases == 2000)
        #expect(sim.messaging.messagePurchases == (on == "message_clicked" ? 2000 : 0))
    }

    @Test func memoryEstimateCountsTheJourneyColumns() throws {
        let plain = try scenario("population: { customers: 1000 }")
        let journey = try scenario(
            """
            population: { customers: 1000 }
            journey:
              attributes: { a: 0, b: 0 }
              processes: { main: s, side: { start: t, autostart: false } }
              states:
                s: { start_process: side, wait: { exponential: 1d }, next: s }
                t: { wait: { exponential: 1d }, next: t }
            """)
        // Against a scenario running the default funnel, the difference is the two programs' columns.
        let difference =
            MemoryEstimate(scenario: journey).bytesPerCustomer - MemoryEstimate(scenario: plain).bytesPerCustomer
        #expect(
            difference == JourneyRuntime.bytesPerCustomer(processes: 2, attributes: 2, tracked: 0)
                + MemoryEstimate.eventHeapBytes - MemoryEstimate.journeyProgramBytes(plain.effectiveJourney))
    }
}

@Suite struct JourneyParameterTests {
    private var ecommerceJourney: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/journeys/ecommerce.yaml").path
    }

    @Test func referencesReadTheScenarioAndTheJourneysOwnValuesPerArchetype() throws {
        let population = plainPopulation.replacingOccurrences(
            of: "archetypes: { routine: 1.0 }", with: "archetypes: { routine: 0.5, trek: 0.5 }")
        let s = try scenario(
            population + """
                journeys:
                  routine: { basket: { median: 42, sigma: 0.1 } }
                journey:
                  parameters: { price: 10, pause: 1h }
                  processes: { main: a }
                  states:
                    a: { wait: { fixed: $pause }, branch: [ { if: "archetype == trek", to: c }, { to: b } ] }
                    b: { emit: purchase, value: { fixed: $basket_median }, end: true }
                    c: { emit: purchase, value: { fixed: $price }, end: true }
                  archetypes:
                    trek: { parameters: { price: 30 } }
                """)
        let sim = simulate(s)
        let routine = sim.metrics.byArchetype[Int(Archetype.routine.rawValue)]
        let trek = sim.metrics.byArchetype[Int(Archetype.trek.rawValue)]
        #expect(routine.purchases > 0 && trek.purchases > 0)
        #expect(routine.revenueCents == Int64(routine.purchases) * 4200)
        #expect(trek.revenueCents == Int64(trek.purchases) * 3000)
    }

    @Test func unknownShadowingAndMisplacedReferencesAreErrorsNamingThePath() {
        let unknown = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: $step_gapp }, next: a }
            """)
        #expect(
            unknown.contains("journey.states.a.wait.exponential") && unknown.contains("unknown parameter '$step_gapp'")
                && unknown.contains("Did you mean '$step_gap'?"), "\(unknown)")
        let shadowing = journeyError(
            """
            journey:
              parameters: { lapse: 0.3 }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
            """)
        #expect(
            shadowing.contains("journey.parameters.lapse") && shadowing.contains("a parameter the scenario sets"),
            "\(shadowing)")
        let misplaced = journeyError(
            """
            journey:
              attributes: { streak: $max_steps }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
            """)
        #expect(misplaced.contains("journey.attributes") && misplaced.contains("takes plain values"), "\(misplaced)")
        let inCondition = journeyError(
            """
            journey:
              attributes: { n: 0 }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, branch: [ { if: "n > $nothing", to: a }, { to: a } ] }
            """)
        #expect(
            inCondition.contains("journey.states.a.branch[0].if")
                && inCondition.contains("unknown parameter '$nothing'"), "\(inCondition)")
    }

    @Test func oneOptionWithoutProbabilityTakesTheRest() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a: { wait: { fixed: 1h }, choose: [ { to: b, probability: 0.25 }, { to: c } ] }
                    b: { emit: purchase, value: { fixed: 10 }, end: true }
                    c: { emit: view, end: true }
                """)
        let sim = simulate(s)
        let purchases = Double(sim.metrics.totals.purchases)
        // 2,000 customers, p = 0.25: within 4 standard errors.
        #expect(abs(purchases - 500) <= 4 * (2000 * 0.25 * 0.75).squareRoot(), "\(purchases)")
        #expect(sim.metrics.totals.purchases + sim.metrics.totals.views == 2000)
        let two = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { fixed: 1h }, choose: [ { to: a }, { to: a } ] }
            """)
        #expect(two.contains("two options without a probability"), "\(two)")
        let over = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { fixed: 1h }, choose: [ { to: a, probability: 0.7 }, { to: a, probability: 0.6 }, { to: a } ] }
            """)
        #expect(over.contains("more than 1"), "\(over)")
    }

    /// The shipped e-commerce journey reads the scenario's `journeys:` numbers: with a checkout
    /// that never buys, nobody buys; with the defaults, customers do.
    @Test func ecommerceJourneyFollowsTheScenariosArchetypeParameters() throws {
        let base = plainPopulation + "journey: \(ecommerceJourney)\n"
        let never = try scenario(
            base + """
                journeys:
                  routine: { transitions: { checkout: { purchase: 0, research: 0.5, end: 0.5 } } }
                """)
        let defaults = try scenario(base)
        let none = simulate(never)
        let some = simulate(defaults)
        #expect(none.metrics.totals.checkouts > 0)
        #expect(none.metrics.totals.purchases == 0)
        #expect(some.metrics.totals.purchases > 0)
    }

    /// A state with nothing but a transition is passed through: counted on entry, no process
    /// rests in it, so its exits equal its entries and its dwell is 0.
    @Test func junctionsAreCountedWithoutDwell() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a: { emit: view, wait: { fixed: 1h }, next: j }
                    j: { choose: [ { to: a, probability: 0.5 }, { to: b } ] }
                    b: { emit: view, wait: { fixed: 2h }, next: j }
                """)
        let summary = SimulationRun.execute(s).summary
        let states = try #require(summary.journey?.states)
        let junction = try #require(states["j"])
        let a = try #require(states["a"])
        let b = try #require(states["b"])
        #expect(junction.entries > 1000 && junction.exits == junction.entries && junction.meanDwellHours == 0)
        #expect(a.entries + b.entries == junction.entries + 2000)
        // Every customer is in a or b at the end; the time in a and b adds up to the run's length.
        #expect(a.entries - a.exits + b.entries - b.exits == 2000)
        let hours = (a.meanDwellHours ?? 0) * Double(a.entries) + (b.meanDwellHours ?? 0) * Double(b.entries)
        #expect(abs(hours - 2000 * 20 * 24) < 1, "\(hours)")
    }
}

@Suite struct SessionBlockTests {
    private func block(
        research: String, cart: String = "{ end: 1 }", checkout: String = "{ end: 1 }", maxSteps: Int = 60
    ) -> String {
        """
        journey:
          processes: { main: start }
          states:
            start: { emit: need_arises, next: shop }
            shop:
              session:
                gap: { fixed: 1m }
                max_steps: \(maxSteps)
                research: \(research)
                cart: \(cart)
                checkout: \(checkout)
                purchased: bought
                ended: left
            bought: { end: true }
            left: { end: true }
        """
    }

    @Test func aSessionTakesItsStepsAndEndsAtItsLimit() throws {
        let s = try scenario(plainPopulation + block(research: "{ view: 1 }", maxSteps: 5))
        let summary = SimulationRun.execute(s).summary
        // Five views a minute apart, then the sixth step finds the limit: one session each, no cart.
        #expect(summary.totals.sessions == 2000)
        #expect(summary.totals.views == 5 * 2000)
        #expect(summary.totals.abandonedCarts == 0 && summary.totals.purchases == 0)
        let states = try #require(summary.journey?.states)
        #expect(states["left"]?.entries == 2000)
        #expect((states["bought"]?.entries ?? 0) == 0)
        // The session state holds each customer for its six minutes.
        #expect(abs((states["shop"]?.meanDwellHours ?? 0) - 0.1) < 1e-6, "\(states["shop"].map { "\($0)" } ?? "")")
        #expect(summary.stageTransitions["routine"]?["research"]?.steps == 5 * 2000)
    }

    @Test func aPurchaseEndsTheSessionAndMovesToPurchased() throws {
        let s = try scenario(
            plainPopulation
                + block(research: "{ add_to_cart: 1 }", cart: "{ checkout: 1 }", checkout: "{ purchase: 1 }"))
        let summary = SimulationRun.execute(s).summary
        #expect(summary.totals.cartAdds == 2000 && summary.totals.checkouts == 2000 && summary.totals.purchases == 2000)
        #expect(summary.totals.abandonedCarts == 0)
        #expect(summary.journey?.states["bought"]?.entries == 2000)
        #expect(summary.stageTransitions["routine"]?["checkout"]?.shares["purchase"] == 1)
    }

    @Test func aSessionThatEndsWithAFullCartIsAnAbandonedCart() throws {
        let s = try scenario(plainPopulation + block(research: "{ add_to_cart: 1 }", cart: "{ end: 1 }"))
        let summary = SimulationRun.execute(s).summary
        #expect(summary.totals.cartAdds == 2000 && summary.totals.abandonedCarts == 2000)
        #expect(summary.journey?.states["left"]?.entries == 2000)
    }

    @Test func malformedBlocksAreErrorsNamingThePath() {
        let sum = journeyError(block(research: "{ view: 0.5, end: 0.4 }"))
        #expect(sum.contains("journey.states.shop.session.research") && sum.contains("add up to 0.9"), "\(sum)")
        let outcome = journeyError(block(research: "{ purchase: 1 }"))
        #expect(outcome.contains("journey.states.shop.session.research") && outcome.contains("purchase"), "\(outcome)")
        let target = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(of: "purchased: bought", with: "purchased: nowhere"))
        #expect(
            target.contains("journey.states.shop.session.purchased") && target.contains("unknown state 'nowhere'"),
            "\(target)")
        let emit = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(
                of: "    shop:\n", with: "    shop:\n      emit: view\n"))
        #expect(emit.contains("journey.states.shop.session") && emit.contains("move emit"), "\(emit)")
        let both = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(
                of: "    shop:\n", with: "    shop:\n      next: left\n"))
        #expect(both.contains("2 ways out"), "\(both)")
    }
}
