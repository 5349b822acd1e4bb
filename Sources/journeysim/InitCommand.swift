import ArgumentParser
import Foundation
import JourneySim

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a commented starter scenario.",
        discussion: """
        The starter has a small population, a frequency cap and an abandoned-cart campaign with
        a control group; every key is explained in a comment. Refuses to replace an existing file
        unless --force is given.

        Examples:
          journeysim init                       # writes scenario.yaml
          journeysim init scenarios/mine.yaml
          journeysim init scenarios/mine.yaml --force
        """)

    @Argument(help: "File to write.")
    var file: String = "scenario.yaml"

    @Flag(help: "Replace the file if it exists.")
    var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: file), !force {
            printError("\(file) already exists; pass --force to replace it, or give another file name.")
            throw ExitCode(2)
        }
        do {
            try Data(StarterScenario.text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            printError("\(file): cannot write it (\(error.localizedDescription)).")
            throw ExitCode(2)
        }
        print("wrote \(file); next: journeysim validate \(file) && journeysim run \(file)")
    }
}
