import Access
import Foundation
import Hummingbird
import NIOCore

/// Who am I, the API description, and an authenticated config reload.
struct SessionRoutes {
    let dependencies: ServerDependencies

    func registerPublic(on router: Router<APIRequestContext>) {
        router.get("/api/v1/openapi.yaml") { _, _ -> Response in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
                  let data = try? Data(contentsOf: url)
            else { throw APIError.internalError }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    func register(on api: RouterGroup<APIRequestContext>) {
        api.get("me") { _, context -> Response in
            let principal = try await dependencies.authorize(context, Set(Role.allCases), action: "read its own identity")
            return JSON.response(Me(id: principal.id, name: principal.name, role: principal.role))
        }
        api.post("admin/reload") { _, context -> Response in
            let principal = try await dependencies.authorize(context, [.admin], action: "reload the configuration")
            guard let reloader = dependencies.reloader else {
                throw APIError.unavailable("this server was started without a configuration file to reload")
            }
            let outcome = await reloader.reload(requestedBy: principal)
            return JSON.response(outcome, status: outcome.applied ? .ok : .unprocessableContent)
        }
    }

    struct Me: Encodable {
        let id: String
        let name: String
        let role: Role
    }
}
