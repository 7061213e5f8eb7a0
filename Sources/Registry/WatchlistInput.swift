import Foundation
import Plates

/// A watchlist entry as an operator or a CSV line gives it, validated.
public struct NewWatchlistEntry: Sendable, Equatable {
    public var kind: WatchlistEntry.Kind
    /// Canonical plate text or card id.
    public var value: String
    public var reason: String
    public var severity: Severity
    public var validUntil: Date?

    /// Checks every field; the error says which and why, in words an operator can act on.
    public init(kind: String, value: String, reason: String, severity: String, validUntil: String?) throws(WatchlistInputError) {
        guard let kind = WatchlistEntry.Kind(rawValue: kind.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw WatchlistInputError("kind must be 'plate' or 'card', not '\(kind)'")
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .plate:
            let plate = PlateText.canonical(trimmed)
            guard PlateText.isPlausible(plate) else {
                throw WatchlistInputError("'\(value)' is not a plate (2–12 letters, digits or Chinese plate characters)")
            }
            self.value = plate
        case .card:
            guard (1...64).contains(trimmed.count),
                  trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw WatchlistInputError("'\(value)' is not a card id (1–64 letters, digits, '-' or '_')")
            }
            self.value = trimmed
        }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty, why.count <= 200 else { throw WatchlistInputError("a reason is required (at most 200 characters)") }
        guard let severity = Severity(rawValue: severity.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw WatchlistInputError("severity must be info, warning or critical, not '\(severity)'")
        }
        var until: Date?
        if let text = validUntil?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let date = Self.date(text) else {
                throw WatchlistInputError("valid_until must be a date (2026-12-31) or an ISO 8601 time, not '\(text)'")
            }
            until = date
        }
        self.kind = kind
        self.reason = why
        self.severity = severity
        self.validUntil = until
    }

    /// An ISO 8601 time, or a day (valid through its end, UTC).
    static func date(_ text: String) -> Date? {
        if let time = ISO8601DateFormatter().date(from: text) { return time }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        return day.date(from: text).map { $0.addingTimeInterval(86_400) }
    }
}

public struct WatchlistInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Watchlists as CSV (`kind,value,reason,severity,valid_until`, header first, RFC 4180 quoting), for
/// importing a list from elsewhere and exporting one. An import is all or nothing: every rejected line
/// is reported with its number and why, and nothing is stored unless every line is good.
public enum WatchlistCSV {
    public static let header = ["kind", "value", "reason", "severity", "valid_until"]

    public struct Rejected: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public static func parse(_ text: String) -> (entries: [NewWatchlistEntry], rejected: [Rejected]) {
        var rows = records(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let first = rows.first else { return ([], [Rejected(line: 1, reason: "the file is empty")]) }
        let names = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard Array(names.prefix(4)) == Array(header.prefix(4)), names.count <= header.count else {
            return ([], [Rejected(line: first.line, reason: "the first line must be the header \(header.joined(separator: ","))")])
        }
        rows.removeFirst()
        var entries: [NewWatchlistEntry] = [], rejected: [Rejected] = []
        var seen: [String: Int] = [:]
        for row in rows where !(row.fields.count == 1 && row.fields[0].trimmingCharacters(in: .whitespaces).isEmpty) {
            if let problem = row.problem {
                rejected.append(Rejected(line: row.line, reason: problem))
                continue
            }
            guard row.fields.count == names.count else {
                rejected.append(Rejected(line: row.line, reason: "expected \(names.count) fields, found \(row.fields.count)"))
                continue
            }
            do throws(WatchlistInputError) {
                let entry = try NewWatchlistEntry(kind: row.fields[0], value: row.fields[1], reason: row.fields[2],
                                                  severity: row.fields[3], validUntil: row.fields.count > 4 ? row.fields[4] : nil)
                let key = entry.kind.rawValue + ":" + entry.value
                if let earlier = seen[key] {
                    rejected.append(Rejected(line: row.line, reason: "\(entry.value) is already on line \(earlier)"))
                    continue
                }
                seen[key] = row.line
                entries.append(entry)
            } catch {
                rejected.append(Rejected(line: row.line, reason: error.message))
            }
        }
        return (entries, rejected)
    }

    public static func export(_ entries: [WatchlistEntry]) -> String {
        let iso = ISO8601DateFormatter()
        var lines = [header.joined(separator: ",")]
        for entry in entries {
            lines.append([entry.kind.rawValue, entry.value, entry.reason, entry.severity.rawValue,
                          entry.validUntil.map(iso.string(from:)) ?? ""].map(quoted).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        // A leading =, +, - or @ would be a formula in a spreadsheet: keep it text.
        var value = field
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    struct Record {
        var line: Int
        var fields: [String]
        var problem: String?
    }

    /// Splits CSV text into records (quoted fields may hold commas, quotes and line breaks).
    static func records(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = [], field = "", quoted = false, afterQuote = false, problem: String?
        var line = 1, start = 1
        var characters = Array(text)
        if characters.last?.isNewline != true { characters.append("\n") }
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < characters.count && characters[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false; afterQuote = true }
                } else {
                    if c.isNewline { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""; afterQuote = false
            } else if c.isNewline {  // "\r\n" is one Character in Swift
                fields.append(field)
                records.append(Record(line: start, fields: fields, problem: problem))
                fields = []; field = ""; afterQuote = false; problem = nil
                line += 1
                start = line
            } else {
                if afterQuote && problem == nil { problem = "text after a closing quote" }
                field.append(c)
            }
            i += 1
        }
        if quoted { records.append(Record(line: start, fields: fields + [field], problem: "a quote is never closed")) }
        return records
    }
}
