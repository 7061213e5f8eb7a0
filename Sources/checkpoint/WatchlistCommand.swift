import ArgumentParser
import Foundation
import Registry
import Server
import Store

/// `checkpoint watchlist import|export|list`: the community's watchlist from the command line.
struct WatchlistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchlist", abstract: "Import, export and list watchlist entries (plates and cards to look out for).",
        subcommands: [Import.self, Export.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a CSV file (kind,value,reason,severity,valid_until). All or nothing: a bad line imports nothing.",
            discussion: "Every rejected line is printed with its number and why; the exit status is then 65.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "The CSV file (UTF-8, header line first).") var file: String

        func run() async throws {
            try await reportingErrors {
                let text: String
                do {
                    text = try String(contentsOfFile: file, encoding: .utf8)
                } catch {
                    throw CLIError(message: "\(file): cannot be read as UTF-8 text (\(error.localizedDescription))", code: 66)
                }
                let (entries, rejected) = WatchlistCSV.parse(text)
                guard rejected.isEmpty else {
                    for line in rejected { FileHandle.standardError.write(Data("\(file):\(line.line): \(line.reason)\n".utf8)) }
                    throw CLIError(message: "nothing imported: \(rejected.count) line(s) rejected", code: 65)
                }
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                do {
                    let added = try await context.store.addWatchlistEntries(entries, by: context.principal)
                    print("imported \(added.count) entr\(added.count == 1 ? "y" : "ies")")
                } catch StoreError.conflict(let message) {
                    throw CLIError(message: "nothing imported: \(message)", code: 65)
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the entries in force as CSV.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Include expired entries.") var includeExpired = false

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                let entries = try await context.store.watchlistEntries(
                    WatchlistQuery(includeExpired: includeExpired, limit: 1_000_000), by: context.principal)
                print(WatchlistCSV.export(entries), terminator: "")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the entries in force.")
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await reportingErrors {
                let context = try OperatorContext.open(options)
                defer { try? context.store.close() }
                for entry in try await context.store.watchlistEntries(WatchlistQuery(), by: context.principal) {
                    let until = entry.validUntil.map { " until \(Timestamp.format($0))" } ?? ""
                    print("\(entry.kind.rawValue)\t\(entry.value)\t\(entry.severity.rawValue)\t\(entry.reason)\(until)\t\(entry.id)")
                }
            }
        }
    }
}
