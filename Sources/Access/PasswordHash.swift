import Crypto
import CryptoExtras
import Foundation

/// Staff passwords, stored only as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64).
///
/// scrypt is memory-hard, so a stolen database is expensive to brute-force; the
/// parameters travel with each hash, so they can be raised later without a migration.
public enum PasswordHash {
    public struct Parameters: Sendable, Equatable {
        public var rounds: Int
        public var blockSize: Int
        public var parallelism: Int

        /// 2^15 × 8 × 128 B = 32 MiB and ~50–100 ms per check on one core.
        public static let standard = Parameters(rounds: 1 << 15, blockSize: 8, parallelism: 1)
        /// For tests only: fast and weak.
        public static let testing = Parameters(rounds: 1 << 10, blockSize: 8, parallelism: 1)
    }

    public static func make(_ password: String, parameters: Parameters = .standard) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: parameters.rounds,
            blockSize: parameters.blockSize, parallelism: parameters.parallelism)
        let hash = key.withUnsafeBytes { Data($0) }
        return "scrypt$\(parameters.rounds)$\(parameters.blockSize)$\(parameters.parallelism)$"
            + Data(salt).base64EncodedString() + "$" + hash.base64EncodedString()
    }

    /// Constant-time comparison against a stored hash; false for any malformed hash.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
              let parallelism = Int(parts[3]), let salt = Data(base64Encoded: parts[4]),
              let expected = Data(base64Encoded: parts[5]), rounds >= 2, rounds <= 1 << 20
        else { return false }
        guard let key = try? KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: expected.count, rounds: rounds,
            blockSize: blockSize, parallelism: parallelism)
        else { return false }
        let actual = key.withUnsafeBytes { Data($0) }
        guard actual.count == expected.count else { return false }
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Rules a new password must meet.
    public static func problem(with password: String) -> String? {
        if password.count < 10 { return "a password needs at least 10 characters" }
        if password.count > 200 { return "a password may have at most 200 characters" }
        return nil
    }
}
