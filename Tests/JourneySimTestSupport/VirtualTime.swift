import Foundation

/// Runs async code in virtual time, as NIO's `EmbeddedEventLoop` runs a channel: every task of
/// the code runs on one thread of this executor, and whenever none of them can go on (nothing
/// queued, nothing running) the clock moves to the next sleeper's deadline. What the code
/// computes from the clock is then exact and the same on every run, however loaded the machine.
///
/// Everything the code waits for must be a sleep on `clock` or another of its own tasks: waiting
/// on real I/O or the wall clock would look like a deadlock, and `run` fails it as one.
@available(macOS 15.0, *)
public final class VirtualTime: TaskExecutor, @unchecked Sendable {
    public let clock = ManualClock()
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var running = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopped = false

    public init() {
        let thread = Thread { self.work() }
        thread.name = "VirtualTime"
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    public struct Deadlock: Error, CustomStringConvertible {
        public var description: String {
            "virtual time: every task waits, but not on the manual clock (real I/O or the wall clock?)"
        }
    }

    /// Runs `operation` with its tasks on this executor, advancing the clock whenever they all
    /// sleep on it, and returns its result. Once only: the executor's thread ends with it.
    public func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async throws -> T {
        let finished = FinishFlag()
        let task = Task(executorPreference: self) {
            let result = await operation()
            finished.set()
            return result
        }
        while true {
            await idle()
            if finished.isSet { break }
            guard let next = clock.nextDeadline else {
                task.cancel()
                throw Deadlock()
            }
            clock.advance(to: next)
        }
        let result = await task.value
        stop()
        return result
    }

    private func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// Returns once no job is queued or running.
    private func idle() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            condition.lock()
            if jobs.isEmpty && !running {
                condition.unlock()
                waiter.resume()
                return
            }
            idleWaiters.append(waiter)
            condition.unlock()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            running = true
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
            condition.lock()
            running = false
            var waiters: [CheckedContinuation<Void, Never>] = []
            if jobs.isEmpty { swap(&waiters, &idleWaiters) }
            condition.unlock()
            for waiter in waiters { waiter.resume() }
        }
    }
}

private final class FinishFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
