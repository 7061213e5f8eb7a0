import Config
import Foundation

/// The address libav opens (credentials filled in at connect time) and the
/// masked form that may appear in logs, API answers and errors.
public struct SourceAddress: Sendable, Equatable {
    /// What libav is given; may contain the password. Never log it.
    let openable: String
    /// Safe to show: the password replaced by `***`.
    public let masked: String
    public let isFile: Bool
    public let scheme: String

    /// A URL as configured (no credentials inside, the loader refuses those).
    public init(url: URL, credentials: CameraConfig.Credentials?, environment: [String: String]) throws(CaptureError) {
        scheme = url.scheme?.lowercased() ?? "file"
        isFile = url.isFileURL
        if isFile {
            openable = url.path
            masked = url.path
            return
        }
        guard let credentials else {
            openable = url.absoluteString
            masked = url.absoluteString
            return
        }
        let password = try Self.readSecret(credentials.password, environment: environment)
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw .unsupported(url: url.absoluteString, reason: "not a valid URL")
        }
        components.percentEncodedUser = Self.encode(credentials.username)
        components.percentEncodedPassword = Self.encode(password)
        openable = components.string ?? url.absoluteString
        components.percentEncodedPassword = "***"
        masked = components.string ?? url.absoluteString
    }

    /// A URL typed by an installer (`checkpoint probe`): credentials may be inline; mask them.
    public init(typed text: String) {
        if let components = URLComponents(string: text), let scheme = components.scheme, scheme.count > 1 {
            self.scheme = scheme.lowercased()
            isFile = self.scheme == "file"
            openable = isFile ? components.path : text
            var shown = components
            if shown.password != nil { shown.percentEncodedPassword = "***" }
            masked = isFile ? components.path : (shown.string ?? text)
        } else {
            scheme = "file"
            isFile = true
            openable = text
            masked = text
        }
    }

    static func readSecret(_ source: CameraConfig.SecretSource, environment: [String: String]) throws(CaptureError) -> String {
        switch source {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .secretUnavailable("environment variable \(name) is not set")
            }
            return value
        case .file(let url):
            do {
                let text = try String(contentsOf: url, encoding: .utf8)
                return text.trimmingCharacters(in: .newlines)
            } catch {
                throw .secretUnavailable("cannot read \(url.path)")
            }
        }
    }

    /// Userinfo allows unreserved characters and sub-delims only; everything else is escaped.
    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
