import Access
import Foundation
import HTTPTypes
import Testing
import TestSupport
@testable import Server
@testable import Store

@Suite struct RequestValidationTests {
    struct BadBody: Sendable, CustomStringConvertible {
        let body: String
        let contentType: String?
        let status: HTTPResponse.Status
        let code: String
        var description: String { "\(code): \(body.prefix(30))" }
    }

    static let badBodies: [BadBody] = [
        BadBody(body: "{not json", contentType: "application/json", status: .badRequest, code: "malformed_json"),
        BadBody(body: "", contentType: "application/json", status: .badRequest, code: "empty_body"),
        BadBody(body: #"{"name": 7, "role": "staff"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"{"role": "staff"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"{"name": "x", "role": "root"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"{"name": "x", "role": "staff", "expires_at": "tomorrow"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"{"name": "x", "role": "staff", "expires_at": "2001-01-01T00:00:00Z"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"{"name": "   ", "role": "staff"}"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: #"[1, 2, 3]"#, contentType: "application/json", status: .unprocessableContent, code: "invalid_field"),
        BadBody(body: "name=x&role=staff", contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType, code: "unsupported_media_type"),
        BadBody(body: #"{"name": ""# + String(repeating: "a", count: 5000) + #"", "role": "staff"}"#, contentType: "application/json", status: .contentTooLarge, code: "payload_too_large"),
    ]

    @Test(arguments: badBodies)
    func badBodiesGetAClearErrorAndWriteNothing(bad: BadBody) async throws {
        let harness = try await APIHarness.make()
        let auditBefore = try await harness.auditCount()
        let tokensBefore = try await harness.tokenCount()
        try await harness.run { client in
            let response = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin],
                                                 body: bad.body, contentType: bad.contentType)
            #expect(response.status == bad.status)
            #expect(response.errorCode == bad.code)
            #expect(response.hasErrorShape)
            // The server is still fine afterwards.
            #expect(try await client.call(.get, "/api/v1/me", token: harness.tokens[.admin]).status == .ok)
        }
        #expect(try await harness.auditCount() == auditBefore)
        #expect(try await harness.tokenCount() == tokensBefore)
        try harness.store.close()
    }

    @Test func wrongTypeMessagesNameTheField() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let response = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin],
                                                 body: #"{"name": 7, "role": "staff"}"#)
            let message = (response.json["error"] as? [String: Any])?["message"] as? String
            #expect(message == "'name' must be a string")
            let missing = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin], body: #"{"name": "a"}"#)
            #expect((missing.json["error"] as? [String: Any])?["message"] as? String == "'role' is required")
        }
        try harness.store.close()
    }

    @Test func unknownRoutesAndMethodsAnswerWithTheJSONErrorShape() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let missing = try await client.call(.get, "/no/such/thing")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(missing.hasErrorShape)
            let apiMissing = try await client.call(.get, "/api/v1/nothing-here", token: harness.tokens[.admin])
            #expect(apiMissing.status == .notFound)
            let wrongMethod = try await client.call(.put, "/api/v1/tokens", token: harness.tokens[.admin], body: "{}")
            // The router answers an unrouted method like an unknown path.
            #expect(wrongMethod.status == .notFound || wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.hasErrorShape)
            let badQuery = try await client.call(.get, "/api/v1/audit?limit=5000", token: harness.tokens[.auditor])
            #expect(badQuery.status == .unprocessableContent)
            let badTime = try await client.call(.get, "/api/v1/audit?since=yesterday", token: harness.tokens[.auditor])
            #expect(badTime.errorCode == "invalid_field")
        }
        try harness.store.close()
    }

    @Test func healthMetricsAndTheAPIDocumentNeedNoToken() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let health = try await client.call(.get, "/healthz")
            #expect(health.status == .ok)
            #expect((health.json["database"] as? [String: Any])?["status"] as? String == "ok")
            _ = try await client.call(.get, "/api/v1/me", token: harness.tokens[.staff])
            _ = try await client.call(.get, "/api/v1/me")
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains(#"checkpointd_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1"#))
            #expect(metrics.text.contains(#"checkpointd_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#))
            #expect(metrics.text.contains("checkpointd_http_request_duration_seconds_bucket"))
            #expect(metrics.text.contains("checkpointd_auth_failures_total 1"))
            let document = try await client.call(.get, "/api/v1/openapi.yaml")
            #expect(document.status == .ok)
            #expect(document.text.contains("openapi: 3.0.3"))
        }
        try harness.store.close()
    }

    @Test func auditShowsWhoDidWhatAndLookUpsAreAudited() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let created = try await client.call(.post, "/api/v1/tokens", token: harness.tokens[.admin],
                                                body: #"{"name":"lane-2","role":"device"}"#)
            let id = try #require(created.json["id"] as? String)
            let response = try await client.call(.get, "/api/v1/audit?action=token.create&limit=1", token: harness.tokens[.auditor])
            let entries = try #require(response.json["entries"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries[0]["target"] as? String == id)
            #expect((entries[0]["actor"] as? [String: Any])?["name"] as? String == "admin-token")
            #expect(response.json["next_before"] != nil)
            #expect(entries[0]["request_id"] as? String == created.headers[HTTPField.Name("X-Request-Id")!])
        }
        let queries = try await harness.store.auditEntries(.init(action: "audit.query"))
        #expect(queries.count == 1)
        #expect(queries[0].actor.role == .auditor)
        #expect(queries[0].detail["action"] == "token.create")
        try harness.store.close()
    }
}
