import Access
import Foundation
import GRDB

/// What an alert listing looks for; each given field narrows it. Newest first, paged by `beforeID`;
/// with `afterID`, oldest first from just after that id (what a live stream reads when woken).
public struct AlertQuery: Sendable, Equatable {
    public var since: Date?
    public var until: Date?
    public var kind: String?
    public var severity: AlertRecord.Severity?
    public var checkpoint: String?
    public var cameraID: String?
    /// Only alerts whose condition has not ended (a camera still offline); passages' alerts never end by themselves.
    public var openOnly = false
    public var beforeID: Int64?
    public var afterID: Int64?
    public var limit: Int

    public init(since: Date? = nil, until: Date? = nil, kind: String? = nil, severity: AlertRecord.Severity? = nil,
                checkpoint: String? = nil, cameraID: String? = nil, openOnly: Bool = false, beforeID: Int64? = nil,
                afterID: Int64? = nil, limit: Int = 50) {
        self.since = since
        self.until = until
        self.kind = kind
        self.severity = severity
        self.checkpoint = checkpoint
        self.cameraID = cameraID
        self.openOnly = openOnly
        self.beforeID = beforeID
        self.afterID = afterID
        self.limit = limit
    }
}

extension Store {
    /// Alerts, newest first (oldest first after `afterID`); the look-up is audited (alerts name plates and
    /// cards). `actor` nil reads unaudited: only for a live stream whose opening was audited.
    public func alerts(_ query: AlertQuery, by actor: Principal?, requestID: String? = nil) async throws(StoreError) -> [AlertRecord] {
        var listing = Listing()
        listing.add("raised_at >= ?", query.since)
        listing.add("raised_at < ?", query.until)
        listing.add("kind = ?", query.kind, audit: "kind")
        listing.add("severity = ?", query.severity?.rawValue, audit: "severity")
        listing.add("checkpoint = ?", query.checkpoint, audit: "checkpoint")
        listing.add("camera_id = ?", query.cameraID, audit: "camera")
        if query.openOnly { listing.add("cleared_at IS NULL") }
        return try await listing.fetch(from: "alert", before: query.beforeID, after: query.afterID, limit: query.limit, store: self,
                                       actor: actor, action: "alert.search", requestID: requestID, AlertRecord.init)
    }
}
