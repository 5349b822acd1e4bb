/// Why shard results cannot be merged.
public enum MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    case nothingToMerge
    case unreadable(path: String, reason: String)
    case differentScenario(path: String, name: String, expectedPath: String, expectedName: String)
    case differentSeed(path: String, seed: UInt64, expected: UInt64)
    case differentShardCount(path: String, count: Int, expected: Int)
    case duplicateShard(path: String, index: Int, count: Int)
    case missingShards([Int], count: Int)

    public var description: String {
        switch self {
        case .nothingToMerge:
            return "no shard results given: pass the folders written by `journeysim run --shard i/n`."
        case let .unreadable(path, reason):
            return
                "\(path): not a shard result (\(reason)); expected a folder with record.json from `journeysim run --shard i/n`."
        case let .differentScenario(path, name, expectedPath, expectedName):
            return
                "\(path) is from scenario '\(name)', \(expectedPath) from '\(expectedName)' (or the same name with other settings): shards of different scenarios cannot be merged."
        case let .differentSeed(path, seed, expected):
            return "\(path) ran with seed \(seed), the others with \(expected): shards must share the seed."
        case let .differentShardCount(path, count, expected):
            return "\(path) is a shard of a \(count)-way split, the others of a \(expected)-way split."
        case let .duplicateShard(path, index, count):
            return "\(path): shard \(index)/\(count) is given twice."
        case let .missingShards(indices, count):
            let names = indices.map { "\($0)/\(count)" }.joined(separator: ", ")
            return
                "shard\(indices.count == 1 ? "" : "s") \(names) missing: the merge would cover only part of the customers. Run the missing shard\(indices.count == 1 ? "" : "s") or pass --allow-partial."
        }
    }
}

/// Combines shard records into the record of the whole run, refusing shards that do not belong
/// together. Counters add, so the merge is exact and order-independent.
public enum RunMerge {
    public static func merge(
        _ records: [(path: String, record: RunRecord)], allowPartial: Bool = false
    ) throws(MergeError) -> RunRecord {
        guard let (firstPath, first) = records.first else { throw .nothingToMerge }
        var merged = first
        var seen = Set(first.shards.indices)
        for (path, record) in records.dropFirst() {
            guard record.scenarioDigest == first.scenarioDigest, record.scenarioName == first.scenarioName,
                record.triggers?.campaignNames == first.triggers?.campaignNames,
                record.triggers?.stepOffsets == first.triggers?.stepOffsets,
                record.metrics.daily.count == first.metrics.daily.count
            else {
                throw .differentScenario(
                    path: path, name: record.scenarioName, expectedPath: firstPath, expectedName: first.scenarioName)
            }
            guard record.seed == first.seed else {
                throw .differentSeed(path: path, seed: record.seed, expected: first.seed)
            }
            guard record.shards.count == first.shards.count else {
                throw .differentShardCount(path: path, count: record.shards.count, expected: first.shards.count)
            }
            for index in record.shards.indices {
                guard seen.insert(index).inserted else {
                    throw .duplicateShard(path: path, index: index, count: record.shards.count)
                }
            }
            merged.merge(record)
        }
        let missing = (0..<first.shards.count).filter { !seen.contains($0) }
        if !missing.isEmpty {
            guard allowPartial else { throw .missingShards(missing, count: first.shards.count) }
            merged.complete = false
        }
        return merged
    }
}

/// A short, stable digest of a scenario as run (FNV-1a over its text and overrides), so merge can
/// tell shards of different scenarios apart. An identifier, not a security measure.
public enum ScenarioDigest {
    public static func of(_ parts: [String]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
