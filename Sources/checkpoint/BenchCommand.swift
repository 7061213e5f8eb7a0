import ArgumentParser
import Capture
import Config
import Foundation
import Logging

/// `checkpoint bench …`: measurements `make bench` prints (release build).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks (run by `make bench`).", subcommands: [Cameras.self])

    /// N cameras on one stream URL through the daemon's own capture code, analysis a no-op:
    /// does every camera keep its frame rate, and what does each cost?
    struct Cameras: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cameras",
            abstract: "Run N cameras on a URL with a no-op analyser; print frame rates, drops and CPU per camera as JSON.")

        @Option(help: "Stream every camera opens (each gets its own connection).")
        var url: String

        @Option(help: "Number of cameras.")
        var count: Int = 8

        @Option(help: "Measurement length after a warm-up of 3 s.")
        var seconds: Double = 15

        @Option(name: .customLong("analyse-fps"), help: "Frames per second handed to the (no-op) analyser.")
        var analyseFPS: Double = 5

        func run() async throws {
            guard let parsed = URL(string: url), parsed.scheme != nil else { throw ValidationError("--url must be a URL") }
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            LibAVLogging.quiet()
            let cameras = (1...count).map {
                CameraConfig(id: "cam\($0)", url: parsed, analyseFPS: analyseFPS, stallSeconds: 10)
            }
            let supervisor = CameraSupervisor(settings: CaptureSettings(environment: [:]), analyser: { _ in NoAnalysis() },
                                              events: DiscardedEvents(), logger: logger)
            supervisor.apply(cameras)
            let result = try await withThrowingTaskGroup(of: Measurement?.self) { group in
                group.addTask { try await supervisor.run(); return nil }
                group.addTask {
                    try await Task.sleep(for: .seconds(3))
                    let before = supervisor.statuses(), cpuBefore = SourceProbe.cpuSeconds(), start = Date()
                    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    let after = supervisor.statuses(), cpuAfter = SourceProbe.cpuSeconds()
                    let wall = Date().timeIntervalSince(start)
                    supervisor.stopAll()
                    return Measurement(before: before, after: after, wall: wall, cpu: cpuAfter - cpuBefore,
                                       rssMiB: Self.residentMiB())
                }
                var measurement: Measurement?
                for try await value in group { if let value { measurement = value } }
                return measurement!
            }
            print(result.json(count: count))
        }

        /// Resident memory of this process, from /proc.
        static func residentMiB() -> Double {
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
            return kb / 1024
        }
    }

    struct Measurement: Sendable {
        let before: [CameraStatus], after: [CameraStatus]
        let wall: Double, cpu: Double, rssMiB: Double

        var perCamera: [(fps: Double, analysed: Double, drops: Int, reconnects: Int, skipping: Bool)] {
            after.map { a in
                let b = before.first { $0.id == a.id }
                return (Double(a.framesDecoded - (b?.framesDecoded ?? 0)) / wall,
                        Double(a.framesAnalysed - (b?.framesAnalysed ?? 0)) / wall,
                        a.drops - (b?.drops ?? 0), a.reconnects, a.skippingFrames)
            }
        }

        func json(count: Int) -> String {
            let cams = perCamera
            let object: [String: Any] = [
                "cameras": count,
                "fps_in_min": round2(cams.map(\.fps).min() ?? 0),
                "fps_in_mean": round2(cams.map(\.fps).reduce(0, +) / Double(max(1, cams.count))),
                "fps_analysed_mean": round2(cams.map(\.analysed).reduce(0, +) / Double(max(1, cams.count))),
                "drops": cams.map(\.drops).reduce(0, +),
                "reconnects": cams.map(\.reconnects).reduce(0, +),
                "skipping": cams.filter(\.skipping).count,
                "cpu_cores": round2(cpu / wall),
                "cpu_per_camera_percent": round2(100 * cpu / wall / Double(max(1, count))),
                "rss_mib": round2(rssMiB),
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }

        private func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
    }
}

struct DiscardedEvents: CameraEventSink {
    func handle(_ event: CameraEvent) async {}
}
