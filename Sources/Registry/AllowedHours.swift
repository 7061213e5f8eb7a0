import Foundation

/// A daily window such as 06:00–22:00 in the community's time zone.
/// A window whose end is before its start runs over midnight (22:00–06:00).
public struct AllowedHours: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM` (an en dash is accepted too).
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: "–", with: "-").split(separator: "-")
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start != end
        else { return nil }
        self.start = start
        self.end = end
    }

    private static func minutes(_ text: Substring) -> Int? {
        let pieces = text.trimmingCharacters(in: .whitespaces).split(separator: ":")
        guard pieces.count == 2, pieces[0].count <= 2, pieces[1].count == 2,
              let hours = Int(pieces[0]), let minutes = Int(pieces[1]),
              (0...24).contains(hours), (0...59).contains(minutes), hours * 60 + minutes <= 1440
        else { return nil }
        return hours * 60 + minutes
    }

    public func contains(_ date: Date, in zone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    public var description: String { Self.format(start) + "–" + Self.format(end) }

    static func format(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Self.format(start) + "-" + Self.format(end))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = AllowedHours(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected HH:MM-HH:MM such as 06:00-22:00, got '\(text)'")
        }
        self = value
    }
}

/// At most `count` passages in `direction` per household within any `days`-day window.
public struct Quota: Sendable, Equatable, Codable {
    public var count: Int
    public var days: Int
    public var direction: Direction

    public typealias Direction = PassageDirection

    public init(count: Int, days: Int, direction: Direction = .out) {
        self.count = count
        self.days = days
        self.direction = direction
    }

    /// nil if another passage is allowed now; otherwise when the oldest counted passage leaves the window.
    public func freesAt(usedAt times: [Date], now: Date) -> Date? {
        let windowStart = now.addingTimeInterval(-Double(days) * 86_400)
        let inWindow = times.filter { $0 > windowStart }.sorted()
        guard inWindow.count >= count else { return nil }
        return inWindow[inWindow.count - count].addingTimeInterval(Double(days) * 86_400)
    }
}

/// Which way a person or vehicle passes a checkpoint.
public enum PassageDirection: String, Sendable, Codable, CaseIterable { case `in`, out }
