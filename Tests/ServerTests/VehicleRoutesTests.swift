import Access
import Cards
import Foundation
import HummingbirdTesting
import Registry
import Testing
@testable import Server

/// The vehicle register over the API, and what the decisions see: holders' plates with a card in force plus
/// registered vehicles within their windows.
struct VehicleRoutesTests {
    @Test func registeredVehiclesAndHoldersPlatesAreWhatTheGateLetsIn() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { client in
            let staff = harness.tokens[.staff]
            let van = try await client.call(.post, "/api/v1/vehicles", token: staff, body: """
                {"plate":"沪C·8K2Q7","description":"laundry van","valid_from":"2026-01-01T00:00:00Z","valid_until":"2026-01-02T00:00:00Z"}
                """)
            #expect(van.status == .created && van.json["plate"] as? String == "沪C8K2Q7")
            let bad = try await client.call(.post, "/api/v1/vehicles", token: staff, body: #"{"plate":"沪C8K2Q7","description":" "}"#)
            #expect(bad.status == .unprocessableContent)
            let backwards = try await client.call(.post, "/api/v1/vehicles", token: staff, body: """
                {"plate":"沪C8K2Q7","description":"x","valid_from":"2026-01-02T00:00:00Z","valid_until":"2026-01-01T00:00:00Z"}
                """)
            #expect(backwards.status == .unprocessableContent)
            #expect(try await client.call(.get, "/api/v1/vehicles", token: harness.tokens[.security]).status == .forbidden)

            // A holder with a plate and a card in force; another whose card is revoked.
            let admin = Principal(kind: .cli, id: "t", name: "cli:t", role: .admin)
            let unit = UnitAddress(building: "3", entrance: "2", room: "401")
            let resident = try await harness.store.createHolder(name: "Li", unit: unit, phone: nil, plates: ["京A5R319"], by: admin)
            let gone = try await harness.store.createHolder(name: "Wu", unit: unit, phone: nil, plates: ["川AF369W1"], by: admin)
            let now = Date()
            _ = try await harness.cards.issue(.init(holderID: resident.id, category: .resident, validFrom: now.addingTimeInterval(-60),
                                                    validUntil: now.addingTimeInterval(86_400)), by: admin)
            let revoked = try await harness.cards.issue(.init(holderID: gone.id, category: .resident, validFrom: now.addingTimeInterval(-60),
                                                              validUntil: now.addingTimeInterval(86_400)), by: admin)
            _ = try await harness.store.revokeCard(id: revoked.card.id, reason: "moved out", by: admin)

            let registrations = try await harness.store.vehicleRegistrations(at: now)
            #expect(Set(registrations.map(\.plate)) == ["京A5R319", "沪C8K2Q7"])
            let holderCar = try #require(registrations.first { $0.plate == "京A5R319" })
            #expect(holderCar.holderID == resident.id && holderCar.owner == "holder of 3-2-401")
            let laundry = try #require(registrations.first { $0.plate == "沪C8K2Q7" })
            #expect(laundry.isValid(at: ISO8601DateFormatter().date(from: "2026-01-01T12:00:00Z")!) && !laundry.isValid(at: now))

            let list = try await client.call(.get, "/api/v1/vehicles?plate=%E6%B2%AAC8K2Q7", token: staff)
            let id = try #require((list.json["vehicles"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await client.call(.delete, "/api/v1/vehicles/\(id)", token: staff).status == .noContent)
            #expect(try await harness.store.vehicleRegistrations(at: now).map(\.plate) == ["京A5R319"])
        }
    }
}
