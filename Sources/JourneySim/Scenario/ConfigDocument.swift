import Foundation

/// Parses YAML or JSON configuration other than a whole scenario (a `backend:` section on its
/// own, the mock server's `--config` file) into `ConfigNode`s, with the same limits and located
/// errors as scenario files.
public enum ConfigDocument {
    /// The document's root node, or nil for an empty document.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> ConfigNode? {
        try ScenarioLoader.document(text, file: file)
    }

    /// Reads and parses a file; a missing, unreadable, oversized or empty file is an error.
    public static func load(path: String) throws(ScenarioError) -> ConfigNode {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(path: path, reason: "it is a folder, not a file") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count <= ScenarioLoader.maxFileBytes else {
            throw .tooLarge(path: path, bytes: data.count, limitBytes: ScenarioLoader.maxFileBytes)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "it is not UTF-8 text")
        }
        guard let root = try parse(text, file: path) else { throw .unreadable(path: path, reason: "the file is empty") }
        return root
    }
}
