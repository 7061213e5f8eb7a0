import Config
import Foundation
import Imaging
import Testing
@testable import Capture

/// The pure parts of capture: backoff, sampling, freeze detection, masking, the drop-oldest queue.
struct CaptureLogicTests {
    @Test func backoffDoublesFromOneToThirtySecondsWithBoundedJitter() {
        let backoff = Backoff()
        #expect(backoff.delay(attempt: 0, unit: 0.5) == 1)
        #expect(backoff.delay(attempt: 1, unit: 0.5) == 2)
        #expect(backoff.delay(attempt: 4, unit: 0.5) == 16)
        #expect(backoff.delay(attempt: 5, unit: 0.5) == 30)
        #expect(backoff.delay(attempt: 60, unit: 0.5) == 30)
        #expect(backoff.delay(attempt: 0, unit: 0) == 0.8)
        #expect(abs(backoff.delay(attempt: 0, unit: 0.999_999) - 1.2) < 1e-5)
        #expect(backoff.delay(attempt: 10, unit: 0.999_999) <= 36)
    }

    @Test func samplerTakesFramesAtTheAnalysisRateByStreamTime() {
        var sampler = FrameSampler(fps: 5)
        let taken = (0..<50).map { Double($0) * 0.04 }.filter { sampler.take($0) }
        #expect(taken.count == 10)
        #expect(taken.prefix(3).map { ($0 * 100).rounded() } == [0, 20, 40])
    }

    @Test func samplerRestartsAfterAGapInsteadOfBursting() {
        var sampler = FrameSampler(fps: 5)
        // 10 s later: take it, and not the backlog right after.
        let taken = [0, 10, 10.04, 10.2].map { sampler.take($0) }
        #expect(taken == [true, true, false, true])
    }

    @Test func freezeDetectorFlagsAnUnchangingPictureAfterTheConfiguredTime() {
        var detector = FreezeDetector(frozenAfter: 5)
        let still = LumaSignature(samples: (0..<576).map { UInt8($0 % 200) })
        do { let seen = detector.observe(still, at: 0); #expect(seen == .live) }
        do { let seen = detector.observe(still, at: 4.9); #expect(seen == .live) }
        do { let seen = detector.observe(still, at: 5); #expect(seen == .frozen(seconds: 5)) }
        let moved = LumaSignature(samples: (0..<576).map { UInt8(($0 + 7) % 200) })
        do { let seen = detector.observe(moved, at: 6); #expect(seen == .live) }
    }

    @Test func freezeDetectorToleratesCompressionNoiseButNotMotion() {
        var detector = FreezeDetector(frozenAfter: 1)
        let base = (0..<576).map { UInt8(50 + $0 % 100) }
        let noisy = base.enumerated().map { $0.offset % 9 == 0 ? $0.element &+ 2 : $0.element }  // ~0.2 levels on average
        do { let seen = detector.observe(LumaSignature(samples: base), at: 0); #expect(seen == .live) }
        do { let seen = detector.observe(LumaSignature(samples: noisy), at: 2); #expect(seen == .frozen(seconds: 2)) }
    }

    @Test func freezeDetectorCallsABlankPictureObscured() {
        var detector = FreezeDetector(frozenAfter: 2)
        let dark = LumaSignature(samples: (0..<576).map { UInt8(10 + $0 % 3) })
        _ = detector.observe(dark, at: 0)
        do { let seen = detector.observe(dark, at: 2); #expect(seen == .obscured(seconds: 2)) }
    }

    @Test func signatureSamplesTheWholePicture() {
        let plane = Plane(width: 64, height: 36, pixels: (0..<(64 * 36)).map { UInt8(($0 % 64) * 4) })
        let signature = LumaSignature(plane)
        #expect(signature.samples.first == 4)
        #expect(signature.samples[31] == 252)
        #expect(signature.contrast > 50)
    }

    @Test func credentialsAreFilledInForLibavAndMaskedForPeople() throws {
        let url = URL(string: "rtsp://192.0.2.10:554/Streaming/Channels/101")!
        let address = try SourceAddress(url: url, credentials: .init(username: "viewer", password: .environment("PW")),
                                        environment: ["PW": "p@ss:w/rd"])
        #expect(address.openable == "rtsp://viewer:p%40ss%3Aw%2Frd@192.0.2.10:554/Streaming/Channels/101")
        #expect(address.masked == "rtsp://viewer:***@192.0.2.10:554/Streaming/Channels/101")
        #expect(!address.masked.contains("p@ss"))
        #expect(SourceAddress(typed: "rtsp://admin:hunter2@10.0.0.1/x").masked == "rtsp://admin:***@10.0.0.1/x")
    }

    @Test func aMissingPasswordIsAClearErrorNotAnEmptyPassword() {
        #expect(throws: CaptureError.secretUnavailable("environment variable NOPE is not set")) {
            _ = try SourceAddress(url: URL(string: "rtsp://h/x")!,
                                  credentials: .init(username: "u", password: .environment("NOPE")), environment: [:])
        }
    }

    @Test func mailboxDropsTheOldestFrameWhenFull() async {
        let mailbox = FrameMailbox(capacity: 2)
        let image = YCbCrImage(grey: Plane(width: 2, height: 2, filledWith: 0))
        for i in 1...5 {
            mailbox.push(Frame(cameraID: "c", sequence: i, timestamp: Double(i), capturedAt: Date(), image: image))
        }
        #expect(mailbox.dropped == 3)
        #expect(await mailbox.next()?.sequence == 4)
        #expect(await mailbox.next()?.sequence == 5)
        mailbox.close()
        #expect(await mailbox.next() == nil)
    }
}

/// Stream time across reconnections keeps rising, by the wall time that passed.
struct CameraTimelineTests {
    @Test func aNewConnectionCarriesOnAfterTheLastFrame() {
        var timeline = CameraTimeline()
        timeline.reconnected()
        let first = [0.0, 0.2, 0.4].map { timeline.time($0, now: 100 + $0) }
        #expect(first == [0.0, 0.2, 0.4])
        // The camera comes back 3 s later with its clock at 0 again.
        timeline.reconnected()
        let second = [0.0, 0.2].map { timeline.time($0, now: 103.4 + $0) }
        #expect(abs(second[0] - 3.4) < 1e-9 && abs(second[1] - 3.6) < 1e-9)
        // A bad timestamp inside a connection never goes back.
        #expect(timeline.time(0.1, now: 103.7) > second[1])
    }
}
