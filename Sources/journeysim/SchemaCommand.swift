import ArgumentParser
import Foundation
import JourneySim

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of scenario files.",
        discussion: """
            Editors use it for completion and checks (e.g. the YAML language server:
            `# yaml-language-server: $schema=scenario.schema.json`). Keys the parser rejects are
            rejected by the schema too; sums of mixes are checked by `journeysim validate` only.

            Examples:
              journeysim schema > scenario.schema.json
              scripts/check-schema.sh            # validates every file in scenarios/ against it
            """)

    func run() throws {
        FileHandle.standardOutput.write(ScenarioSchema.prettyJSON())
    }
}
