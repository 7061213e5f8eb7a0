import Foundation

/// One camera, from one file in `cameras/`.
public struct CameraConfig: Sendable, Equatable {
    public enum Direction: String, Sendable, Equatable, CaseIterable { case `in`, out, both }
    public enum Transport: String, Sendable, Equatable, CaseIterable { case tcp, udp }
    public enum PlateRegion: String, Sendable, Equatable, CaseIterable { case cn, us, eu, br }

    /// Where a secret comes from; the secret itself is read only when connecting.
    public enum SecretSource: Sendable, Equatable {
        case environment(String)
        case file(URL)
    }

    public struct Credentials: Sendable, Equatable {
        public var username: String
        public var password: SecretSource

        public init(username: String, password: SecretSource) {
            self.username = username
            self.password = password
        }
    }

    /// A point of the region of interest, as fractions of frame width and height.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
    }

    public var id: String
    public var name: String
    /// Stream URL without credentials (they are kept apart so they never reach logs).
    /// Exactly one of `url` and `snapshotURL` is set.
    public var url: URL?
    public var credentials: Credentials?
    public var checkpoint: String
    public var lane: String
    public var direction: Direction
    public var analyseFPS: Double
    public var transport: Transport
    public var loop: Bool
    public var roi: [Point]?
    /// HTTP JPEG snapshot URL, polled at `analyseFPS`, for cameras without a stream.
    public var snapshotURL: URL?
    public var plateRegions: [PlateRegion]
    public var minPlateWidth: Int
    /// Width frames are shrunk to for the plate detector: larger finds smaller plates, at more CPU.
    public var detectorWidth: Int
    /// `detectorWidth` unless the camera's file says otherwise (the reader's own default, `PlateReader.Settings`).
    public static let defaultDetectorWidth = 640
    /// Most places per frame the detector looks at again at twice the scale for plates too small to see at
    /// `detectorWidth` (0 turns it off; each costs about a tenth of the first pass).
    public var zoomWindows: Int
    /// Province characters most plates here carry (the community's own, its neighbours'): they win a
    /// province character the picture leaves in doubt. Empty: every province alike.
    public var localProvinces: [Character]
    /// Latin reads (us, eu) shorter than this are dropped: car badges and words read as two or three characters.
    public var minLatinCharacters: Int
    /// `minLatinCharacters` unless the camera's file says otherwise (the reader's own default, `PlateReader.Settings`).
    public static let defaultMinLatinCharacters = 4
    public var enabled: Bool
    /// No frame for this long: the stream is stalled (reconnect) and, if it lasts, an offline alert.
    public var stallSeconds: Double
    /// The same (or a blank) picture for this long raises a frozen/obscured alert.
    public var frozenSeconds: Double
    /// Decoder threads for this camera (1 keeps one camera on one core).
    public var decodeThreads: Int
    /// The file this camera came from, for messages about it.
    public var file: URL

    /// A camera built in code (benchmarks, tests); files go through the loader, which validates.
    public init(id: String, name: String? = nil, url: URL? = nil, snapshotURL: URL? = nil, credentials: Credentials? = nil,
                checkpoint: String = "main", lane: String = "1", direction: Direction = .both, analyseFPS: Double = 5,
                transport: Transport = .tcp, loop: Bool = false, roi: [Point]? = nil, plateRegions: [PlateRegion] = [.cn],
                minPlateWidth: Int = 60, detectorWidth: Int = CameraConfig.defaultDetectorWidth, zoomWindows: Int = 6, localProvinces: [Character] = [],
                minLatinCharacters: Int = CameraConfig.defaultMinLatinCharacters, enabled: Bool = true, stallSeconds: Double = 10, frozenSeconds: Double = 60,
                decodeThreads: Int = 1, file: URL = URL(fileURLWithPath: "/dev/null")) {
        precondition((url == nil) != (snapshotURL == nil), "a camera needs exactly one of url and snapshotURL")
        self.id = id
        self.name = name ?? id
        self.url = url
        self.snapshotURL = snapshotURL
        self.credentials = credentials
        self.checkpoint = checkpoint
        self.lane = lane
        self.direction = direction
        self.analyseFPS = analyseFPS
        self.transport = transport
        self.loop = loop
        self.roi = roi
        self.plateRegions = plateRegions
        self.minPlateWidth = minPlateWidth
        self.detectorWidth = detectorWidth
        self.zoomWindows = zoomWindows
        self.localProvinces = localProvinces
        self.minLatinCharacters = minLatinCharacters
        self.enabled = enabled
        self.stallSeconds = stallSeconds
        self.frozenSeconds = frozenSeconds
        self.decodeThreads = decodeThreads
        self.file = file
    }

    /// Where frames come from.
    public enum Source: Sendable, Equatable {
        case stream(URL)
        case snapshot(URL)
    }

    public var source: Source {
        if let url { return .stream(url) }
        return .snapshot(snapshotURL!)
    }
}
