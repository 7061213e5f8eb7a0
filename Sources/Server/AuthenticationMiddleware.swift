import Access
import Foundation
import Hummingbird
import Logging
import Store

/// Resolves `Authorization: Bearer <token>` to a `Principal`, or answers 401.
///
/// Only the token's SHA-256 digest is looked up; the token text is never logged
/// or stored. Authorisation (which roles a route admits) happens in the route.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let store: Store
    let failures: @Sendable () -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            if let session = try await WebSessions.current(request, store: store) {
                // Browsers must prove a state change comes from our own page.
                if request.method != .get && request.method != .head {
                    guard let sent = request.headers[WebSessions.csrfHeader], WebSessions.equal(sent, session.csrf) else {
                        throw APIError.forbidden("missing or wrong X-CSRF-Token header; reload the page")
                    }
                }
                var context = context
                context.principal = session.user.principal
                context.session = session
                return try await next(request, context)
            }
            failures()
            throw APIError.unauthorized("send a bearer token: Authorization: Bearer cpd_…")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            failures()
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard APIToken.isWellFormed(secret),
              let principal = try await store.principal(forDigest: APIToken.digest(of: secret))
        else {
            failures()
            context.logger.notice("rejected an unknown, revoked or expired token")
            throw APIError.unauthorized("the token is unknown, revoked or expired")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "principal"] = "\(principal.id)"
        return try await next(request, context)
    }
}
