import Foundation
import Yams

/// A YAML node with the file and key path it came from, so that every
/// conversion failure becomes a `ConfigError` that names file, line and key.
struct ConfigNode {
    let node: Node
    let file: String
    let path: String

    var line: Int? { node.mark.map { $0.line } }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, key: path, message: message)
    }

    private var scalarText: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    private var shown: String {
        if let text = scalarText { return "'\(text)'" }
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        default: return "'\(node)'"
        }
    }

    func string(nonEmpty: Bool = true) throws(ConfigError) -> String {
        guard let text = scalarText else { throw error("must be text, got \(shown)") }
        if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { throw error("must not be empty") }
        return text
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = scalarText, let value = Int(text) else {
            throw error("must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(shown)")
        }
        guard range.contains(value) else {
            throw error("must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    func double(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let text = scalarText, let value = Double(text), value.isFinite else {
            throw error("must be a number from \(range.lowerBound) to \(range.upperBound), got \(shown)")
        }
        guard range.contains(value) else {
            throw error("must be from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return value
    }

    func bool() throws(ConfigError) -> Bool {
        switch scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("must be true or false, got \(shown)")
        }
    }

    /// A value from a closed set, e.g. `direction: in|out|both`.
    func oneOf<T: RawRepresentable & CaseIterable>(_: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw error("must be one of \(choices), got '\(text)'")
        }
        return value
    }

    /// Text that is safe as an identifier in URLs, file names and metrics labels.
    func identifier() throws(ConfigError) -> String {
        let text = try string()
        let allowed = text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
        }
        guard allowed, text.utf8.count <= 64 else {
            throw error("must be 1–64 characters of a–z, 0–9, '-' or '_', got '\(text)'")
        }
        return text
    }

    func list() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("must be a list, got \(shown)") }
        return sequence.enumerated().map { index, item in
            ConfigNode(node: item, file: file, path: "\(path)[\(index)]")
        }
    }

    /// Opens a mapping and rejects keys outside `allowed`, suggesting the nearest valid key.
    func mapping(allowed: [String]) throws(ConfigError) -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("must be a mapping of keys to values, got \(shown)") }
        var entries: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw ConfigError(file: file, line: keyNode.mark?.line, key: path, message: "keys must be plain text")
            }
            let key = scalar.string
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                var message = "unknown key"
                if let near = Self.nearest(to: key, in: allowed) { message += "; did you mean '\(near)'?" }
                message += " (valid keys here: \(allowed.joined(separator: ", ")))"
                throw ConfigError(file: file, line: keyNode.mark?.line, key: childPath, message: message)
            }
            guard entries[key] == nil else {
                throw ConfigError(file: file, line: keyNode.mark?.line, key: childPath, message: "appears twice")
            }
            entries[key] = ConfigNode(node: value, file: file, path: childPath)
        }
        return ConfigMapping(owner: self, entries: entries)
    }

    /// A mapping whose keys are names the user chooses (checkpoints), in file order.
    func namedEntries() throws(ConfigError) -> [(String, ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("must be a mapping of names to values, got \(shown)") }
        var entries: [(String, ConfigNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw ConfigError(file: file, line: keyNode.mark?.line, key: path, message: "keys must be plain text")
            }
            entries.append((scalar.string, ConfigNode(node: value, file: file, path: path.isEmpty ? scalar.string : "\(path).\(scalar.string)")))
        }
        return entries
    }

    private static func nearest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, key.count / 3) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// The keys of one YAML mapping, already checked against the allowed set.
struct ConfigMapping {
    let owner: ConfigNode
    let entries: [String: ConfigNode]

    /// A key that may be absent (or explicitly `null`).
    subscript(_ key: String) -> ConfigNode? {
        guard let node = entries[key] else { return nil }
        if case .scalar(let scalar) = node.node, scalar.tag.description == Tag.Name.null.rawValue || scalar.string == "~" {
            return nil
        }
        if case .scalar(let scalar) = node.node, scalar.string.isEmpty, scalar.style == .plain { return nil }
        return node
    }

    func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let node = self[key] else {
            let path = owner.path.isEmpty ? key : "\(owner.path).\(key)"
            throw ConfigError(file: owner.file, line: owner.line, key: path, message: "is required")
        }
        return node
    }
}
