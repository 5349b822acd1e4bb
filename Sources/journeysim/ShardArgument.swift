import ArgumentParser

/// `--shard i/n` as `run` and `load` take it: shard i (counting from 0) of n.
enum ShardArgument {
    /// Parses `i/n`; prints the problem and exits 2 when it is malformed or out of range.
    static func parse(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 100_000
        else {
            printError("--shard \(text): write it as i/n, e.g. 0/4 for the first of four shards.")
            throw ExitCode(2)
        }
        guard index >= 0, index < count else {
            printError(
                "--shard \(text): the index counts from 0, so shards of \(count) are 0/\(count) to \(count - 1)/\(count)."
            )
            throw ExitCode(2)
        }
        return (index, count)
    }
}
