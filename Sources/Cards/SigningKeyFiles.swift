import Crypto
import Foundation

/// Private card-signing keys, one file each under `<state>/keys/` (0600, folder 0700).
/// Only the daemon's user can read them; the database holds the public halves.
struct SigningKeyFiles: Sendable {
    let folder: URL

    init(stateDirectory: URL) {
        folder = stateDirectory.appendingPathComponent("keys")
    }

    func url(for id: UInt16) -> URL { folder.appendingPathComponent("card-signing-\(id).key") }

    func load(_ id: UInt16) throws -> Curve25519.Signing.PrivateKey {
        let text: String
        do {
            text = try String(contentsOf: url(for: id), encoding: .utf8)
        } catch {
            throw CardOfficeError.keyUnavailable("cannot read \(url(for: id).path): \(error.localizedDescription)")
        }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw CardOfficeError.keyUnavailable("\(url(for: id).path) is not a signing key") }
        return key
    }

    func create(_ id: UInt16) throws -> Curve25519.Signing.PrivateKey {
        let key = Curve25519.Signing.PrivateKey()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = url(for: id).path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CardOfficeError.keyUnavailable("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let text = Array((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == text.count else { throw CardOfficeError.keyUnavailable("short write to \(path)") }
        return key
    }
}
