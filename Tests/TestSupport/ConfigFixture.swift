import Foundation

/// Writes a complete, valid `checkpointd.yaml` (plus optional cameras) into a temporary folder.
public struct ConfigFixture {
    public let directory: TemporaryDirectory
    public let port: Int

    public init(port: Int = 0, extra: String = "", directory: TemporaryDirectory? = nil) throws {
        self.directory = try directory ?? TemporaryDirectory()
        self.port = port
        try write(extra: extra)
    }

    public var configPath: String { directory.file("checkpointd.yaml").path }
    public var stateDirectory: URL { directory.file("state") }
    public var databasePath: String { stateDirectory.appendingPathComponent("checkpointd.sqlite").path }
    public var bootstrapTokenFile: URL { stateDirectory.appendingPathComponent("bootstrap-admin.token") }

    public static func yaml(port: Int, extra: String = "") -> String {
        """
        listen:
          address: 127.0.0.1
          port: \(port)
        state_directory: state
        community:
          id: test-community
          name: Test Gardens
          timezone: Asia/Shanghai
        retention:
          days: 30
        log_level: info
        store:
          synchronous: normal
        \(extra)
        """
    }

    /// Rewrites the main file (e.g. to break it before a reload).
    public func write(extra: String = "") throws {
        try directory.write(Self.yaml(port: port, extra: extra), to: "checkpointd.yaml")
    }

    public func writeRaw(_ text: String) throws {
        try directory.write(text, to: "checkpointd.yaml")
    }

    public func addCamera(id: String, url: String = "rtsp://127.0.0.1:8554/\(UUID().uuidString.prefix(4))",
                          extra: String = "") throws {
        try directory.write("""
            id: \(id)
            url: \(url)
            checkpoint: main-gate
            direction: in
            \(extra)
            """, to: "cameras/\(id).yaml")
    }
}

/// Asks the kernel for a free TCP port on 127.0.0.1.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
