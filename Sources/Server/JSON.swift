import Foundation
import Hummingbird
import NIOCore

/// The API's one JSON dialect: snake_case keys, ISO 8601 times (UTC, optional fraction).
public enum JSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an ISO 8601 time such as 2026-05-01T08:00:00Z, got '\(text)'")
            }
            return date
        }
        return decoder
    }

    /// A JSON response with the API's headers.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder().encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads and decodes a JSON request body, turning every failure into a precise 4xx.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "send the body as application/json, not \(contentType)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError.tooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("empty_body", "a JSON body is required") }
        let data = Data(buffer.readableBytesView)
        do {
            return try decoder().decode(T.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw APIError.badRequest("malformed_json", "the body is not valid JSON")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw APIError.invalid("\(path(context.codingPath)) must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw APIError.invalid("\(path(context.codingPath)) must be \(describe(expected)), not null")
        } catch let DecodingError.keyNotFound(key, context) {
            throw APIError.invalid("\(path(context.codingPath + [key])) is required")
        } catch let DecodingError.dataCorrupted(context) {
            throw APIError.invalid("\(path(context.codingPath)): \(context.debugDescription)")
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("malformed_json", "the body could not be read as JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        let text = keys.map { key in
            key.intValue.map { "[\($0)]" } ?? snake(key.stringValue)
        }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        return text.isEmpty ? "the body" : "'\(text)'"
    }

    private static func snake(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase { out += "_" + character.lowercased() } else { out.append(character) }
        }
        return out
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is Date.Type: return "an ISO 8601 time"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a valid value"
        }
    }
}

extension APIError {
    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "payload_too_large", message: "the body is larger than the \(limit)-byte limit")
    }
}

/// ISO 8601 timestamps as the API writes and reads them.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
