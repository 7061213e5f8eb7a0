import Access
import Foundation
import Hummingbird
import Plates
import Store

/// `/api/v1/vehicles`: the register of non-residents' vehicles the gate lets in by plate (a laundry van on
/// weekdays, a taxi for an hour). Staff and admins; changes and look-ups audited.
struct VehicleRoutes {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.staff, .admin]

    func register(on api: RouterGroup<APIRequestContext>) {
        let store = dependencies.store
        api.post("vehicles") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "register vehicles")
            let body = try await JSON.decode(NewVehicle.self, from: request, limit: dependencies.maxBodyBytes)
            let plate = PlateText.canonical(body.plate)
            guard PlateText.isPlausible(plate) else { throw APIError.invalid("'plate' must be 2 to 12 letters or digits") }
            let description = body.description.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...200).contains(description.count) else {
                throw APIError.invalid("'description' must say whose vehicle it is (1 to 200 characters)")
            }
            if let from = body.validFrom, let until = body.validUntil, until <= from {
                throw APIError.invalid("'valid_until' must be after 'valid_from'")
            }
            let vehicle = try await store.registerVehicle(plate: plate, description: description, validFrom: body.validFrom,
                                                          validUntil: body.validUntil, by: principal, requestID: context.id)
            return JSON.response(Item(vehicle), status: .created)
        }
        api.get("vehicles") { request, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "read the vehicle register")
            let plate = request.uri.queryParameters["plate"].map { PlateText.canonical(String($0)) }
            let vehicles = try await store.vehicles(plate: plate, by: principal, requestID: context.id)
            return JSON.response(["vehicles": vehicles.map(Item.init)])
        }
        api.delete("vehicles/:id") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Self.roles, action: "change the vehicle register")
            let id = try context.parameters.require("id")
            do {
                try await store.deleteVehicle(id: id, by: principal, requestID: context.id)
                return Response(status: .noContent)
            } catch StoreError.notFound {
                throw APIError.notFound("no vehicle with id \(id)")
            }
        }
    }

    struct NewVehicle: Decodable {
        let plate: String
        let description: String
        let validFrom: Date?
        let validUntil: Date?
    }

    struct Item: Encodable {
        let id, plate, description, createdBy: String
        let validFrom, validUntil: Date?
        let createdAt: Date

        init(_ vehicle: RegisteredVehicle) {
            id = vehicle.id
            plate = vehicle.plate
            description = vehicle.description
            createdBy = vehicle.createdBy
            validFrom = vehicle.validFrom
            validUntil = vehicle.validUntil
            createdAt = vehicle.createdAt
        }
    }
}
