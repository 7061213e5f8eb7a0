/// A configuration problem, located precisely enough for an administrator to fix it
/// without reading code: the file, the line, the dotted key and what is wrong.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `cameras/gate.yaml:7: key 'analyse_fps': must be a number from 0.1 to 30, got 'fast'`
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let key, !key.isEmpty { text += ": key '\(key)'" }
        return text + ": " + message
    }
}
