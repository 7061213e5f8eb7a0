import Access
import Capture
import Cards
import Registry
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdTesting
import NIOCore
import Prometheus
import TestSupport
@testable import Server
@testable import Store

/// A real API server on 127.0.0.1 (ephemeral port) over a real SQLite file,
/// with one active token per role.
struct APIHarness {
    let directory: TemporaryDirectory
    let store: Store
    let cards: CardOffice
    let registry = PrometheusCollectorRegistry()
    let tokens: [Role: String]
    let revokedToken: String
    let maxBodyBytes = 4096

    static func make() async throws -> APIHarness {
        let directory = try TemporaryDirectory()
        let store = try Store(stateDirectory: directory.url)
        var tokens: [Role: String] = [:]
        for role in Role.allCases {
            let minted = APIToken.mint()
            _ = try await store.createToken(name: "\(role.rawValue)-token", role: role, digest: minted.digest,
                                            source: .cli, by: .system)
            tokens[role] = minted.secret
        }
        let revoked = APIToken.mint()
        let record = try await store.createToken(name: "old", role: .admin, digest: revoked.digest, source: .cli, by: .system)
        _ = try await store.revokeToken(id: record.id, by: .system)
        let cards = try await CardOffice.open(store: store, stateDirectory: directory.url, settings: .init(
            communityID: "test-community", communityName: "Test Gardens",
            policy: ScanPolicy(timeZone: TimeZone(identifier: "Asia/Shanghai")!, antiPassback: .strict)))
        return APIHarness(directory: directory, store: store, cards: cards, tokens: tokens, revokedToken: revoked.secret)
    }

    func run(cameras: (any CameraMonitor)? = nil,
             _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let dependencies = ServerDependencies(
            store: store, cards: cards, metrics: registry, health: StoreHealth(store: store), maxBodyBytes: maxBodyBytes,
            cameras: cameras)
        let app = Application(router: APIServer.router(dependencies),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: Self.quietLogger)
        try await app.test(.live) { client in try await body(client) }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "checkpointd.test")
        logger.logLevel = .critical
        return logger
    }

    func auditCount() async throws -> Int { try await store.auditEntries(.init(limit: 1000)).count }
    func tokenCount() async throws -> Int { try await store.tokens(includeRevoked: true).count }
}

struct StoreHealth: HealthSource {
    let store: Store
    func health() async -> HealthReport {
        let ok = (try? await store.ping()) != nil
        return HealthReport(status: ok ? .ok : .failing, version: "test", community: "Test", uptimeSeconds: 0,
                            database: .init(status: ok ? .ok : .failing), services: [:])
    }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil,
              contentType: String? = "application/json") async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil, let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var hasErrorShape: Bool {
        guard let error = json["error"] as? [String: Any] else { return false }
        return error["code"] is String && error["message"] is String
            && headers[.contentType]?.hasPrefix("application/json") == true
    }
}
