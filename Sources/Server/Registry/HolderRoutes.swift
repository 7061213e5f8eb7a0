import Access
import Foundation
import Hummingbird
import Plates
import Registry
import Store

/// Holders: create, search (by name, unit or plate), read, update, erase. Staff and admins; every read audited.
struct HolderRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.staff, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.post("holders") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "register holders")
            let body = try await JSON.decode(NewHolder.self, from: request, limit: dependencies.maxBodyBytes)
            let holder = try await store.createHolder(
                name: try RegistryInput.name(body.name), unit: try body.unit.validated("unit"),
                phone: try RegistryInput.phone(body.phone), plates: try RegistryInput.plates(body.plates),
                by: principal, requestID: context.id)
            return JSON.response(RegistryJSON.Holder(holder), status: .created)
        }
        api.get("holders") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "search holders")
            let params = request.uri.queryParameters
            var query = HolderQuery()
            query.name = params["name"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            query.building = params["building"].map(String.init)
            query.entrance = params["entrance"].map(String.init)
            query.room = params["room"].map(String.init)
            query.plate = params["plate"].map { PlateText.canonical(String($0)) }
            if let limit = params["limit"] {
                guard let value = Int(limit), (1...500).contains(value) else {
                    throw APIError.invalid("'limit' must be a whole number from 1 to 500")
                }
                query.limit = value
            }
            guard query.name != nil || query.building != nil || query.plate != nil else {
                throw APIError.invalid("search by 'name', 'building' (with 'entrance', 'room') or 'plate'")
            }
            let holders = try await store.searchHolders(query, by: principal, requestID: context.id)
            return JSON.response(["holders": holders.map(RegistryJSON.Holder.init)])
        }
        api.get("holders/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read holders")
            let id = try context.parameters.require("id")
            do {
                return JSON.response(RegistryJSON.Holder(try await store.holder(id: id, by: principal, requestID: context.id)))
            } catch StoreError.notFound {
                throw APIError.notFound("no holder with id \(id)")
            }
        }
        api.patch("holders/:id") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "update holders")
            let id = try context.parameters.require("id")
            let body = try await JSON.decode(HolderChange.self, from: request, limit: dependencies.maxBodyBytes)
            do {
                let holder = try await store.updateHolder(
                    id: id, name: try body.name.map { try RegistryInput.name($0) }, unit: try body.unit?.validated("unit"),
                    phone: body.phone.map { try? RegistryInput.phone($0) }, plates: try body.plates.map { try RegistryInput.plates($0) },
                    by: principal, requestID: context.id)
                return JSON.response(RegistryJSON.Holder(holder))
            } catch StoreError.notFound {
                throw APIError.notFound("no holder with id \(id)")
            }
        }
        api.delete("holders/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "erase holders")
            let id = try context.parameters.require("id")
            do {
                try await store.eraseHolder(id: id, by: principal, requestID: context.id)
                return Response(status: .noContent)
            } catch StoreError.notFound {
                throw APIError.notFound("no holder with id \(id)")
            }
        }
    }

    struct NewHolder: Decodable {
        let name: String
        let unit: RegistryJSON.Unit
        let phone: String?
        let plates: [String]?
    }

    struct HolderChange: Decodable {
        let name: String?
        let unit: RegistryJSON.Unit?
        let phone: String?
        let plates: [String]?
    }
}
