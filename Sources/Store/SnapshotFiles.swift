import Crypto
import Foundation

/// Evidence JPEGs under the state directory, named by their SHA-256 so the same
/// picture is stored once and a path in the database always means the same bytes.
/// Written to a temporary file, flushed to disk, then renamed: a crash mid-write
/// leaves no half picture under a real name.
public struct SnapshotFiles: Sendable {
    public let root: URL

    public init(stateDirectory: URL) {
        root = stateDirectory.appendingPathComponent("snapshots", isDirectory: true)
    }

    /// Stores `jpeg`; returns its path relative to the state directory and its hex SHA-256.
    public func save(_ jpeg: Data) throws(StoreError) -> (path: String, sha256: String) {
        let hash = SHA256.hash(data: jpeg).map { String(format: "%02x", $0) }.joined()
        let folder = root.appendingPathComponent(String(hash.prefix(2)), isDirectory: true)
        let file = folder.appendingPathComponent(hash + ".jpg")
        let relative = "snapshots/\(hash.prefix(2))/\(hash).jpg"
        let manager = FileManager.default
        if manager.fileExists(atPath: file.path) { return (relative, hash) }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            let temporary = folder.appendingPathComponent(".\(hash).\(UUID().uuidString).tmp")
            guard manager.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o640]) else {
                throw StoreError.failed("cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try handle.write(contentsOf: jpeg)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                try? manager.removeItem(at: temporary)
                throw error
            }
            if rename(temporary.path, file.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? manager.removeItem(at: temporary)
                throw StoreError.failed("cannot store snapshot: \(reason)")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.failed("cannot store snapshot in \(folder.path): \(error.localizedDescription)")
        }
        return (relative, hash)
    }

    /// Deletes a stored snapshot; true when a file was removed.
    @discardableResult
    public func remove(_ relativePath: String) -> Bool {
        guard relativePath.hasPrefix("snapshots/"), !relativePath.contains("..") else { return false }
        return (try? FileManager.default.removeItem(at: root.deletingLastPathComponent().appendingPathComponent(relativePath))) != nil
    }

    /// The bytes of a stored snapshot (nil when the file is gone, e.g. after retention).
    public func load(_ relativePath: String) -> Data? {
        guard relativePath.hasPrefix("snapshots/"), !relativePath.contains("..") else { return nil }
        return FileManager.default.contents(atPath: root.deletingLastPathComponent().appendingPathComponent(relativePath).path)
    }
}

extension Store {
    /// The evidence pictures next to the database.
    public var snapshots: SnapshotFiles {
        SnapshotFiles(stateDirectory: URL(fileURLWithPath: path).deletingLastPathComponent())
    }
}
