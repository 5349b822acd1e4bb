import ArgumentParser
import Foundation
import JourneySim

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine shard results into the results of the whole run.",
        discussion: """
            Counters add, so the merged summary equals the summary of an unsharded run. Refuses shards
            of different scenarios, seeds or shard counts, and reports missing shards.

            Examples:
              journeysim merge results/baseline-42-shard0of2 results/baseline-42-shard1of2
              journeysim merge results/baseline-42-shard*of4 --output results/baseline-42-merged
            """)

    @Argument(help: "Shard result folders (each with record.json).")
    var folders: [String]

    @Option(help: "Folder for the merged results (default: results/<scenario>-<seed>-merged).")
    var output: String?

    @Flag(help: "Merge even if shards are missing; the summary is then marked incomplete.")
    var allowPartial = false

    @Flag(
        help: "Replace a results folder that holds another merge (never a folder with files journeysim did not write).")
    var overwrite = false

    @Flag(help: "Print only the results folder, not the summary table.")
    var quiet = false

    func run() throws {
        var records: [(path: String, record: RunRecord)] = []
        for folder in folders {
            let path = (folder as NSString).appendingPathComponent("record.json")
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let record = try JSONDecoder.snakeCase.decode(RunRecord.self, from: data)
                if let problem = record.shapeProblem {
                    printError(
                        MergeError.unreadable(path: folder, reason: "record.json is malformed: \(problem)").description)
                    throw ExitCode(2)
                }
                records.append((folder, record))
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError(
                    MergeError.unreadable(
                        path: folder, reason: error is DecodingError ? "record.json is malformed" : "no record.json"
                    ).description)
                throw ExitCode(2)
            }
        }
        let merged: RunRecord
        do {
            merged = try RunMerge.merge(records, allowPartial: allowPartial)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        var whole = merged
        if whole.shards.isComplete { whole.shards = .whole }
        let summary = RunSummary(record: whole)
        let directory = output ?? "results/\(merged.scenarioName)-\(merged.seed)-merged"
        do {
            let identity =
                "merge "
                + records.map { URL(fileURLWithPath: $0.0).standardizedFileURL.path }.sorted().joined(separator: " ")
            let writer = try ResultsWriter(directory: directory, identity: identity, overwrite: overwrite)
            try writer.write([
                ("summary.json", ResultsWriter.json(summary)), ("record.json", ResultsWriter.json(whole)),
            ])
            if !quiet { print(SummaryTable.render(summary)) }
            print(
                "merged \(records.count) shard\(records.count == 1 ? "" : "s"): \(writer.directory.path)/summary.json")
            if merged.sharedLimitMayBind == true {
                printNote(SimulationRun.mergedSharedLimitNote)
            }
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
