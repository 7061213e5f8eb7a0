import Hummingbird
import Logging

/// One log line per request: method, route pattern, status, milliseconds.
/// Query strings and paths are left out on purpose: they can carry plates and names.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        response.headers[.init("X-Request-Id")!] = context.id
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        let level: Logger.Level = response.status.code >= 500 ? .error : .info
        context.logger.log(
            level: level, "\(request.method.rawValue) \(context.endpointPath ?? "unmatched") \(response.status.code)",
            metadata: ["ms": "\((milliseconds * 10).rounded() / 10)"])
        return response
    }
}
