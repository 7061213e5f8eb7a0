import Crypto
import Foundation

/// The public key type card tokens are verified with.
typealias Curve25519PublicKey = Curve25519.Signing.PublicKey

extension Curve25519.Signing.PublicKey {
    init(_ raw: Data) throws { try self.init(rawRepresentation: raw) }
}
