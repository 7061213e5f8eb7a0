import Access
import Foundation
import HTTPTypes
import Hummingbird
import Store
import Synchronization

/// Browser sign-in: a random session cookie (only its digest is stored), HttpOnly and
/// SameSite=Strict, plus a per-session CSRF secret that forms and scripts must echo.
enum WebSessions {
    static let cookieName = "cpd_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    static func current(_ request: Request, store: Store) async throws -> WebSession? {
        guard let value = request.cookies[cookieName]?.value, APIToken.isWellFormed(value) else { return nil }
        return try await store.session(digest: APIToken.digest(of: value))
    }

    static func cookie(_ value: String, maxAge: Int, secure: Bool) -> String {
        var text = "\(cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)"
        if secure { text += "; Secure" }
        return text
    }

    /// Constant-time string comparison for secrets.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Slows password guessing: after 5 failures for one user name in 15 minutes, refuse for the rest of the window.
final class LoginThrottle: Sendable {
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])
    static let window: Duration = .seconds(15 * 60)
    static let limit = 5

    func isLocked(_ name: String) -> Bool {
        let now = ContinuousClock.now
        return failures.withLock { table in
            let recent = (table[name.lowercased()] ?? []).filter { now - $0 < Self.window }
            table[name.lowercased()] = recent
            return recent.count >= Self.limit
        }
    }

    func fail(_ name: String) {
        failures.withLock { $0[name.lowercased(), default: []].append(.now) }
    }

    func succeed(_ name: String) {
        failures.withLock { $0[name.lowercased()] = nil }
    }
}
