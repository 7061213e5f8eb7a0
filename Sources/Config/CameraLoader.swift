import Foundation
import Plates

/// Reads `cameras/*.yaml`: one camera per file, ids unique across the folder.
struct CameraLoader {
    var environment: [String: String]

    func loadFolder(_ folder: URL) throws(ConfigError) -> [CameraConfig] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else {
            throw ConfigError(file: folder.path, message: "cameras_directory must be a folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ConfigError(file: folder.path, message: "cannot be listed: \(ConfigLoader.reason(error))")
        }
        var cameras: [CameraConfig] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let camera = try load(file: folder.appendingPathComponent(name))
            if let other = cameras.first(where: { $0.id == camera.id }) {
                throw ConfigError(file: camera.file.path, key: "id",
                                  message: "camera id '\(camera.id)' is already used by \(other.file.lastPathComponent)")
            }
            cameras.append(camera)
        }
        return cameras
    }

    func load(file: URL) throws(ConfigError) -> CameraConfig {
        let root = try ConfigLoader.parse(file: file)
        let map = try root.mapping(allowed: [
            "id", "name", "url", "credentials", "checkpoint", "lane", "direction", "analyse_fps",
            "transport", "loop", "roi", "snapshot_url", "plate_regions", "min_plate_width", "detector_width", "zoom_windows", "local_provinces", "min_latin_characters", "enabled",
            "stall_seconds", "frozen_seconds", "decode_threads",
        ])
        let id = try map.required("id").identifier()

        let url = try map["url"].map { node throws(ConfigError) in
            try streamURL(node, schemes: ["rtsp", "rtsps", "http", "https", "file"], base: file)
        }
        let snapshotURL = try map["snapshot_url"].map { node throws(ConfigError) in
            try streamURL(node, schemes: ["http", "https"], base: file)
        }
        switch (url, snapshotURL) {
        case (nil, nil):
            throw root.error("needs url (a stream) or snapshot_url (a JPEG to poll)")
        case (.some, .some):
            throw map["snapshot_url"]!.error("give either url or snapshot_url, not both")
        default: break
        }

        let credentials = try map["credentials"].map { node throws(ConfigError) in
            let creds = try node.mapping(allowed: ["username", "password_env", "password_file"])
            let username = try creds.required("username").string()
            switch (creds["password_env"], creds["password_file"]) {
            case (let env?, nil):
                let name = try env.string()
                guard environment[name] != nil else {
                    throw env.error("environment variable \(name) is not set")
                }
                return CameraConfig.Credentials(username: username, password: .environment(name))
            case (nil, let path?):
                let url = ConfigLoader.resolve(try path.string(), against: file.deletingLastPathComponent())
                guard FileManager.default.isReadableFile(atPath: url.path) else {
                    throw path.error("password file \(url.path) cannot be read")
                }
                return CameraConfig.Credentials(username: username, password: .file(url))
            default:
                throw node.error("needs exactly one of password_env or password_file")
            }
        }

        let loop = try map["loop"]?.bool() ?? false
        if loop && url?.isFileURL != true, let node = map["loop"] {
            throw node.error("only file:// sources can loop")
        }

        let roi = try map["roi"].map { node throws(ConfigError) -> [CameraConfig.Point] in
            let points = try node.list()
            guard points.count >= 3 else { throw node.error("needs at least 3 points, got \(points.count)") }
            return try points.map { point throws(ConfigError) in
                let pair = try point.list()
                guard pair.count == 2 else { throw point.error("must be [x, y] as fractions of the frame") }
                return CameraConfig.Point(x: try pair[0].double(in: 0...1), y: try pair[1].double(in: 0...1))
            }
        }

        var regions: [CameraConfig.PlateRegion] = [.cn]
        if let node = map["plate_regions"] {
            regions = try node.list().map { item throws(ConfigError) in try item.oneOf(CameraConfig.PlateRegion.self) }
            guard !regions.isEmpty else { throw node.error("must name at least one region") }
        }

        return CameraConfig(
            id: id,
            name: try map["name"]?.string() ?? id,
            url: url,
            snapshotURL: snapshotURL,
            credentials: credentials,
            checkpoint: try map.required("checkpoint").identifier(),
            lane: try map["lane"]?.identifier() ?? "1",
            direction: try map["direction"]?.oneOf(CameraConfig.Direction.self) ?? .both,
            analyseFPS: try map["analyse_fps"]?.double(in: 0.1...30) ?? 5,
            transport: try map["transport"]?.oneOf(CameraConfig.Transport.self) ?? .tcp,
            loop: loop,
            roi: roi,
            plateRegions: regions,
            minPlateWidth: try map["min_plate_width"]?.int(in: 20...2000) ?? 60,
            detectorWidth: try map["detector_width"]?.int(in: 256...1920) ?? CameraConfig.defaultDetectorWidth,
            zoomWindows: try map["zoom_windows"]?.int(in: 0...32) ?? 6,
            localProvinces: try map["local_provinces"].map(Self.provinces) ?? [],
            minLatinCharacters: try map["min_latin_characters"]?.int(in: 1...9) ?? CameraConfig.defaultMinLatinCharacters,
            enabled: try map["enabled"]?.bool() ?? true,
            stallSeconds: try map["stall_seconds"]?.double(in: 1...600) ?? 10,
            frozenSeconds: try map["frozen_seconds"]?.double(in: 2...86400) ?? 60,
            decodeThreads: try map["decode_threads"]?.int(in: 1...16) ?? 1,
            file: file)
    }

    /// `local_provinces: 湘鄂`: province characters, each once.
    private static func provinces(_ node: ConfigNode) throws(ConfigError) -> [Character] {
        let parsed = CharacterClass.provinces(in: try node.string())
        guard parsed.unknown.isEmpty else {
            throw node.error("must be province characters (\(String(CharacterClass.provinces))), got '\(parsed.unknown)'")
        }
        return parsed.provinces
    }

    private func streamURL(_ node: ConfigNode, schemes: [String], base: URL) throws(ConfigError) -> URL {
        let text = try node.string()
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              schemes.contains(scheme)
        else {
            throw node.error("must be a URL with scheme \(schemes.joined(separator: ", ")), got '\(text)'")
        }
        if components.password != nil || components.user != nil {
            throw node.error("must not contain a user or password; put them under credentials (password_env or password_file)")
        }
        if scheme == "file" {
            // file:relative/path is resolved against the camera file's folder.
            let path = components.path
            return ConfigLoader.resolve(path, against: base.deletingLastPathComponent())
        }
        guard components.host?.isEmpty == false, let url = components.url else {
            throw node.error("must name a host, got '\(text)'")
        }
        return url
    }
}
