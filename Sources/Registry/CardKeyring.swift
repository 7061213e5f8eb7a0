import Crypto
import Foundation

/// The public keys that verify entry-card tokens, by key id.
///
/// Retired keys are kept so that a card signed by one is reported as "signed by
/// a retired key" (reissue it) rather than as a forgery; a token no known key
/// verifies is a forgery or a card from another community.
public struct CardKeyring: Sendable {
    public struct Key: Sendable, Equatable {
        public var id: UInt16
        public var publicKey: Curve25519.Signing.PublicKey
        public var createdAt: Date
        public var retiredAt: Date?

        public init(id: UInt16, publicKey: Curve25519.Signing.PublicKey, createdAt: Date, retiredAt: Date? = nil) {
            self.id = id
            self.publicKey = publicKey
            self.createdAt = createdAt
            self.retiredAt = retiredAt
        }

        public var isRetired: Bool { retiredAt != nil }

        public static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.id == rhs.id && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
                && lhs.createdAt == rhs.createdAt && lhs.retiredAt == rhs.retiredAt
        }
    }

    public var keys: [Key]
    public var communityID: String

    public init(keys: [Key], communityID: String) {
        self.keys = keys
        self.communityID = communityID
    }

    /// The outcome of checking a token's signature.
    public enum Verification: Sendable, Equatable {
        case valid(CardToken)
        /// Unreadable or not a card token: ask for a rescan.
        case malformed
        /// Altered, made up, or issued by another community.
        case forged
        /// Genuinely signed, but by a key that has since been retired.
        case retiredKey(UInt16)
    }

    public func verify(_ text: String) -> Verification {
        let parsed: CardToken.Parsed
        switch CardToken.parse(text) {
        case .failure(.malformed): return .malformed
        case .failure(.tampered): return .forged
        case .success(let value): parsed = value
        }
        if let named = keys.first(where: { $0.id == parsed.token.keyID }), parsed.isSigned(by: named.publicKey) {
            if named.isRetired { return .retiredKey(named.id) }
            return parsed.token.communityID == communityID ? .valid(parsed.token) : .forged
        }
        return .forged
    }
}
