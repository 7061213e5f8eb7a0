import Alerting
import AsyncHTTPClient
import Config
import Foundation
import NIOCore
import NIOHTTP1
import Store

/// Sends one outbox item to its target and says what came of it, in the outbox's terms. One HTTP exchange, no
/// retry loop here: the worker owns timing, so a restart resumes exactly where the database says.
struct CaseSender: Sendable {
    let client: HTTPClient
    let retry: DeliveryRetry

    /// What one exchange gave: the outbox's result, plus Open311's ids when it answered with them.
    func send(_ item: OutboxItem, to target: CaseTargetConfig, now: Date = Date()) async -> DeliveryResult {
        do {
            if let open311 = target.open311 {
                return try await sendOpen311(item, open311, timeout: target.timeoutSeconds, now: now)
            }
            if let webhook = target.webhook {
                return try await sendWebhook(item, webhook, timeout: target.timeoutSeconds, now: now)
            }
            return .failed(status: nil, error: "target \(target.name) has no address")
        } catch {
            // Network error, refused connection, timeout: try again later.
            return .retry(at: now.addingTimeInterval(delay(item, retryAfter: nil)), status: nil, error: "\(error)")
        }
    }

    private func delay(_ item: OutboxItem, retryAfter: TimeInterval?) -> TimeInterval {
        retry.delay(afterAttempt: item.attempts + 1, retryAfter: retryAfter) { Double.random(in: $0) }
    }

    private func classify(_ item: OutboxItem, status: Int, headers: HTTPHeaders, body: String, now: Date,
                          delivered: () -> DeliveryResult) -> DeliveryResult {
        switch DeliveryRetry.outcome(status: status) {
        case .delivered:
            return delivered()
        case .retry:
            let after = DeliveryRetry.retryAfter(headers.first(name: "Retry-After"), now: now)
            return .retry(at: now.addingTimeInterval(delay(item, retryAfter: after)), status: status,
                          error: "HTTP \(status): \(body.prefix(200))")
        case .failed:
            return .failed(status: status, error: "HTTP \(status): \(Self.message(body))")
        }
    }

    // MARK: Webhook

    private func sendWebhook(_ item: OutboxItem, _ webhook: CaseTargetConfig.Webhook, timeout: Double, now: Date) async throws -> DeliveryResult {
        let body = Data(item.payload.utf8)
        let timestamp = Int(now.timeIntervalSince1970)
        var request = HTTPClientRequest(url: webhook.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "checkpointd")
        request.headers.add(name: "Idempotency-Key", value: item.idempotencyKey)
        request.headers.add(name: "X-Checkpoint-Event", value: item.event)
        request.headers.add(name: WebhookSignature.timestampHeader, value: String(timestamp))
        request.headers.add(name: WebhookSignature.signatureHeader,
                            value: WebhookSignature.sign(body: body, timestamp: timestamp, secret: webhook.secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
        return classify(item, status: Int(response.status.code), headers: response.headers, body: text, now: now) {
            .delivered(status: Int(response.status.code), externalRef: nil, externalToken: nil)
        }
    }

    // MARK: Open311 GeoReport v2

    /// `POST {endpoint}/requests.json`, form-encoded; the answer carries `service_request_id` or a `token`.
    private func sendOpen311(_ item: OutboxItem, _ open311: CaseTargetConfig.Open311, timeout: Double, now: Date) async throws -> DeliveryResult {
        let payload = (try? JSONSerialization.jsonObject(with: Data(item.payload.utf8))) as? [String: Any] ?? [:]
        let kase = payload["case"] as? [String: Any] ?? [:]
        let alert = payload["alert"] as? [String: Any] ?? [:]
        let community = payload["community"] as? String ?? ""
        var fields: [(String, String)] = [("api_key", open311.apiKey), ("service_code", open311.serviceCode)]
        if let jurisdiction = open311.jurisdictionID { fields.append(("jurisdiction_id", jurisdiction)) }
        let checkpoint = kase["checkpoint"] as? String
        let summary = kase["summary"] as? String ?? ""
        fields.append(("description", "[\(kase["severity"] as? String ?? "")] \(summary) — checkpoint \(checkpoint ?? "?"), case \(kase["id"] ?? "")"))
        if let lat = open311.latitude, let long = open311.longitude {
            fields.append(("lat", String(lat)))
            fields.append(("long", String(long)))
        } else {
            fields.append(("address_string", open311.address ?? [community, checkpoint].compactMap { $0 }.joined(separator: ", ")))
        }
        fields.append(("attribute[checkpoint]", checkpoint ?? ""))
        fields.append(("attribute[alert_kind]", alert["kind"] as? String ?? ""))
        if let plate = alert["plate"] as? String { fields.append(("attribute[plate]", plate)) }
        // GeoReport has no idempotency header; the key travels as an attribute a receiver can de-duplicate on.
        fields.append(("attribute[checkpointd_ref]", item.idempotencyKey))
        var request = HTTPClientRequest(url: open311.endpoint.appendingPathComponent("requests.json").absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "User-Agent", value: "checkpointd")
        request.body = .bytes(ByteBuffer(string: Self.form(fields)))
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
        return classify(item, status: Int(response.status.code), headers: response.headers, body: text, now: now) {
            let first = ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]])?.first ?? [:]
            return .delivered(status: Int(response.status.code), externalRef: Self.string(first["service_request_id"]),
                              externalToken: Self.string(first["token"]))
        }
    }

    /// The status of a request (`GET {endpoint}/requests/{id}.json`), or the request id behind a token
    /// (`GET {endpoint}/tokens/{token}.json`).
    func poll(_ external: Store.ExternalCase, _ open311: CaseTargetConfig.Open311, timeout: Double)
        async throws -> (ref: String?, status: String?, notes: String?) {
        var query = "api_key=\(Self.encode(open311.apiKey))"
        if let jurisdiction = open311.jurisdictionID { query += "&jurisdiction_id=\(Self.encode(jurisdiction))" }
        var ref = external.ref
        if ref == nil, let token = external.token {
            let answer = try await get(open311.endpoint.appendingPathComponent("tokens/\(Self.encode(token)).json"), query, timeout)
            ref = Self.string(answer.first?["service_request_id"])
            guard ref != nil else { return (nil, nil, nil) }
        }
        guard let ref else { return (nil, nil, nil) }
        let answer = try await get(open311.endpoint.appendingPathComponent("requests/\(Self.encode(ref)).json"), query, timeout)
        return (ref, Self.string(answer.first?["status"]), Self.string(answer.first?["status_notes"]))
    }

    private func get(_ url: URL, _ query: String, _ timeout: Double) async throws -> [[String: Any]] {
        var request = HTTPClientRequest(url: url.absoluteString + "?" + query)
        request.headers.add(name: "User-Agent", value: "checkpointd")
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let body = try await response.body.collect(upTo: 256 * 1024)
        guard response.status.code == 200 else { throw PollError(status: Int(response.status.code)) }
        return (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [[String: Any]] ?? []
    }

    struct PollError: Error, CustomStringConvertible {
        let status: Int
        var description: String { "HTTP \(status)" }
    }

    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text.isEmpty ? nil : text
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }

    /// The receiver's own words from an error body (Open311's `[{"code":…,"description":…}]`, or the text).
    static func message(_ body: String) -> String {
        if let list = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]],
           let description = list.first?["description"] as? String {
            return description
        }
        if let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
            if let message = object["message"] as? String ?? object["error"] as? String { return message }
        }
        return String(body.prefix(300))
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func form(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
