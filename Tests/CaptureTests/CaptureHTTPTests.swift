import Config
import Foundation
import HTTPTypes
import Hummingbird
import Imaging
import NIOCore
import Synchronization
import Testing
import TestSupport
@testable import Capture

/// A small camera of the tests' own on 127.0.0.1: an MJPEG stream
/// (`multipart/x-mixed-replace`) and a JPEG snapshot, behind HTTP basic auth.
struct FakeHTTPCamera {
    static let user = "viewer", password = "s3cret"

    static func jpeg(_ index: Int, width: Int = 320, height: Int = 240) -> [UInt8] {
        let luma = Plane(width: width, height: height,
                         pixels: (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 % width + index * 8) })
        return try! JPEGEncoder(quality: 80).encode(YCbCrImage(grey: luma))
    }

    static func router() -> Router<BasicRequestContext> {
        let router = Router()
        let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        let challenge: HTTPFields = [.wwwAuthenticate: "Basic realm=\"camera\""]
        router.get("stream.mjpg") { request, _ -> Response in
            guard request.headers[.authorization] == expected else { return Response(status: .unauthorized, headers: challenge) }
            return Response(
                status: .ok, headers: [.contentType: "multipart/x-mixed-replace; boundary=frame"],
                body: ResponseBody { writer in
                    for index in 0..<300 {
                        let jpeg = jpeg(index)
                        var part = ByteBuffer(string: "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n")
                        part.writeBytes(jpeg)
                        part.writeString("\r\n")
                        try await writer.write(part)
                        try await Task.sleep(for: .milliseconds(40))
                    }
                    try await writer.finish(nil)
                })
        }
        let counter = Mutex(0)
        router.get("snapshot.jpg") { request, _ -> Response in
            guard request.headers[.authorization] == expected else { return Response(status: .unauthorized, headers: challenge) }
            let index = counter.withLock { $0 += 1; return $0 }
            return Response(status: .ok, headers: [.contentType: "image/jpeg"],
                            body: .init(byteBuffer: ByteBuffer(bytes: jpeg(index, width: 640, height: 360))))
        }
        router.get("broken.jpg") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "image/jpeg"],
                     body: .init(byteBuffer: ByteBuffer(bytes: Array(jpeg(1).prefix(200)))))
        }
        return router
    }

    /// Runs the camera for the body's duration and hands it the port.
    static func run(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: CaptureHarness.quiet)
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct CaptureHTTPTests {
    static let credentials = CameraConfig.Credentials(username: FakeHTTPCamera.user, password: .environment("CAMERA_PASSWORD"))

    @Test func mjpegOverHTTPStreamsFramesOfTheRightSize() async throws {
        try await FakeHTTPCamera.run { port in
            let camera = CameraConfig.test("mjpeg", "http://127.0.0.1:\(port)/stream.mjpg", fps: 5, credentials: Self.credentials)
            try await CaptureHarness.run([camera]) { h in
                #expect(await h.eventually(30) { h.analyser.count >= 4 }, "4 frames within 30 s, even on a loaded 2-core machine")
                let frames = h.analyser.frames.withLock { $0 }
                #expect(frames.allSatisfy { $0.width == 320 && $0.height == 240 })
                let stamps = frames.map(\.timestamp)
                #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 < $1 })
                #expect(h.status("mjpeg").codec == "mjpeg")
            }
        }
    }

    @Test func wrongHTTPPasswordIsReportedAsRejectedCredentials() async throws {
        try await FakeHTTPCamera.run { port in
            let wrong = CameraConfig.Credentials(username: "viewer", password: .environment("WRONG"))
            let camera = CameraConfig.test("mjpeg", "http://127.0.0.1:\(port)/stream.mjpg", credentials: wrong)
            var settings = CaptureHarness.settings
            settings.environment["WRONG"] = "guess"
            try await CaptureHarness.run([camera], settings: settings) { h in
                #expect(await h.eventually { h.status("mjpeg").state == .failed })
                #expect(h.status("mjpeg").lastError?.contains("401") == true, "\(h.status("mjpeg").lastError ?? "")")
                #expect(h.status("mjpeg").lastError?.contains("guess") == false)
            }
        }
    }

    @Test func snapshotURLIsPolledAtTheAnalysisRate() async throws {
        try await FakeHTTPCamera.run { port in
            let camera = CameraConfig(id: "snap", snapshotURL: URL(string: "http://127.0.0.1:\(port)/snapshot.jpg")!,
                                      credentials: Self.credentials, analyseFPS: 4)
            try await CaptureHarness.run([camera]) { h in
                #expect(await h.eventually(30) { h.analyser.count >= 4 }, "4 frames within 30 s, even on a loaded 2-core machine")
                #expect(h.analyser.frames.withLock { $0.allSatisfy { $0.width == 640 && $0.height == 360 } })
                #expect(h.status("snap").state == .streaming)
            }
        }
    }

    @Test func brokenSnapshotIsInvalidDataNotACrash() async throws {
        try await FakeHTTPCamera.run { port in
            let camera = CameraConfig(id: "bad", snapshotURL: URL(string: "http://127.0.0.1:\(port)/broken.jpg")!)
            try await CaptureHarness.run([camera]) { h in
                #expect(await h.eventually { h.status("bad").state == .failed })
                #expect(h.status("bad").lastError?.contains("not a valid stream") == true, "\(h.status("bad").lastError ?? "")")
            }
        }
    }
}
