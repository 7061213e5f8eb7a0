import Foundation

/// One decoded picture from a camera, as capture hands it to analysis.
public struct Frame: Sendable {
    /// Camera that produced the frame.
    public let cameraID: String
    /// Counts decoded frames of this camera since it was started (gaps = frames not analysed).
    public let sequence: Int
    /// Stream time in seconds, strictly increasing for one camera (loops and reconnects continue it).
    public let timestamp: Double
    /// Wall-clock time the frame was decoded, for records and evidence.
    public let capturedAt: Date
    public let image: YCbCrImage

    public var width: Int { image.width }
    public var height: Int { image.height }

    public init(cameraID: String, sequence: Int, timestamp: Double, capturedAt: Date, image: YCbCrImage) {
        self.cameraID = cameraID
        self.sequence = sequence
        self.timestamp = timestamp
        self.capturedAt = capturedAt
        self.image = image
    }
}
