import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape with the right status,
/// so no route (and no unknown route) can answer with HTML, an empty 500 or a stack.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try Self.translate(error).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return try APIError.internalError.response(from: request, context: context)
        }
    }

    static func translate(_ error: HTTPError) -> APIError {
        let message = error.body
        switch error.status {
        case .notFound:
            return .notFound("no such route; see /api/v1/openapi.yaml for the API")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, code: "method_not_allowed", message: "this route does not accept that method")
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "payload_too_large", message: message ?? "the body is too large")
        case .badRequest:
            return .badRequest("bad_request", message ?? "the request could not be read")
        case .unauthorized:
            return .unauthorized(message ?? "a bearer token is required")
        case .forbidden:
            return .forbidden(message ?? "forbidden")
        default:
            return APIError(error.status, code: error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"),
                            message: message ?? error.status.reasonPhrase)
        }
    }
}
