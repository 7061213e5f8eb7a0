import Crypto
import Foundation
import Registry
import Server

/// Verifies a card token with nothing but exported files, as a gate without a network would.
struct OfflineVerifier {
    let keyring: CardKeyring
    let revoked: Set<String>
    let generations: [String: Int]

    init(keysFile: String, revocationsFile: String?) throws {
        let decoder = JSON.decoder()
        let keySet: ExportedKeys
        do {
            keySet = try decoder.decode(ExportedKeys.self, from: Data(contentsOf: URL(fileURLWithPath: keysFile)))
        } catch {
            throw CLIError(message: "\(keysFile) is not a key export from GET /api/v1/keys: \(error)", code: 65)
        }
        let keys = try keySet.keys.map { key -> CardKeyring.Key in
            guard let raw = Data(base64Encoded: key.publicKey), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw),
                  let id = UInt16(exactly: key.id)
            else { throw CLIError(message: "key \(key.id) in \(keysFile) is not an Ed25519 public key", code: 65) }
            return CardKeyring.Key(id: id, publicKey: publicKey, createdAt: key.createdAt, retiredAt: key.retiredAt)
        }
        keyring = CardKeyring(keys: keys, communityID: keySet.community)
        if let revocationsFile {
            let list: ExportedRevocations
            do {
                list = try decoder.decode(ExportedRevocations.self, from: Data(contentsOf: URL(fileURLWithPath: revocationsFile)))
            } catch {
                throw CLIError(message: "\(revocationsFile) is not an export from GET /api/v1/revocations: \(error)", code: 65)
            }
            revoked = Set(list.revoked.map(\.cardId))
            generations = Dictionary(list.renewed.map { ($0.cardId, $0.generation) }, uniquingKeysWith: max)
        } else {
            revoked = []
            generations = [:]
        }
    }

    struct Result { let valid: Bool; let text: String }

    func verify(_ text: String, now: Date = Date()) -> Result {
        switch keyring.verify(text) {
        case .malformed: return Result(valid: false, text: "malformed: not a readable entry card")
        case .forged: return Result(valid: false, text: "forged: no key of \(keyring.communityID) signed this token")
        case .retiredKey(let id): return Result(valid: false, text: "unknown key: signed by retired key \(id)")
        case .valid(let token):
            let summary = "card \(token.cardID) (\(token.category.rawValue)), key \(token.keyID), generation \(token.generation), valid \(Timestamp.format(token.validFrom)) – \(Timestamp.format(token.validUntil))"
            if revoked.contains(token.cardID) { return Result(valid: false, text: "revoked: \(summary)") }
            if let current = generations[token.cardID], Int(token.generation) < current {
                return Result(valid: false, text: "superseded by a renewal: \(summary)")
            }
            if now < token.validFrom { return Result(valid: false, text: "not yet valid: \(summary)") }
            if now >= token.validUntil { return Result(valid: false, text: "expired: \(summary)") }
            return Result(valid: true, text: "valid: \(summary)")
        }
    }

    struct ExportedKeys: Decodable {
        struct Key: Decodable { let id: Int; let publicKey: String; let createdAt: Date; let retiredAt: Date? }
        let community: String
        let keys: [Key]
    }

    struct ExportedRevocations: Decodable {
        struct Revoked: Decodable { let cardId: String }
        struct Renewed: Decodable { let cardId: String; let generation: Int }
        let revoked: [Revoked]
        let renewed: [Renewed]
    }
}
