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
    }

    /// A point of the region of interest, as fractions of frame width and height.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
    }

    public var id: String
    public var name: String
    /// Stream URL without credentials (they are kept apart so they never reach logs).
    public var url: URL
    public var credentials: Credentials?
    public var checkpoint: String
    public var lane: String
    public var direction: Direction
    public var analyseFPS: Double
    public var transport: Transport
    public var loop: Bool
    public var roi: [Point]?
    public var snapshotURL: URL?
    public var plateRegions: [PlateRegion]
    public var minPlateWidth: Int
    public var enabled: Bool
    /// The file this camera came from, for messages about it.
    public var file: URL
}
