import Foundation

/// A task executor with threads of its own, outside Swift's cooperative pool. Tests that talk to
/// a real server over loopback run the server (and themselves) here: with the tests in parallel,
/// CPU-bound simulation tests occupy every thread of the cooperative pool (one per core) for
/// seconds at a time, and a server waiting for one of those threads answers late enough to trip
/// its own timeouts. On threads of their own they get their share of the CPU from the kernel's
/// scheduler, within milliseconds.
@available(macOS 15.0, *)
public final class DedicatedThreads: TaskExecutor, @unchecked Sendable {
    /// Threads shared by every network test of the process.
    public static let shared = DedicatedThreads(count: 4, name: "network-tests")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    public init(count: Int, name: String) {
        for index in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
