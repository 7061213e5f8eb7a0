import Alerting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization

/// The grid case system and a webhook receiver of the tests' own, on 127.0.0.1, that fail on demand:
/// each request takes the next scripted answer (status, optional Retry-After) and succeeds once the script is used up.
public final class Receiver: Sendable {
    public struct Request: Sendable {
        public let path: String
        public let headers: HTTPFields
        public let body: Data
    }

    public struct Answer: Sendable {
        public var status: Int
        public var retryAfter: String?
        public var body: String?

        public init(status: Int, retryAfter: String? = nil, body: String? = nil) {
            self.status = status
            self.retryAfter = retryAfter
            self.body = body
        }
    }

    public init() {}

    public let secret = Data("a-shared-webhook-secret-of-the-test".utf8)
    private let state = Mutex<(script: [Answer], requests: [Request], keys: Set<String>, status: String, notes: String,
                               giveToken: Bool)>(([], [], [], "open", "", false))

    public func script(_ answers: [Answer]) { state.withLock { $0.script = answers } }
    public func fail(_ statuses: Int...) { script(statuses.map { Answer(status: $0) }) }
    public var requests: [Request] { state.withLock { $0.requests } }
    /// Distinct deliveries (by idempotency key, or Open311's checkpointd_ref) the receiver has accepted.
    public var accepted: Set<String> { state.withLock { $0.keys } }
    public func close(notes: String) { state.withLock { $0.status = "closed"; $0.notes = notes } }
    public func answerWithToken() { state.withLock { $0.giveToken = true } }

    private func next(_ request: Request) -> Answer? {
        state.withLock { state in
            state.requests.append(request)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
    }

    private func accept(_ key: String) { _ = state.withLock { $0.keys.insert(key) } }

    static func respond(_ status: Int, _ body: String, retryAfter: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[HTTPField.Name("Retry-After")!] = retryAfter }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let recorded = Request(path: "/hook", headers: request.headers, body: body)
            if let answer = self.next(recorded) {
                return Self.respond(answer.status, answer.body ?? #"{"error":"try later"}"#, retryAfter: answer.retryAfter)
            }
            // A real receiver checks the signature and drops repeats by the idempotency key.
            guard WebhookSignature.verify(body: body, timestamp: request.headers[HTTPField.Name(WebhookSignature.timestampHeader)!],
                                          signature: request.headers[HTTPField.Name(WebhookSignature.signatureHeader)!],
                                          secret: self.secret, now: Date()) else {
                return Self.respond(401, #"{"error":"bad signature"}"#)
            }
            self.accept(request.headers[HTTPField.Name("Idempotency-Key")!] ?? "")
            return Self.respond(202, #"{"ok":true}"#)
        }
        router.post("/open311/requests.json") { request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let recorded = Request(path: "/open311/requests.json", headers: request.headers, body: body)
            if let answer = self.next(recorded) {
                return Self.respond(answer.status, answer.body ?? #"[{"code":503,"description":"busy"}]"#, retryAfter: answer.retryAfter)
            }
            let form = Self.form(String(decoding: body, as: UTF8.self))
            guard form["api_key"] == "grid-key", form["service_code"] == "checkpoint-alert" else {
                return Self.respond(403, #"[{"code":403,"description":"Invalid api_key"}]"#)
            }
            self.accept(form["attribute[checkpointd_ref]"] ?? "")
            if self.state.withLock({ $0.giveToken }) { return Self.respond(200, #"[{"token":"tok-77"}]"#) }
            return Self.respond(201, #"[{"service_request_id":"SR-1001","service_notice":"received"}]"#)
        }
        router.get("/open311/tokens/:token") { _, context -> Response in
            let token = try context.parameters.require("token")
            return Self.respond(200, #"[{"service_request_id":"SR-2002","token":"\#(token.replacingOccurrences(of: ".json", with: ""))"}]"#)
        }
        router.get("/open311/requests/:id") { _, context -> Response in
            let id = try context.parameters.require("id").replacingOccurrences(of: ".json", with: "")
            let (status, notes) = self.state.withLock { ($0.status, $0.notes) }
            return Self.respond(200, #"[{"service_request_id":"\#(id)","status":"\#(status)","status_notes":"\#(notes)"}]"#)
        }
        return router
    }

    public static func form(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    /// Runs the receiver for the body's duration and hands it the port (`port` 0: any free one).
    public func run(port: Int = 0, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let (bound, announce) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in announce.yield(channel.localAddress?.port ?? port) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var ports = bound.makeAsyncIterator()
            guard let actual = await ports.next() else { return }
            defer { group.cancelAll() }
            try await body(actual)
        }
    }
}
