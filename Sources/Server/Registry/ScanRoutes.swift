import Access
import Cards
import Foundation
import Hummingbird
import Registry
import Store

/// Scans at the gate, the lane's recent scans, and what offline scanners need (keys, revocations).
struct ScanRoutes {
    let dependencies: ServerDependencies

    func register(on api: RouterGroup<APIRequestContext>) {
        let office = dependencies.cards
        api.post("scans") { request, context -> Response in
            let principal = try await dependencies.authorize(context, [.staff, .device, .admin], action: "scan cards")
            let body = try await JSON.decode(Scan.self, from: request, limit: dependencies.maxBodyBytes)
            let checkpoints = try RegistryInput.checkpoints([body.checkpoint, body.lane ?? "1"])
            guard let direction = PassageDirection(rawValue: body.direction) else {
                throw APIError.invalid("'direction' must be in or out")
            }
            guard body.token.utf8.count <= 1000 else { throw APIError.invalid("'token' is too long to be an entry card") }
            if let eventID = body.eventId, !(1...100).contains(eventID.count) {
                throw APIError.invalid("'event_id' must be 1 to 100 characters")
            }
            let scan = ScanRequest(checkpoint: checkpoints[0], lane: checkpoints[1], direction: direction,
                                   token: body.token, eventID: body.eventId)
            let outcome = try await CardRoutes.run { try await office.scan(scan, by: principal) }
            return JSON.response(RegistryJSON.ScanResult(outcome), status: outcome.replayed ? .ok : .created)
        }
        api.get("scans") { request, context -> Response in
            let principal = try await dependencies.authorize(context, [.staff, .security, .admin], action: "read card scans")
            let params = request.uri.queryParameters
            guard let checkpoint = params["checkpoint"].map(String.init), !checkpoint.isEmpty else {
                throw APIError.invalid("'checkpoint' is required")
            }
            let limit = try params["limit"].map { text -> Int in
                guard let value = Int(text), (1...200).contains(value) else {
                    throw APIError.invalid("'limit' must be a whole number from 1 to 200")
                }
                return value
            } ?? 20
            let entries = try await dependencies.store.entries(
                checkpoint: checkpoint, lane: params["lane"].map(String.init), limit: limit, by: principal, requestID: context.id)
            return JSON.response(["scans": entries.map(RegistryJSON.Entry.init)])
        }
        api.get("keys") { _, context -> Response in
            _ = try await dependencies.authorize(context, Set(Role.allCases), action: "read the public keys")
            let keyring = await office.keyring()
            let keys = keyring.keys.map {
                PublicKey(id: Int($0.id), algorithm: "Ed25519", publicKey: $0.publicKey.rawRepresentation.base64EncodedString(),
                          createdAt: $0.createdAt, retiredAt: $0.retiredAt)
            }
            return JSON.response(KeySet(community: keyring.communityID, keys: keys))
        }
        api.post("keys/rotate") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "rotate signing keys")
            let id = try await CardRoutes.run { try await office.rotateKey(by: principal) }
            return JSON.response(["active_key_id": Int(id)], status: .created)
        }
        api.post("keys/:id/retire") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "retire signing keys")
            guard let id = UInt16(try context.parameters.require("id")) else { throw APIError.notFound("no such key") }
            try await CardRoutes.run { try await office.retireKey(id, by: principal, requestID: context.id) }
            return JSON.response(["retired_key_id": Int(id)])
        }
        api.get("revocations") { request, context -> Response in
            _ = try await dependencies.authorize(context, Set(Role.allCases), action: "read the revocation list")
            let since = try request.uri.queryParameters["since"].map { try AuditRoutes.time($0, "since") }
            let list = try await dependencies.store.revocations(since: since)
            return JSON.response(Revocations(
                community: office.currentSettings.communityID, generatedAt: list.generatedAt, since: since,
                revoked: list.revoked.map { .init(cardId: $0.cardID, revokedAt: $0.revokedAt) },
                renewed: list.renewed.map { .init(cardId: $0.cardID, generation: Int($0.generation), renewedAt: $0.renewedAt) }))
        }
    }

    struct Scan: Decodable {
        let checkpoint: String
        let lane: String?
        let direction: String
        let token: String
        let eventId: String?
    }

    struct PublicKey: Codable {
        let id: Int
        let algorithm: String
        let publicKey: String
        let createdAt: Date
        let retiredAt: Date?
    }

    struct KeySet: Codable {
        let community: String
        let keys: [PublicKey]
    }

    struct Revocations: Codable {
        struct Revoked: Codable { let cardId: String; let revokedAt: Date }
        struct Renewed: Codable { let cardId: String; let generation: Int; let renewedAt: Date }
        let community: String
        let generatedAt: Date
        let since: Date?
        let revoked: [Revoked]
        /// Tokens of these cards with a lower generation are no longer valid.
        let renewed: [Renewed]
    }
}
