import Crypto
import Foundation

/// Bearer tokens for devices, scripts and operators.
///
/// A token is shown once, when it is minted; the store keeps only its SHA-256
/// digest, so a stolen database does not yield usable credentials. The `cpd_`
/// prefix lets secret scanners and humans recognise a leaked token.
public enum APIToken {
    public static let prefix = "cpd_"

    /// A freshly minted token: the secret to hand out once, and the digest to store.
    public struct Minted: Sendable {
        public let secret: String
        public let digest: String
    }

    /// Mints a token with 256 bits of entropy from the system CSPRNG.
    public static func mint() -> Minted {
        let key = SymmetricKey(size: .bits256)
        let secret = prefix + key.withUnsafeBytes { Data($0) }.base64URLEncodedString()
        return Minted(secret: secret, digest: digest(of: secret))
    }

    /// Lower-case hex SHA-256 of the token text, the only form that is stored.
    public static func digest(of secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Whether a string is shaped like one of our tokens (cheap pre-check before a DB look-up).
    public static func isWellFormed(_ secret: String) -> Bool {
        guard secret.hasPrefix(prefix), secret.utf8.count == prefix.utf8.count + 43 else { return false }
        return secret.utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }

    /// Whether a string is a valid stored digest (64 lower-case hex digits), e.g. from config.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

extension Data {
    /// RFC 4648 §5 base64url without padding.
    public func base64URLEncodedString() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal rendering of bytes.
    public var hexString: String {
        var out = ""
        out.reserveCapacity(64)
        for byte in self {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0x0F)])
        }
        return out
    }

    private static var hexDigits: [Character] { Array("0123456789abcdef") }
}
