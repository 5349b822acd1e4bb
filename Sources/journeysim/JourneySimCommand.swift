import ArgumentParser
import Foundation
import JourneySim

/// `journeysim`: simulate customer journeys with triggered messaging.
///
/// Exit codes: 0 success, 1 thresholds failed or `run --check` found unbalanced books, 2 bad
/// input (scenario, options, unwritable results folder, not enough memory), 130/143 a `run`
/// interrupted by SIGINT/SIGTERM (results written, marked incomplete).
@main
struct JourneySimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journeysim",
        abstract: "Simulate and load-test customer journeys with triggered messaging.",
        discussion: """
            Examples:
              journeysim init my-scenario.yaml
              journeysim run scenarios/baseline.yaml
              journeysim run scenarios/baseline.yaml --seed 7 --customers 20000 --trace events.jsonl
              journeysim compare scenarios/fatigue-spam.yaml scenarios/fatigue-capped.yaml
              journeysim load scenarios/abandoned-cart.yaml --mock-server --days 1
              journeysim run scenarios/baseline.yaml --shard 0/2   (then: journeysim merge …)
              journeysim report results/baseline-42
              journeysim validate scenarios/baseline.yaml
              journeysim schema > scenario.schema.json
              journeysim bench
              journeysim mock-server --port 0 --duration 60s

            Shell completions: journeysim --generate-completion-script bash|zsh|fish
              e.g. journeysim --generate-completion-script bash > /etc/bash_completion.d/journeysim

            Exit codes: 0 success, 1 a threshold failed or `run --check` found unbalanced books,
            2 bad input (including a run too big for the available memory), 130/143 a run
            interrupted by SIGINT/SIGTERM (its results written with "complete": false).
            """,
        subcommands: [
            RunCommand.self, CompareCommand.self, LoadCommand.self, ReportCommand.self, MergeCommand.self,
            ValidateCommand.self, InitCommand.self, SchemaCommand.self, BenchCommand.self,
            MockServerCommand.self, DriveCommand.self,
        ],
        defaultSubcommand: nil)

    /// Parses and runs like `main()`, but maps every usage or validation error to exit code 2,
    /// the code documented for bad input.
    static func main() async {
        ProcessMemory.pinMmapThreshold()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure || code.rawValue == 64 ? 2 : code.rawValue)
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
}

/// Writes a line to standard error that informs without reporting a failure.
func printNote(_ message: String) {
    FileHandle.standardError.write(Data(("note: " + message + "\n").utf8))
}
