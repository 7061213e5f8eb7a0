import Hummingbird
import NIOCore

/// `/healthz` for load balancers and systemd checks, `/metrics` for Prometheus.
/// Neither needs a token and neither carries personal data.
struct HealthRoutes {
    let dependencies: ServerDependencies

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            let report = await dependencies.health.health()
            return JSON.response(report, status: report.status == .failing ? .serviceUnavailable : .ok)
        }
        router.get("/metrics") { _, _ -> Response in
            let bytes = dependencies.metrics.emitToBuffer()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
