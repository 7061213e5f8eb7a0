/// Why an image could not be encoded or decoded, in libjpeg-turbo's words.
public struct JPEGError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "JPEG: \(message)" }
}
