/// The event loop alone, in the classic "hold" model: the queue holds `pending` events; each
/// iteration pops the earliest and schedules one new event an exponential time later, which is
/// what a simulation does at steady state.
public enum EventLoopBenchmark {
    public static func measure(pending: Int, events: Int, repetitions: Int) -> BenchmarkResult {
        var samples: [Double] = []
        for repetition in 0..<repetitions {
            var rng = Xoshiro256StarStar(seed: UInt64(repetition) &+ 17)
            var queue = EventQueue<SimEvent>()
            for i in 0..<pending {
                queue.schedule(
                    SimEvent(customer: UInt32(i), kind: .journey),
                    at: SimTime(milliseconds: Int64(rng.exponential(mean: 1_000_000))))
            }
            let clock = ContinuousClock()
            let start = clock.now
            var checksum: UInt64 = 0
            for _ in 0..<events {
                let entry = queue.pop()!
                checksum &+= UInt64(entry.payload.customer)
                let next = entry.time + SimDuration(milliseconds: Int64(rng.exponential(mean: 1_000_000)) &+ 1)
                queue.schedule(entry.payload, at: next)
            }
            let seconds = (clock.now - start).seconds
            precondition(checksum != 1, "keeps the loop from being optimised away")
            samples.append(Double(events) / seconds)
        }
        return BenchmarkResult(name: "event loop, \(pending) pending", unit: "events/s", samples: samples)
    }
}

/// A full `run` of the default scenario population: customer-days simulated per second.
public enum SimulationBenchmark {
    public static func measure(customers: Int, days: Double, repetitions: Int) -> BenchmarkResult {
        measure(customers: customers, days: days, repetitions: repetitions, allocations: nil).throughput
    }

    /// Also allocations per event when `allocations` reads a process-wide allocation count:
    /// everything the run allocates (population, state arrays, results) over the events it
    /// processed, so setup is amortised and a per-event allocation shows as about 1.
    public static func measure(
        customers: Int, days: Double, repetitions: Int,
        allocations: (() -> UInt64)?
    ) -> (throughput: BenchmarkResult, allocationsPerEvent: BenchmarkResult?) {
        var scenario = Scenario.defaults(name: "bench")
        scenario.population.customers = customers
        scenario.duration = .days(days)
        var samples: [Double] = []
        var perEvent: [Double] = []
        for repetition in 0..<repetitions {
            scenario.seed = UInt64(repetition) &+ 1
            let before = allocations?()
            let run = SimulationRun.execute(scenario)
            if let before, let after = allocations?() {
                perEvent.append(Double(after &- before) / Double(max(1, run.performance.events)))
            }
            samples.append(Double(customers) * days / run.performance.wallSeconds)
        }
        let name = "full simulation, \(customers) customers × \(Int(days)) d"
        return (
            BenchmarkResult(name: name, unit: "customer-days/s", samples: samples),
            perEvent.isEmpty
                ? nil
                : BenchmarkResult(name: "full simulation, allocations", unit: "allocations/event", samples: perEvent)
        )
    }
}
