import JourneySimFuzzing

#if FUZZING
    /// libFuzzer's entry point: built with `-sanitize=fuzzer -DFUZZING` (see `scripts/fuzz`), the
    /// fuzzer's own `main` drives it.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let outcome = ScenarioFuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
        if let problem = ScenarioFuzzTarget.problem(outcome) { fatalError(problem) }
        return 0
    }
#else
    import Foundation

    /// Without the fuzzer: replays the files (or folders of files) given as arguments through the
    /// same target, e.g. a crash input the fuzzer left behind.
    @main struct FuzzReplay {
        static func main() throws {
            var count = 0
            var failures = 0
            for argument in CommandLine.arguments.dropFirst() {
                var isFolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder)
                let paths =
                    isFolder.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: argument).sorted().map { "\(argument)/\($0)" }
                    : [argument]
                for path in paths {
                    let data = try Data(contentsOf: URL(fileURLWithPath: path))
                    let outcome = data.withUnsafeBytes { ScenarioFuzzTarget.run($0) }
                    let problem = ScenarioFuzzTarget.problem(outcome)
                    print("\(path): \(problem ?? String(describing: outcome).prefix(160).description)")
                    if problem != nil { failures += 1 }
                    count += 1
                }
            }
            print("replayed \(count) inputs, \(failures) with a problem")
            if failures > 0 { exit(1) }
        }
    }
#endif
