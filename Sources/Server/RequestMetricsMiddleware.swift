import CoreMetrics
import Metrics
import Hummingbird

/// Counts requests and times them per route pattern (never per raw path, which
/// could carry a plate or a name and would explode the label set).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: "checkpointd_http_requests_total",
                dimensions: [("method", method), ("route", route), ("status", String(response.status.code))],
                factory: factory).increment()
        Timer(label: "checkpointd_http_request_duration_seconds",
              dimensions: [("method", method), ("route", route)],
              factory: factory).recordInterval(since: start)
        return response
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
