import Foundation

/// A server-sent events client on a raw loopback socket, so a test sees exactly what the server wrote:
/// the status, the `id:`/`event:`/`data:` fields and when the stream ends. It undoes chunked encoding.
public final class EventStreamClient: @unchecked Sendable {
    public struct Event: Sendable, Equatable {
        public let id: String?
        public let name: String?
        public let data: String
    }

    private let connection: RawConnection
    private var raw: [UInt8] = []
    private var body: [UInt8] = []
    private var chunked = false
    private var headParsed = false
    public private(set) var status: Int?
    public private(set) var closed = false
    /// Why the stream ended, for a failing test's message (nil while open or after `close()`).
    public private(set) var ending: String?
    private var pending: [Event] = []
    private var text = ""

    /// Opens `GET path` with a bearer token or a session cookie, and `Last-Event-ID` when resuming.
    public init(port: Int, path: String, token: String? = nil, cookie: String? = nil, lastEventID: String? = nil) throws {
        connection = try RawConnection(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        connection.send(request + "\r\n")
    }

    /// Drops the connection, as a client that goes away does.
    public func close() {
        connection.shutdownBoth()
        closed = true
    }

    /// Reads until `count` events have arrived (or the stream ends, or `timeout` passes) and returns them.
    public func events(_ count: Int, timeout: Duration) async -> [Event] {
        let deadline = ContinuousClock.now + timeout
        while pending.count < count && !closed && ContinuousClock.now < deadline {
            await pump()
        }
        let taken = Array(pending.prefix(count))
        pending.removeFirst(taken.count)
        return taken
    }

    /// Waits for the status line (the stream's response head).
    public func waitForStatus(timeout: Duration) async -> Int? {
        let deadline = ContinuousClock.now + timeout
        while status == nil && !closed && ContinuousClock.now < deadline { await pump() }
        return status
    }

    /// Whether the server ends the stream within `timeout` (events still arriving are kept).
    public func waitForEnd(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !closed && ContinuousClock.now < deadline { await pump() }
        return closed
    }

    /// Takes what has arrived without blocking a thread of the shared pool; sleeps a little when nothing has.
    private func pump() async {
        guard let bytes = connection.readSome(timeout: .zero) else {
            closed = true
            ending = connection.lastError.map { "socket error \(String(cString: strerror($0)))" } ?? "the server closed it"
            return
        }
        guard !bytes.isEmpty else {
            try? await Task.sleep(for: .milliseconds(20))
            return
        }
        raw += bytes
        if !headParsed {
            guard let end = Self.find([13, 10, 13, 10], in: raw) else { return }
            let head = String(decoding: raw[..<end], as: UTF8.self)
            status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            chunked = head.lowercased().contains("transfer-encoding: chunked")
            raw.removeFirst(end + 4)
            headParsed = true
        }
        if chunked {
            while let lineEnd = Self.find([13, 10], in: raw) {
                guard let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else {
                    closed = true
                    ending = "a malformed chunk"
                    return
                }
                if size == 0 { closed = true; ending = "the server ended it"; raw = []; break }
                guard raw.count >= lineEnd + 2 + size + 2 else { break }
                body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
                raw.removeFirst(lineEnd + 2 + size + 2)
            }
        } else {
            body += raw
            raw = []
        }
        text += String(decoding: body, as: UTF8.self)
        body = []
        while let range = text.range(of: "\n\n") {
            let block = text[..<range.lowerBound]
            text = String(text[range.upperBound...])
            var id: String?, name: String?, data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            if !data.isEmpty { pending.append(Event(id: id, name: name, data: data.joined(separator: "\n"))) }
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        for index in 0...(bytes.count - needle.count) where Array(bytes[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}
