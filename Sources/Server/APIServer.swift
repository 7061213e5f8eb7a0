import Hummingbird
import Metrics
import Logging
import NIOCore

/// Builds the HTTP application: middleware in the order a request meets them,
/// then the routes. The daemon runs it as a `Service`; tests run the same thing.
public enum APIServer {
    public static func router(_ dependencies: ServerDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let factory = dependencies.metricsFactory
        router.add(middleware: RequestMetricsMiddleware(factory: factory))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(limit: dependencies.maxBodyBytes))

        HealthRoutes(dependencies: dependencies).register(on: router)
        let session = SessionRoutes(dependencies: dependencies)
        session.registerPublic(on: router)

        StaffPages(dependencies: dependencies).register(on: router)
        SecurityPage(dependencies: dependencies).register(on: router)

        let authFailures = Counter(label: "checkpointd_auth_failures_total", factory: factory)
        let api = router.group("api/v1")
            .add(middleware: AuthenticationMiddleware(store: dependencies.store, failures: { authFailures.increment() }))
        session.register(on: api)
        AuditRoutes(dependencies: dependencies).register(on: api)
        TokenRoutes(dependencies: dependencies).register(on: api)
        HolderRoutes(dependencies: dependencies).register(on: api)
        CardRoutes(dependencies: dependencies).register(on: api)
        ScanRoutes(dependencies: dependencies).register(on: api)
        CameraRoutes(dependencies: dependencies).register(on: api)
        WatchlistRoutes(dependencies: dependencies).register(on: api)
        EventRoutes(dependencies: dependencies).register(on: api)
        VehicleRoutes(dependencies: dependencies).register(on: api)
        EntryRoutes(dependencies: dependencies).register(on: api)
        AlertRoutes(dependencies: dependencies).register(on: api)
        CaseRoutes(dependencies: dependencies).register(on: api)
        return router
    }

    /// The application on `address:port` (port 0 picks a free one); `onRunning` gets the bound port.
    public static func application(
        _ dependencies: ServerDependencies, address: String, port: Int, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(dependencies),
            configuration: .init(address: .hostname(address, port: port), serverName: "checkpointd"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
