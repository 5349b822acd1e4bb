import NIOCore

/// Runs Swift tasks on a SwiftNIO event loop. A task that sends on a connection of that loop
/// and is resumed by its answer then stays on one thread: no wake-up of another thread and no
/// context switch per request, which on a machine shared with the server is CPU the server gets.
@available(macOS 15.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
