import Access
import Foundation
import Store
import Hummingbird

/// Per-request state: the core Hummingbird context plus who is calling.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware` once a bearer token checks out.
    public var principal: Principal?
    /// Set when the caller is a signed-in browser rather than a bearer token.
    public var session: WebSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        session = nil
    }

    /// Bodies are bounded by `JSON.decode(limit:)` and `BodyLimitMiddleware`; this is the backstop.
    public var maxUploadSize: Int { 64 << 20 }

    public var requestDecoder: JSONDecoder { JSON.decoder() }
    public var responseEncoder: JSONEncoder { JSON.encoder() }
}
