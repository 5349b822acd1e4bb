import Testing

@testable import JourneySim

@Suite struct PopulationTests {
    @Test func channelCountsFollowTheConfiguredMix() throws {
        let s = try scenario("population: { customers: 50000 }")
        let population = Population(scenario: s)
        var histogram = [Int](repeating: 0, count: 11)
        for id in 0..<population.count { histogram[population.channels[id].count] += 1 }
        let n = Double(population.count)
        let mix = s.population.channelCountMix
        for count in 1...6 {
            #expect(abs(Double(histogram[count]) / n - mix[count - 1]) < 0.01, "channel count \(count)")
        }
        let threeToFive = Double(histogram[3] + histogram[4] + histogram[5]) / n
        #expect(threeToFive > 0.5)
        #expect(abs(threeToFive - (mix[2] + mix[3] + mix[4])) < 0.01)
    }

    @Test func consentAndReachabilityAreSubsetsAtConfiguredRates() throws {
        let s = try scenario(
            "population: { customers: 40000, channels: { whatsapp: { consent: 0.5, reachable: 0.25 } } }")
        let population = Population(scenario: s)
        var has = 0
        var consent = 0
        var reachable = 0
        for id in 0..<population.count {
            #expect(population.consent[id].isSubset(of: population.channels[id]))
            #expect(population.reachable[id].isSubset(of: population.channels[id]))
            if population.channels[id].contains(.whatsapp) {
                has += 1
                if population.consent[id].contains(.whatsapp) { consent += 1 }
                if population.reachable[id].contains(.whatsapp) { reachable += 1 }
            }
        }
        #expect(abs(Double(consent) / Double(has) - 0.5) < 0.02)
        #expect(abs(Double(reachable) / Double(has) - 0.25) < 0.02)
    }

    @Test func archetypeAndTimeZoneMixes() throws {
        let s = try scenario(
            """
            population:
              customers: 40000
              archetypes: { routine: 0.1, joyride: 0.2, trek: 0.3, odyssey: 0.4 }
              time_zones: { Asia/Tokyo: 0.75, Europe/Paris: 0.25 }
            """)
        let population = Population(scenario: s)
        var archetypes = [0, 0, 0, 0]
        var zones = [0, 0]
        for id in 0..<population.count {
            archetypes[Int(population.archetype[id].rawValue)] += 1
            zones[Int(population.timeZone[id])] += 1
        }
        for (i, share) in [0.1, 0.2, 0.3, 0.4].enumerated() {
            #expect(abs(Double(archetypes[i]) / 40_000 - share) < 0.01)
        }
        #expect(abs(Double(zones[0]) / 40_000 - 0.75) < 0.01)
    }

    /// A customer is a function of (seed, id) only: the same in a population of 1,000 or 3,000.
    @Test func customersDoNotDependOnPopulationSize() throws {
        let small = Population(scenario: try scenario("seed: 5\npopulation: { customers: 1000 }"))
        let large = Population(scenario: try scenario("seed: 5\npopulation: { customers: 3000 }"))
        for id in 0..<1000 {
            #expect(small.channels[id] == large.channels[id])
            #expect(small.archetype[id] == large.archetype[id])
            #expect(small.timeZone[id] == large.timeZone[id])
        }
        let otherSeed = Population(scenario: try scenario("seed: 6\npopulation: { customers: 1000 }"))
        #expect((0..<1000).contains { small.channels[$0] != otherSeed.channels[$0] })
    }

    @Test func multichannelEffectAppliesToConfiguredArchetypes() throws {
        let population = Population(scenario: try scenario("population: { customers: 20000 }"))
        for id in 0..<population.count {
            let expected = population.archetype[id] == .routine && population.channels[id].count >= 3
            #expect((population.spendMultiplier(id) == 1.34) == expected)
        }
    }
}
