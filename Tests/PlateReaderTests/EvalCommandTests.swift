import Foundation
import Imaging
import Testing
import TestSupport
@testable import PlateReader

/// `checkpoint eval` on a tiny set the test writes, with a model that sees "A" in every column: fitted to the
/// shortest US format that is "AA" (two characters need a blank between them, which costs little). The numbers are known.
struct EvalCommandTests {
    @Test func evalCountsExactCharactersDetectionAndMisses() throws {
        let dir = try TemporaryDirectory()
        let crop = try JPEGEncoder().encode(YCbCrImage(grey: Plane(width: 94, height: 24, filledWith: 200)))
        let scene = try JPEGEncoder().encode(YCbCrImage(grey: Plane(width: 320, height: 240, filledWith: 90)))
        for name in ["a.jpg", "b.jpg"] { try Data(crop).write(to: dir.file(name)) }
        try Data(scene).write(to: dir.file("street.jpg"))
        try Data("not a jpeg".utf8).write(to: dir.file("broken.jpg"))
        _ = try dir.write("""
            image\tplate\tx\ty\tw\th\tregion
            a.jpg\tAA\t\t\t\t\tus
            b.jpg\tAB\t\t\t\t\tus
            street.jpg\tXY123\t10\t10\t80\t20\teu
            broken.jpg\tZZ\t\t\t\t\tus

            """, to: "labels.tsv")
        try TinyModelFile.alwaysA.write(to: dir.file("tiny.cpdm"))

        let result = try runTool(BuildProducts.executable("checkpoint").path,
                                 ["eval", dir.url.path, "--model", dir.file("tiny.cpdm").path, "--region", "us,eu", "--json"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(json["images"] as? Int == 4)
        #expect(json["plates"] as? Int == 4)
        #expect(json["exact"] as? Int == 1)
        #expect(json["exact_accuracy"] as? Double == 0.25)
        // a: 1, b: 1 − 1/2, street: nothing read → 0, broken: 0.
        #expect(json["char_accuracy"] as? Double == 0.375)
        // The crops count as detected; the street plate was not found.
        #expect(json["detection_recall"] as? Double == 0.75)
        let regions = try #require(json["regions"] as? [String: [String: Any]])
        #expect(regions["us"]?["plates"] as? Int == 3)
        #expect(regions["eu"]?["exact"] as? Int == 0)
        let misses = try #require(json["worst_misses"] as? [[String: String]])
        #expect(misses.map { $0["image"] } == ["broken.jpg", "street.jpg", "b.jpg"])
        #expect((json["unreadable_images"] as? [String])?.first?.hasPrefix("broken.jpg") == true)
        #expect(json["ms_p50"] is Double)
    }
}

/// Which read matches a label: its plate's quadrilateral against the label's upright box.
struct LabelMatchTests {
    @Test func overlapOfABoxAndAQuadrilateralIsItsClippedArea() {
        let square: [(x: Double, y: Double)] = [(0, 0), (10, 0), (10, 10), (0, 10)]
        #expect(polygonArea(square) == 100)
        #expect(polygonArea(square.reversed()) == 100)
        #expect(polygonArea(clip(square, to: (x: 5, y: 5, width: 10, height: 10))) == 25)
        #expect(polygonArea(clip(square, to: (x: 20, y: 0, width: 5, height: 5))) == 0)
        // A box inside a diamond: all of the box.
        let diamond: [(x: Double, y: Double)] = [(10, 0), (20, 10), (10, 20), (0, 10)]
        #expect(polygonArea(clip(diamond, to: (x: 5, y: 5, width: 10, height: 10))) == 100)
        let upright = Quadrilateral(x: 0, y: 0, width: 10, height: 10)
        #expect(intersectionOverUnion((x: 5, y: 0, width: 10, height: 10), upright) == 50.0 / 150)
    }

    @Test func aTiltedPlateMatchesALabelDrawnAroundItsBody() {
        // A 100 × 20 plate sloping down 24 px across its width; the label is the upright box around its body.
        let plate = Quadrilateral([(0, 0), (100, 24), (100, 44), (0, 20)])
        let label = (x: 0.0, y: 12.0, width: 100.0, height: 20.0)
        #expect(abs(intersectionOverUnion(label, plate.boundingBox) - 2000.0 / 4400) < 1e-9)  // below 0.5
        #expect(abs(intersectionOverUnion(label, plate) - 1400.0 / 2600) < 1e-9)
        #expect(Evaluation.overlap(label, plate) >= 0.5)
        var evaluation = Evaluation()
        evaluation.add(labels: [LabelledSet.Label(image: "a.jpg", plate: "AB123", box: label, region: .eu)],
                       reads: [PlateRead(text: "AB123", confidence: 0.9, quad: plate, kind: .latin, region: .eu)],
                       milliseconds: 1)
        #expect(evaluation.total.exact == 1 && evaluation.total.detected == 1 && evaluation.unmatchedReads == 0)
        // A label drawn to the corners matches by the bounding box, as before.
        #expect(Evaluation.overlap((x: 0, y: 0, width: 100, height: 44), plate) == 1)
    }
}

/// The test models of TinyModel, as files for the CLI.
enum TinyModelFile {
    static var alwaysA: Data { TinyModel.alwaysA }
}
