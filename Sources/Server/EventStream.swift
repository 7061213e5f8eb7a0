import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// A `text/event-stream` response over a database table read by id: every event carries its row id as the
/// SSE `id:`, so a client that reconnects with `Last-Event-ID` (browsers do it by themselves) gets exactly the
/// rows it missed, none twice. Commits wake the stream; a heartbeat also re-reads, which covers rows written
/// by another process (the CLI) and keeps proxies from closing an idle connection.
struct EventStream: Sendable {
    struct Event: Sendable {
        let id: Int64
        let name: String
        let data: String
    }

    /// Ends when the stream ends (daemon stopping).
    let wakes: AsyncStream<Void>
    /// Rows with an id above this are sent.
    let after: Int64
    let heartbeat: Duration
    /// Events with ids above the argument, oldest first; fewer than `batch` means caught up.
    let fetch: @Sendable (Int64) async throws -> [Event]
    let batch: Int

    /// Where a stream starts: `Last-Event-ID` (a reconnecting browser) wins over `?after=` (a page that has
    /// just listed the newest rows); without either the stream starts at `latest` (only what happens next).
    static func start(_ request: Request, latest: () async throws -> Int64) async throws -> Int64 {
        let header = request.headers[HTTPField.Name("Last-Event-ID")!].map { $0.trimmingCharacters(in: .whitespaces) }
        if let text = header ?? request.uri.queryParameters["after"].map(String.init), !text.isEmpty {
            guard let id = Int64(text), id >= 0 else {
                throw APIError.invalid("'Last-Event-ID' / 'after' must be an event id (a whole number)")
            }
            return id
        }
        return try await latest()
    }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let stream = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await stream.run(&writer)
            try await writer.finish(nil)
        })
    }

    private enum Signal { case wake, beat }

    private func run(_ writer: inout any ResponseBodyWriter) async throws {
        // The retry hint, and the first bytes so the client sees the stream open at once.
        try await writer.write(ByteBuffer(string: "retry: 2000\n: stream open\n\n"))
        let (signals, signal) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(2))
        let wakes = self.wakes, heartbeat = self.heartbeat
        var last = after
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in wakes { signal.yield(.wake) }
                signal.finish()
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeat)
                    signal.yield(.beat)
                }
            }
            group.addTask {
                // The daemon is stopping: end the stream so the server can drain; the client reconnects later.
                try? await gracefulShutdown()
                signal.finish()
            }
            signal.yield(.wake)  // the backlog after `after`
            for await kind in signals {
                var sent = false
                while true {
                    let events = try await fetch(last)
                    if !events.isEmpty {
                        var text = ""
                        for event in events {
                            text += "id: \(event.id)\nevent: \(event.name)\ndata: \(event.data)\n\n"
                        }
                        try await writer.write(ByteBuffer(string: text))
                        last = events[events.count - 1].id
                        sent = true
                    }
                    if events.count < batch { break }
                }
                if kind == .beat && !sent { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
            }
            group.cancelAll()
        }
    }
}
