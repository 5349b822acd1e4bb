import Foundation
import Testing

@testable import JourneySim

/// One output policy for every file and folder journeysim writes: regular files only, never one
/// of the run's inputs, checked before the run, replaced atomically; results folders locked,
/// stamped with the run they hold, and replaced only when they hold that run (or --overwrite,
/// and never when they hold files journeysim did not write).
@Suite(.timeLimit(.minutes(2))) struct OutputPolicyTests {
    static let root = CLITests.packageRoot.path
    static let small = ["--customers", "300", "--days", "1", "--quiet"]

    /// `--trace` at a device or pipe, a folder, a link or the scenario itself (however spelled, or a hard
    /// link to it) is refused up front with exit 2: nothing is run, the file is untouched.
    @Test func aTraceThatIsNotARegularFileOrIsAnInputIsRefusedBeforeTheRun() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarioText = try String(contentsOfFile: "\(Self.root)/scenarios/abandoned-cart.yaml", encoding: .utf8)
        try scenarioText.write(to: folder.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("link").path, withDestinationPath: "s.yaml")
        try FileManager.default.linkItem(
            atPath: folder.appendingPathComponent("s.yaml").path,
            toPath: folder.appendingPathComponent("hard.yaml").path)
        // A named pipe in the test's own folder stands for a device: were the policy broken, the
        // test would replace only it (an older build replaced /dev/null itself).
        #expect(mkfifo(folder.appendingPathComponent("pipe").path, 0o644) == 0)
        let cases = [
            ("pipe", "a named pipe"), ("sub", "a folder"), ("./", "a folder"), ("link", "a symbolic link"),
            ("s.yaml", "the run's own input"), ("sub/../s.yaml", "the run's own input"),
            ("hard.yaml", "the run's own input"),
            ("missing/trace.jsonl", "does not exist"),
        ]
        for (path, reason) in cases {
            let result = try CLITests.run(["run", "s.yaml", "--trace", path] + Self.small, in: folder)
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr.contains(reason), "\(path): \(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: folder.appendingPathComponent("results").path),
                "\(path) ran anyway")
        }
        #expect(
            try String(contentsOfFile: folder.appendingPathComponent("s.yaml").path, encoding: .utf8) == scenarioText)
        // A regular file is replaced, atomically, leaving no temporary file beside it.
        try "old".write(to: folder.appendingPathComponent("trace.jsonl"), atomically: true, encoding: .utf8)
        let ok = try CLITests.run(["run", "s.yaml", "--trace", "trace.jsonl"] + Self.small, in: folder)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(
            try String(contentsOfFile: folder.appendingPathComponent("trace.jsonl").path, encoding: .utf8).hasPrefix(
                "{"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }.isEmpty)
    }

    /// The library's check on its own: what each kind of path gets.
    @Test func theOutputFileCheckNamesWhatIsInTheWay() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.yaml")
        try "x".write(to: input, atomically: true, encoding: .utf8)
        #expect(
            throws: ResultsError.refused(
                path: input.path, reason: "it is the run's own input \(input.path), which would be destroyed")
        ) {
            try OutputFile.check(input.path, inputs: [input.path])
        }
        #expect(throws: ResultsError.refused(path: input.path, reason: "the file exists; give --force to replace it")) {
            try OutputFile.check(input.path, replacing: false)
        }
        #expect(throws: ResultsError.refused(path: "", reason: "the output file's path is empty")) {
            try OutputFile.check("")
        }
        let target = folder.appendingPathComponent("out.txt")
        try OutputFile.write(Data("one".utf8), to: target)
        try OutputFile.write(Data("two".utf8), to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "two")
    }

    /// A second run into a folder that holds a run with other options is refused (exit 2) and
    /// the first run's results stay; the same run again replaces them; --overwrite replaces
    /// another run's; a folder with files journeysim did not write is never replaced.
    @Test func aResultsFolderOfAnotherRunIsNotOverwrittenWithoutAsking() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = "\(Self.root)/scenarios/abandoned-cart.yaml"
        let summary = folder.appendingPathComponent("results/abandoned-cart-7/summary.json")
        #expect(try CLITests.run(["run", scenario] + Self.small, in: folder).status == 0)
        let first = try Data(contentsOf: summary)
        #expect(try CLITests.run(["run", scenario] + Self.small, in: folder).status == 0)

        let other = try CLITests.run(["run", scenario, "--customers", "400", "--days", "1", "--quiet"], in: folder)
        #expect(other.status == 2)
        #expect(
            other.stderr.contains("holds the results of another run") && other.stderr.contains("--overwrite"),
            "\(other.stderr)")
        #expect(try Data(contentsOf: summary) == first)

        let replaced = try CLITests.run(
            ["run", scenario, "--customers", "400", "--days", "1", "--quiet", "--overwrite"], in: folder)
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Data(contentsOf: summary) != first)

        try "my notes".write(
            to: folder.appendingPathComponent("results/abandoned-cart-7/notes.txt"), atomically: true, encoding: .utf8)
        let foreign = try CLITests.run(
            ["run", scenario, "--customers", "400", "--days", "1", "--quiet", "--overwrite"], in: folder)
        #expect(
            foreign.status == 2 && foreign.stderr.contains("files journeysim did not write (notes.txt)"),
            "\(foreign.stderr)")
        #expect(
            FileManager.default.fileExists(
                atPath: folder.appendingPathComponent("results/abandoned-cart-7/notes.txt").path))
        // Nothing but the results folder is left in results/: no lock, staging or probe.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results").path) == [
                "abandoned-cart-7"
            ])
    }

    /// While one process writes a results folder, a second aimed at it fails at once (exit 2)
    /// instead of both succeeding with the last writer winning.
    @Test func aResultsFolderInUseIsRefusedAtTheStart() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let held = try ResultsWriter(
            directory: folder.appendingPathComponent("results/abandoned-cart-7").path, identity: "test")
        let started = Date()
        let second = try CLITests.run(["run", "\(Self.root)/scenarios/abandoned-cart.yaml"] + Self.small, in: folder)
        #expect(second.status == 2)
        #expect(second.stderr.contains("another journeysim process is writing these results"), "\(second.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(throws: ResultsError.busy(path: held.directory.path)) {
            _ = try ResultsWriter(directory: held.directory.path, identity: "test")
        }
        _ = held
    }
}
