import Foundation
import Testing
@testable import Registry

struct WatchlistCSVTests {
    @Test func goodLinesParseAndEveryBadLineIsReportedWithItsNumber() {
        let text = "\u{FEFF}kind,value,reason,severity,valid_until\r\n"
            + "plate,粤B·D27584,stolen,critical,2027-01-31\r\n"
            + "plate,\"京A 5R319\",\"owes fees, twice\",warning,\r\n"
            + "card,c-77,\"lost, then \"\"found\"\"\",info,2026-12-31T12:00:00Z\r\n"
            + "\r\n"
            + "truck,X1,why,info,\r\n"
            + "plate,!,why,info,\r\n"
            + "plate,沪C8K2Q7,,info,\r\n"
            + "plate,沪C8K2Q7,why,urgent,\r\n"
            + "plate,沪C8K2Q7,why,info,next week\r\n"
            + "plate,粤BD27584,again,info,\r\n"
            + "plate,川A1,too,few\r\n"
            + "plate,\"open,why,info,\r\n"
        let (entries, rejected) = WatchlistCSV.parse(text)
        #expect(entries.map(\.value) == ["粤BD27584", "京A5R319", "c-77"])
        #expect(entries[1].reason == "owes fees, twice")
        #expect(entries[2].reason == "lost, then \"found\"" && entries[2].kind == .card)
        #expect(entries[0].validUntil == ISO8601DateFormatter().date(from: "2027-02-01T00:00:00Z"))
        #expect(rejected.map(\.line) == [6, 7, 8, 9, 10, 11, 12, 13])
        #expect(rejected[0].reason.contains("kind must be"))
        #expect(rejected[1].reason.contains("not a plate"))
        #expect(rejected[2].reason.contains("reason is required"))
        #expect(rejected[3].reason.contains("severity"))
        #expect(rejected[4].reason.contains("valid_until"))
        #expect(rejected[5].reason.contains("already on line 2"))
        #expect(rejected[6].reason.contains("expected 5 fields"))
        #expect(rejected[7].reason.contains("never closed"))
    }

    @Test func aFileWithoutTheHeaderIsRefusedAndExportRoundTrips() {
        #expect(WatchlistCSV.parse("plate,京A5R319,x,info,\n").rejected.first?.line == 1)
        #expect(WatchlistCSV.parse("").rejected.first?.reason == "the first line must be the header kind,value,reason,severity,valid_until"
            || WatchlistCSV.parse("").rejected.first?.reason == "the file is empty")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let entries = [
            WatchlistEntry(id: "1", kind: .plate, value: "京A5R319", reason: "=HYPERLINK(\"x\"), \"quoted\"", severity: .critical,
                           validUntil: now, createdBy: "a", createdAt: now),
            WatchlistEntry(id: "2", kind: .card, value: "c-1", reason: "lost", severity: .info, createdBy: "a", createdAt: now),
        ]
        let csv = WatchlistCSV.export(entries)
        let (back, rejected) = WatchlistCSV.parse(csv)
        #expect(rejected.isEmpty)
        #expect(back.map(\.value) == ["京A5R319", "c-1"])
        // The formula is defused, the rest kept.
        #expect(back[0].reason == "'=HYPERLINK(\"x\"), \"quoted\"" && back[0].validUntil == now && back[1].validUntil == nil)
    }
}
