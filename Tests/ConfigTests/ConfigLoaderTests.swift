import Foundation
import Testing
import TestSupport
@testable import Config

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: ["CAM_PASSWORD": "secret"])

    func loadError(_ fixture: ConfigFixture) -> ConfigError? {
        do {
            _ = try loader.load(path: fixture.configPath)
            return nil
        } catch {
            return error
        }
    }

    @Test func theShippedExampleConfigIsValid() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try loader.load(path: repo.appendingPathComponent("config/checkpointd.yaml").path)
        #expect(config.listen.port == 8080)
        #expect(config.community.timeZone.identifier == "Asia/Shanghai")
        #expect(config.cameras.map(\.id) == ["demo"])
        #expect(config.cameras[0].loop)
    }

    @Test func aValidFileLoadsWithDefaultsAndResolvedPaths() throws {
        let fixture = try ConfigFixture(port: 9000)
        let config = try loader.load(path: fixture.configPath)
        #expect(config.listen.address == "127.0.0.1")
        #expect(config.stateDirectory.path == fixture.stateDirectory.standardizedFileURL.path)
        #expect(config.retention.days == 30)
        #expect(config.http.maxBodyBytes == 1 << 20)
        #expect(config.store.synchronous == .normal)
        #expect(config.cameras.isEmpty)
    }

    @Test func unknownKeyNamesFileLineKeyAndSuggestion() throws {
        let fixture = try ConfigFixture()
        try fixture.writeRaw(ConfigFixture.yaml(port: 1).replacingOccurrences(of: "retention:", with: "retension:"))
        let error = try #require(loadError(fixture))
        #expect(error.file == fixture.configPath)
        #expect(error.key == "retension")
        #expect(error.line == 9)
        #expect(error.description.contains("did you mean 'retention'"))
    }

    @Test func wrongTypeNamesTheNestedKey() throws {
        let fixture = try ConfigFixture()
        try fixture.writeRaw(ConfigFixture.yaml(port: 1).replacingOccurrences(of: "port: 1", with: "port: eighty"))
        let error = try #require(loadError(fixture))
        #expect(error.key == "listen.port")
        #expect(error.line == 3)
        #expect(error.message.contains("whole number"))
        #expect(error.description.hasPrefix("\(fixture.configPath):3: key 'listen.port'"))
    }

    @Test func missingRequiredKeyAndBadTimeZone() throws {
        let fixture = try ConfigFixture()
        try fixture.writeRaw(ConfigFixture.yaml(port: 1).replacingOccurrences(of: "  timezone: Asia/Shanghai\n", with: ""))
        #expect(loadError(fixture)?.key == "community.timezone")
        try fixture.writeRaw(ConfigFixture.yaml(port: 1).replacingOccurrences(of: "Asia/Shanghai", with: "Mars/Olympus"))
        let error = try #require(loadError(fixture))
        #expect(error.key == "community.timezone")
        #expect(error.message.contains("IANA"))
    }

    @Test func brokenYAMLReportsTheLine() throws {
        let fixture = try ConfigFixture()
        try fixture.writeRaw("listen:\n  port: [1, 2\nstate_directory: x\n")
        let error = try #require(loadError(fixture))
        #expect(error.message.contains("not valid YAML"))
        #expect(error.line != nil)
    }

    @Test func aRawTokenInConfigIsRefused() throws {
        let fixture = try ConfigFixture(extra: """
            tokens:
              - name: gate
                role: device
                sha256: cpd_not_a_digest
            """)
        let error = try #require(loadError(fixture))
        #expect(error.key == "tokens[0].sha256")
        #expect(error.message.contains("never the token itself"))
    }

    @Test func stateDirectoryComesFromSystemdWhenAbsent() throws {
        let fixture = try ConfigFixture()
        try fixture.writeRaw(ConfigFixture.yaml(port: 1).replacingOccurrences(of: "state_directory: state\n", with: ""))
        let config = try ConfigLoader(environment: ["STATE_DIRECTORY": "/var/lib/checkpointd"]).load(path: fixture.configPath)
        #expect(config.stateDirectory.path == "/var/lib/checkpointd")
        let error = try #require(loadError(fixture))
        #expect(error.key == "state_directory")
    }

    @Test func camerasAreReadFromTheFolderBesideTheConfig() throws {
        let fixture = try ConfigFixture()
        try fixture.directory.write("""
            id: north-in
            name: North gate
            url: rtsp://127.0.0.1:8554/north
            credentials:
              username: viewer
              password_env: CAM_PASSWORD
            checkpoint: north
            lane: "2"
            direction: in
            analyse_fps: 2.5
            roi: [[0, 0.5], [1, 0.5], [1, 1]]
            plate_regions: [cn, us]
            detector_width: 768
            zoom_windows: 0
            local_provinces: 湘, 鄂湘
            min_latin_characters: 3
            """, to: "cameras/north.yaml")
        try fixture.directory.write("id: clip\nurl: file:clips/a.mp4\nloop: true\ncheckpoint: north\n", to: "cameras/clip.yaml")
        try fixture.directory.write("not: read", to: "cameras/notes.txt")
        let config = try loader.load(path: fixture.configPath)
        #expect(config.cameras.map(\.id) == ["clip", "north-in"])
        let north = config.cameras[1]
        #expect(north.credentials == .init(username: "viewer", password: .environment("CAM_PASSWORD")))
        #expect(north.analyseFPS == 2.5)
        #expect(north.roi?.count == 3)
        #expect(north.plateRegions == [.cn, .us])
        #expect(north.detectorWidth == 768 && config.cameras[0].detectorWidth == 640)
        #expect(north.zoomWindows == 0 && config.cameras[0].zoomWindows == 6)
        #expect(north.localProvinces == ["湘", "鄂"] && config.cameras[0].localProvinces.isEmpty)
        #expect(north.minLatinCharacters == 3 && config.cameras[0].minLatinCharacters == 4)
        #expect(config.cameras[0].url?.path == fixture.directory.file("cameras/clips/a.mp4").standardizedFileURL.path)
    }

    @Test func cameraErrorsNameTheCameraFile() throws {
        let fixture = try ConfigFixture()
        let file = try fixture.directory.write(
            "id: a\nurl: rtsp://admin:hunter2@127.0.0.1/x\ncheckpoint: gate\n", to: "cameras/a.yaml")
        var error = try #require(loadError(fixture))
        #expect(error.file == file.path)
        #expect(error.key == "url")
        #expect(error.message.contains("credentials"))
        #expect(!error.description.contains("hunter2"))

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\nloop: true\ncheckpoint: gate\n", to: "cameras/a.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "loop")

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\nanalyse_fps: 99\n", to: "cameras/a.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "analyse_fps" && error.line == 4)

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\ndetector_width: 64\n", to: "cameras/a.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "detector_width")

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\nzoom_windows: -1\n", to: "cameras/a.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "zoom_windows")

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\nlocal_provinces: 湘HN\n", to: "cameras/a.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "local_provinces" && error.message.contains("'HN'"))

        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\n", to: "cameras/a.yaml")
        try fixture.directory.write("id: a\nurl: rtsp://127.0.0.1/y\ncheckpoint: gate\n", to: "cameras/b.yaml")
        error = try #require(loadError(fixture))
        #expect(error.message.contains("already used by a.yaml"))

        try FileManager.default.removeItem(at: fixture.directory.file("cameras/b.yaml"))
        try fixture.directory.write(
            "id: c\nurl: rtsp://127.0.0.1/x\ncheckpoint: gate\ncredentials:\n  username: u\n  password_env: MISSING\n",
            to: "cameras/c.yaml")
        error = try #require(loadError(fixture))
        #expect(error.key == "credentials.password_env")
        #expect(error.message.contains("MISSING is not set"))
    }
}

extension ConfigLoaderTests {
    @Test func aKeyGivenTwiceIsNamed() throws {
        let fixture = try ConfigFixture(extra: "log_level: debug")
        let error = try #require(loadError(fixture))
        #expect(error.key == "log_level")
        #expect(error.message.contains("twice"))
    }
}
