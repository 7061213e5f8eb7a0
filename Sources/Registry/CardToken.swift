import Access
import Crypto
import Foundation

/// What an entry-card QR code carries: no personal data, only what an offline
/// scanner needs to decide, signed with Ed25519 so it cannot be altered or made up.
///
/// Text form: `CP1:` + Base45 of the signed bytes. Layout of the bytes (big-endian):
/// version(1) category(1) key id(2) card id(8) generation(2) valid from(4, Unix s)
/// valid until(4) community id length(1) community id(UTF-8), then a 64-byte signature
/// over everything before it.
public struct CardToken: Sendable, Equatable {
    public static let prefix = "CP1:"
    static let version: UInt8 = 1
    static let signatureLength = 64

    public var category: CardCategory
    public var keyID: UInt16
    /// 16 lower-case hex digits.
    public var cardID: String
    /// Bumped on every renewal, so the card's earlier tokens stop working.
    public var generation: UInt16
    public var validFrom: Date
    public var validUntil: Date
    public var communityID: String

    public init(category: CardCategory, keyID: UInt16, cardID: String, generation: UInt16,
                validFrom: Date, validUntil: Date, communityID: String) {
        self.category = category
        self.keyID = keyID
        self.cardID = cardID
        self.generation = generation
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.communityID = communityID
    }

    /// The bytes the signature covers.
    func payload() -> [UInt8] {
        var bytes: [UInt8] = [Self.version, category.code]
        bytes.append(contentsOf: keyID.bigEndianBytes)
        bytes.append(contentsOf: Self.cardIDBytes(cardID) ?? [UInt8](repeating: 0, count: 8))
        bytes.append(contentsOf: generation.bigEndianBytes)
        bytes.append(contentsOf: UInt32(clamping: Int64(validFrom.timeIntervalSince1970)).bigEndianBytes)
        bytes.append(contentsOf: UInt32(clamping: Int64(validUntil.timeIntervalSince1970)).bigEndianBytes)
        let community = Array(communityID.utf8.prefix(64))
        bytes.append(UInt8(community.count))
        bytes.append(contentsOf: community)
        return bytes
    }

    /// Signs and renders the token as QR-ready text.
    public func signed(with key: Curve25519.Signing.PrivateKey) throws -> String {
        let body = payload()
        let signature = try key.signature(for: body)
        return Self.prefix + Base45.encode(body + Array(signature))
    }

    /// A token as read from text, before its signature is checked.
    public struct Parsed: Sendable {
        public let token: CardToken
        let payload: [UInt8]
        let signature: [UInt8]

        /// Whether `key` made this token's signature.
        public func isSigned(by key: Curve25519.Signing.PublicKey) -> Bool {
            key.isValidSignature(signature, for: payload)
        }
    }

    public enum ParseError: Error, Equatable, Sendable {
        /// Not our token at all, or unreadable (a partial scan): scan again.
        case malformed
        /// Has our prefix and decodes, but its structure is broken: tampered with.
        case tampered
    }

    public static func parse(_ text: String) -> Result<Parsed, ParseError> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(prefix), let bytes = Base45.decode(trimmed.dropFirst(prefix.count)) else {
            return .failure(.malformed)
        }
        let minimum = 23 + 1 + signatureLength
        guard bytes.count >= minimum else { return .failure(.malformed) }
        let communityLength = Int(bytes[22])
        guard bytes[0] == version, communityLength >= 1, bytes.count == 23 + communityLength + signatureLength,
              let category = CardCategory(code: bytes[1]),
              let community = String(validating: bytes[23..<(23 + communityLength)], as: UTF8.self)
        else { return .failure(.tampered) }
        let token = CardToken(
            category: category,
            keyID: UInt16(bytes[2]) << 8 | UInt16(bytes[3]),
            cardID: bytes[4..<12].hexString,
            generation: UInt16(bytes[12]) << 8 | UInt16(bytes[13]),
            validFrom: Date(timeIntervalSince1970: TimeInterval(UInt32(bigEndian: bytes[14..<18]))),
            validUntil: Date(timeIntervalSince1970: TimeInterval(UInt32(bigEndian: bytes[18..<22]))),
            communityID: community)
        let split = bytes.count - signatureLength
        return .success(Parsed(token: token, payload: Array(bytes[..<split]), signature: Array(bytes[split...])))
    }

    /// Card ids are 8 random bytes written as 16 hex digits.
    public static func newCardID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }

    static func cardIDBytes(_ id: String) -> [UInt8]? {
        let utf8 = Array(id.utf8)
        guard utf8.count == 16 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: 16, by: 2) {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    public static func isCardID(_ id: String) -> Bool { cardIDBytes(id) != nil && id == id.lowercased() }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}

extension FixedWidthInteger {
    var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }
}

extension UInt32 {
    init(bigEndian bytes: ArraySlice<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
