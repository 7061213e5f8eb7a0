import Foundation
import Testing
import TestSupport

/// The reader and the tracker on generated clips (ffmpeg, synthetic plates), through `checkpoint track`:
/// three vehicles passing are exactly three tracks with their plates; a car parked at the barrier is one.
@Suite(.timeLimit(.minutes(3)))
struct TrackCommandTests {
    static func tracks(_ arguments: [String], plates: String) async throws -> [[String: Any]] {
        let directory = try TemporaryDirectory()
        let clip = directory.file("clip.mp4")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/make-demo-clip.sh")
        let made = try await runToolOffPool("/bin/bash", [script.path] + arguments + ["--plates", plates, clip.path])
        #expect(made.status == 0, "\(made.output)")
        let run = try await runToolOffPool(BuildProducts.executable("checkpoint").path, ["track", clip.path, "--region", "cn", "--fps", "5", "--json"])
        #expect(run.status == 0, "\(run.output)")
        let object = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        return object?["tracks"] as? [[String: Any]] ?? []
    }

    @Test func threeVehiclesPassingAreThreeTracksWithTheirPlates() async throws {
        let tracks = try await Self.tracks([], plates: "京A5R319,粤BD27584,川AF369W1")
        #expect(tracks.map { $0["plate"] as? String } == ["京A5R319", "粤BD27584", "川AF369W1"])
    }

    @Test func aCarParkedAtTheBarrierIsOneTrack() async throws {
        let tracks = try await Self.tracks(["--parked", "--seconds", "20"], plates: "粤BD27584")
        #expect(tracks.map { $0["plate"] as? String } == ["粤BD27584"])
        #expect((tracks.first?["last_seen"] as? Double ?? 0) > 15, "one track for the whole stay, not one per read")
    }

    @Test func aFileThatIsNoVideoIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("not a video", to: "broken.mp4")
        let run = try await runToolOffPool("/bin/sh", ["-c", "\"$0\" track \"$1\" 2>&1", BuildProducts.executable("checkpoint").path, file.path])
        #expect(run.status == 1)
        #expect(run.output.contains("broken.mp4"))
    }
}
