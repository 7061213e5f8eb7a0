import Access
import Foundation
import HTTPTypes
import Testing
import TestSupport
@testable import Server
@testable import Store

@Suite struct AuthorizationTests {
    struct Route: Sendable, CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        let body: String?
        let allowed: Set<Role>
        var description: String { "\(method) \(path)" }
    }

    static let routes: [Route] = [
        Route(method: .get, path: "/api/v1/me", body: nil, allowed: Set(Role.allCases)),
        Route(method: .get, path: "/api/v1/audit", body: nil, allowed: [.auditor, .admin]),
        Route(method: .get, path: "/api/v1/tokens", body: nil, allowed: [.admin]),
        Route(method: .post, path: "/api/v1/tokens", body: #"{"name":"x","role":"device"}"#, allowed: [.admin]),
        Route(method: .delete, path: "/api/v1/tokens/does-not-exist", body: nil, allowed: [.admin]),
    ]

    @Test(arguments: routes)
    func eachRoleGetsExactlyTheRoutesItIsAllowed(route: Route) async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let anonymous = try await client.call(route.method, route.path, body: route.body)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.hasErrorShape)
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            let garbage = try await client.call(route.method, route.path, token: "cpd_" + String(repeating: "x", count: 43), body: route.body)
            #expect(garbage.status == .unauthorized)
            let revoked = try await client.call(route.method, route.path, token: harness.revokedToken, body: route.body)
            #expect(revoked.status == .unauthorized)

            for role in Role.allCases {
                let response = try await client.call(route.method, route.path, token: harness.tokens[role], body: route.body)
                if route.allowed.contains(role) {
                    #expect(response.status != .unauthorized && response.status != .forbidden, "\(role) on \(route)")
                    #expect(response.status.code < 500)
                } else {
                    #expect(response.status == .forbidden, "\(role) on \(route)")
                    #expect(response.errorCode == "forbidden")
                }
            }
        }
        // Every refusal of an authenticated caller is audited.
        let denials = try await harness.store.auditEntries(.init(action: "auth.forbidden", limit: 100))
        #expect(denials.count == Role.allCases.count - route.allowed.count)
        #expect(denials.allSatisfy { $0.outcome == .denied })
        try harness.store.close()
    }

    @Test func theTokenTextIsNeverStoredOnlyItsDigest() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let created = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin],
                                                body: #"{"name":"gate-7","role":"device"}"#)
            #expect(created.status == .created)
            let secret = try #require(created.json["token"] as? String)
            let me = try await client.call(.get, "/api/v1/me", token: secret)
            #expect(me.json["name"] as? String == "gate-7")
            #expect(me.json["role"] as? String == "device")

            // Read every file SQLite keeps (main file and WAL) as raw bytes.
            let folder = harness.directory.url
            var bytes = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix(Store.fileName) {
                bytes += try Data(contentsOf: folder.appendingPathComponent(name))
            }
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
            #expect(bytes.range(of: Data(APIToken.digest(of: secret).utf8)) != nil)
            for known in harness.tokens.values { #expect(bytes.range(of: Data(known.utf8)) == nil) }

            let list = try await client.call(.get, "/api/v1/tokens", token: harness.tokens[.admin])
            #expect(!list.text.contains("cpd_"))
            #expect(!list.text.contains("digest"))
        }
        try harness.store.close()
    }

    @Test func revokingATokenTakesEffectOnTheNextRequest() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let created = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin],
                                                body: #"{"name":"temp","role":"staff"}"#)
            let id = try #require(created.json["id"] as? String)
            let secret = try #require(created.json["token"] as? String)
            #expect(try await client.call(.get, "/api/v1/me", token: secret).status == .ok)
            let revoked = try await client.call(.delete, "/api/v1/tokens/\(id)", token: harness.tokens[.admin])
            #expect(revoked.status == .ok)
            #expect(revoked.json["active"] as? Bool == false)
            #expect(try await client.call(.get, "/api/v1/me", token: secret).status == .unauthorized)
        }
        try harness.store.close()
    }
}
