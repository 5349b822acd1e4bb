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
        do {
            let url = try OutputFile.check(file, replacing: force, what: "scenario")
            try OutputFile.write(Data(StarterScenario.text.utf8), to: url, what: "scenario")
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        print("wrote \(file); next: journeysim validate \(file) && journeysim run \(file)")
    }
}
