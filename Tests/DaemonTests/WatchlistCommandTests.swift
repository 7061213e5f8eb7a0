import Foundation
import Testing
import TestSupport

/// `checkpoint watchlist import|export|list` against a real state directory.
struct WatchlistCommandTests {
    /// Runs the CLI; returns status, stdout and stderr.
    static func checkpoint(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = BuildProducts.executable("checkpoint")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test func importIsAllOrNothingWithLineNumbersThenExportGivesTheListBack() throws {
        let fixture = try ConfigFixture()
        let bad = try fixture.directory.write("""
            kind,value,reason,severity,valid_until
            plate,粤B·D27584,stolen,critical,
            plate,京A5R319,,warning,
            card,c 1,lost,info,

            """, to: "bad.csv")
        let refused = try Self.checkpoint(["watchlist", "import", bad.path, "--config", fixture.configPath])
        #expect(refused.status == 65)
        #expect(refused.errors.contains("bad.csv:3: a reason is required"))
        #expect(refused.errors.contains("bad.csv:4: 'c 1' is not a card id"))
        #expect(refused.errors.contains("nothing imported: 2 line(s) rejected"))

        let good = try fixture.directory.write("""
            kind,value,reason,severity,valid_until
            plate,粤B·D27584,stolen,critical,2099-01-01
            card,c-1,lost,info,

            """, to: "good.csv")
        let imported = try Self.checkpoint(["watchlist", "import", good.path, "--config", fixture.configPath])
        #expect(imported.status == 0 && imported.output == "imported 2 entries\n")
        // Importing the same list again changes nothing: the values are already listed.
        #expect(try Self.checkpoint(["watchlist", "import", good.path, "--config", fixture.configPath]).status == 65)

        let exported = try Self.checkpoint(["watchlist", "export", "--config", fixture.configPath])
        #expect(exported.output == "kind,value,reason,severity,valid_until\r\nplate,粤BD27584,stolen,critical,2099-01-02T00:00:00Z\r\n"
            + "card,c-1,lost,info,\r\n")
        let listed = try Self.checkpoint(["watchlist", "list", "--config", fixture.configPath])
        #expect(listed.output.split(separator: "\n").count == 2)
        #expect(try Self.checkpoint(["watchlist", "import", "/nonexistent.csv", "--config", fixture.configPath]).status == 66)
    }
}
