import Foundation
import JourneySim

/// A one-line progress display on standard error for long runs: simulated time done, events
/// per second and the estimated time left. Shown only when standard error is a terminal, so CI
/// logs stay clean; redrawn twice a second from a timer, cleared when the run ends.
/// (`@unchecked`: the only mutable state is the Dispatch timer, which is thread-safe.)
final class ProgressLine: @unchecked Sendable {
    let progress: RunProgress
    private let timer: DispatchSourceTimer
    private let started = ContinuousClock.now

    /// Nil when standard error is not a terminal.
    init?(progress: RunProgress) {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        self.progress = progress
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
    }

    func draw() {
        let snapshot = progress.snapshot()
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        FileHandle.standardError.write(
            Data(("\r\u{1B}[K" + Self.line(snapshot, progress: progress, elapsedSeconds: seconds)).utf8))
    }

    /// E.g. `simulated 12.3 of 30.0 days (41%), 2.10 M events/s, ETA 3s`.
    static func line(_ snapshot: RunProgress.Snapshot, progress: RunProgress, elapsedSeconds: Double) -> String {
        let totalDays = Double(progress.end.milliseconds - progress.start.milliseconds) / 86_400_000
        let doneDays = snapshot.fractionDone * totalDays
        var text =
            "simulated \(String(format: "%.1f", doneDays)) of \(String(format: "%.1f", totalDays)) days (\(Int(snapshot.fractionDone * 100))%)"
        if elapsedSeconds > 0 {
            text += String(format: ", %.2f M events/s", Double(snapshot.events) / elapsedSeconds / 1e6)
        }
        if snapshot.fractionDone > 0.01 {
            let left = elapsedSeconds * (1 - snapshot.fractionDone) / snapshot.fractionDone
            text += left >= 60 ? ", ETA \(Int(left) / 60)m\(Int(left) % 60)s" : ", ETA \(Int(left.rounded(.up)))s"
        } else {
            text += ", ETA …"
        }
        return text
    }

    /// Stops redrawing and clears the line.
    func finish() {
        timer.cancel()
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
