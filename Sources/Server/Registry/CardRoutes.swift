import Access
import Cards
import Foundation
import Hummingbird
import NIOCore
import Registry
import Store

/// Cards: issue, list, read, renew, revoke, QR images; visitor passes. Staff and admins.
struct CardRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.staff, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let office = dependencies.cards
        api.post("cards") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "issue cards")
            let body = try await JSON.decode(NewCard.self, from: request, limit: dependencies.maxBodyBytes)
            let record = try await Self.run {
                try await office.issue(try body.cardRequest(), by: principal, requestID: context.id)
            }
            return JSON.response(RegistryJSON.Card(record), status: .created)
        }
        api.post("visitor-passes") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "issue visitor passes")
            let body = try await JSON.decode(NewVisitorPass.self, from: request, limit: dependencies.maxBodyBytes)
            let (_, record) = try await Self.run {
                try await office.visitorPass(
                    name: try RegistryInput.name(body.name), hostUnit: try body.hostUnit.validated("host_unit"),
                    phone: try RegistryInput.phone(body.phone), plates: try RegistryInput.plates(body.plates),
                    hours: body.hours, checkpoints: try RegistryInput.checkpoints(body.checkpoints),
                    by: principal, requestID: context.id)
            }
            return JSON.response(RegistryJSON.Card(record), status: .created)
        }
        api.get("cards") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "list cards")
            let params = request.uri.queryParameters
            var query = CardQuery()
            query.holderID = params["holder_id"].map(String.init)
            if let status = params["status"] {
                guard let value = CardQuery.Status(rawValue: String(status)) else {
                    throw APIError.invalid("'status' must be one of active, revoked, expired, all")
                }
                query.status = value
            }
            if let category = params["category"] {
                guard let value = CardCategory(rawValue: String(category)) else {
                    throw APIError.invalid("'category' must be one of \(CardCategory.names)")
                }
                query.category = value
            }
            let cards = try await dependencies.store.cards(query, by: principal, requestID: context.id)
            return JSON.response(["cards": cards.map { RegistryJSON.Card($0) }])
        }
        api.get("cards/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read cards")
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let record = try await Self.run { try await Self.card(id, office: office, by: principal, requestID: context.id) }
            return JSON.response(RegistryJSON.Card(record))
        }
        api.post("cards/:id/renew") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "renew cards")
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let body = try await JSON.decode(Renewal.self, from: request, limit: dependencies.maxBodyBytes)
            let record = try await Self.run {
                try await office.renew(id: id, validFrom: body.validFrom, validUntil: body.validUntil, by: principal,
                                       requestID: context.id)
            }
            return JSON.response(RegistryJSON.Card(record))
        }
        api.post("cards/:id/revoke") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "revoke cards")
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let body = try await JSON.decode(Revocation.self, from: request, limit: dependencies.maxBodyBytes)
            let record = try await Self.run { try await office.revoke(id: id, reason: body.reason, by: principal, requestID: context.id) }
            return JSON.response(RegistryJSON.Card(record))
        }
        api.get("cards/:id/qr.svg") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "print cards")
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let record = try await Self.run { try await Self.card(id, office: office, by: principal, requestID: context.id) }
            let svg = try Self.qr(record.token).svg(title: "Entry card \(id)")
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: svg)))
        }
        api.get("cards/:id/qr.png") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "print cards")
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let record = try await Self.run { try await Self.card(id, office: office, by: principal, requestID: context.id) }
            let png = try Self.qr(record.token).png()
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
    }

    static func card(_ id: String, office: CardOffice, by principal: Principal, requestID: String) async throws(CardOfficeError) -> CardRecord {
        do { return try await office.store.card(id: id, by: principal, requestID: requestID) } catch { throw .store(error) }
    }

    static func qr(_ token: String) throws -> QRCode {
        do { return try QRCode(token) } catch { throw APIError.internalError }
    }

    /// Runs a card operation, turning its typed failure into the API's answer.
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CardOfficeError {
            throw error.apiError
        }
    }

    struct NewCard: Decodable {
        let holderId: String
        let category: String
        let validFrom: Date?
        let validUntil: Date
        let checkpoints: [String]?
        let allowedHours: String?
        let quota: RegistryJSON.QuotaBody?

        func cardRequest() throws -> CardOffice.CardRequest {
            guard let category = CardCategory(rawValue: category) else {
                throw APIError.invalid("'category' must be one of \(CardCategory.names)")
            }
            var hours: AllowedHours?
            if let text = allowedHours, !text.isEmpty {
                guard let value = AllowedHours(text) else {
                    throw APIError.invalid("'allowed_hours' must look like 06:00-22:00")
                }
                hours = value
            }
            return CardOffice.CardRequest(
                holderID: holderId, category: category, validFrom: validFrom ?? Date(), validUntil: validUntil,
                checkpoints: try RegistryInput.checkpoints(checkpoints), allowedHours: hours,
                quota: quota.map { Quota(count: $0.count, days: $0.days, direction: $0.direction ?? .out) })
        }
    }

    struct NewVisitorPass: Decodable {
        let name: String
        let hostUnit: RegistryJSON.Unit
        let hours: Int
        let phone: String?
        let plates: [String]?
        let checkpoints: [String]?
    }

    struct Renewal: Decodable {
        let validFrom: Date?
        let validUntil: Date
    }

    struct Revocation: Decodable {
        let reason: String
    }
}
