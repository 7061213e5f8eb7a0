import Access
import Foundation
import Hummingbird
import Store

/// Token administration: mint (shown once), list, revoke. Admins only.
struct TokenRoutes {
    let dependencies: ServerDependencies

    func register(on api: RouterGroup<APIRequestContext>) {
        api.post("tokens") { request, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "create API tokens")
            let body = try await JSON.decode(CreateToken.self, from: request, limit: dependencies.maxBodyBytes)
            let name = try TokenName.validate(body.name)
            guard let role = Role(name: body.role) else {
                throw APIError.invalid("'role' must be one of \(Role.names)")
            }
            if let expiry = body.expiresAt, expiry <= Date() {
                throw APIError.invalid("'expires_at' must be in the future")
            }
            let minted = APIToken.mint()
            let record = try await dependencies.store.createToken(
                name: name, role: role, digest: minted.digest, source: .api, expiresAt: body.expiresAt,
                by: principal, requestID: context.id)
            return JSON.response(Created(record: record, token: minted.secret), status: .created)
        }
        api.get("tokens") { request, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "list API tokens")
            let includeRevoked = request.uri.queryParameters["include_revoked"] == "true"
            try await dependencies.store.audit(AuditEntry(actor: principal, action: "token.list", requestID: context.id))
            let tokens = try await dependencies.store.tokens(includeRevoked: includeRevoked)
            return JSON.response(["tokens": tokens.map(Listed.init)])
        }
        api.delete("tokens/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "revoke API tokens")
            let id = try context.parameters.require("id")
            do {
                let record = try await dependencies.store.revokeToken(id: id, by: principal, requestID: context.id)
                return JSON.response(Listed(record))
            } catch StoreError.notFound {
                throw APIError.notFound("no token with id \(id)")
            }
        }
    }

    struct CreateToken: Decodable {
        let name: String
        let role: String
        let expiresAt: Date?
    }

    struct Listed: Encodable {
        let id: String
        let name: String
        let role: Role
        let source: TokenRecord.Source
        let createdAt: Date
        let createdBy: String
        let expiresAt: Date?
        let revokedAt: Date?
        let active: Bool

        init(_ record: TokenRecord) {
            id = record.id
            name = record.name
            role = record.role
            source = record.source
            createdAt = record.createdAt
            createdBy = record.createdBy
            expiresAt = record.expiresAt
            revokedAt = record.revokedAt
            active = record.isActive
        }
    }

    struct Created: Encodable {
        let id: String
        let name: String
        let role: Role
        let createdAt: Date
        let expiresAt: Date?
        /// The secret, shown this once; only its digest is stored.
        let token: String

        init(record: TokenRecord, token: String) {
            id = record.id
            name = record.name
            role = record.role
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            self.token = token
        }
    }
}

/// Rules for token names, shared by the API and the CLI.
public enum TokenName {
    public static func validate(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.count) else { throw APIError.invalid("'name' must be 1 to 100 characters") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid("'name' must not contain control characters")
        }
        return name
    }
}
