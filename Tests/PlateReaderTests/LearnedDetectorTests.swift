import Foundation
import Imaging
import Testing
@testable import PlateReader

/// The learned detector's plumbing (shrink, pad, cells, votes, back to frame pixels) with a hand-made model.
struct LearnedDetectorTests {
    /// A dark frame with bright rectangles.
    static func frame(width: Int, height: Int, bright rects: [(x: Int, y: Int, w: Int, h: Int)]) -> YCbCrImage {
        var pixels = [UInt8](repeating: 10, count: width * height)
        for rect in rects {
            for y in rect.y..<(rect.y + rect.h) {
                for x in rect.x..<(rect.x + rect.w) { pixels[y * width + x] = 250 }
            }
        }
        return YCbCrImage(grey: Plane(width: width, height: height, pixels: pixels))
    }

    @Test func brightRegionsBecomeQuadsAroundThemInFramePixels() throws {
        // A 1024-wide frame is shrunk by 2: the model's ±32 × ±8 input pixels are ±64 × ±16 frame pixels.
        let model = try DetectorModel(data: TinyModel.detector(halfWidth: 32, halfHeight: 8), file: "tiny")
        #expect(model.stride == 8)
        let detector = Self.detector(model)
        let image = Self.frame(width: 1024, height: 600, bright: [(256, 192, 160, 48), (704, 400, 128, 48)])
        let found = detector.candidates(in: image)
        #expect(found.count == 2)
        for (candidate, rect) in zip(found.sorted { $0.quad.points[0].x < $1.quad.points[0].x },
                                     [(256.0, 192.0, 160.0, 48.0), (704.0, 400.0, 128.0, 48.0)]) {
            let box = candidate.quad.boundingBox
            // Centred on the rectangle (within a cell of the shrunk frame), 128 × 32 frame pixels.
            #expect(abs(box.x + box.width / 2 - (rect.0 + rect.2 / 2)) <= 16)
            #expect(abs(box.y + box.height / 2 - (rect.1 + rect.3 / 2)) <= 16)
            #expect(abs(box.width - 128) < 1 && abs(box.height - 32) < 1)
            #expect(candidate.score > 0.99)
        }
    }

    @Test func nothingBrightNothingFoundAndOddSizesAreSafe() throws {
        let detector = Self.detector(try DetectorModel(data: TinyModel.detector(halfWidth: 32, halfHeight: 8), file: "t"))
        #expect(detector.candidates(in: Self.frame(width: 640, height: 360, bright: [])).isEmpty)
        // Sizes that are not multiples of the stride, and frames too small for two cells.
        _ = detector.candidates(in: Self.frame(width: 333, height: 117, bright: [(100, 40, 120, 30)]))
        #expect(detector.candidates(in: Self.frame(width: 12, height: 9, bright: [])).isEmpty)
    }

    @Test func aPlateTooSmallForTheFirstPassIsFoundByLookingAgainAtTwiceTheScale() throws {
        // The tiny model's score is 10 × the brightest normalised pixel of a cell. A 1-px line of 210 on 10,
        // shrunk 2×, averages to 110: a weak cell (p ≈ 0.2), no plate. At full scale it is 210: a plate.
        let detector = Self.detector(try DetectorModel(data: TinyModel.detector(halfWidth: 32, halfHeight: 8), file: "t"))
        var pixels = [UInt8](repeating: 10, count: 1024 * 600)
        for y in 300..<320 { pixels[y * 1024 + 700] = 210 }
        let image = YCbCrImage(grey: Plane(width: 1024, height: 600, pixels: pixels))
        detector.zoomWindows = 0
        #expect(detector.candidates(in: image).isEmpty)
        detector.zoomWindows = 6
        let found = detector.candidates(in: image)
        #expect(found.count == 1)
        // In frame pixels, around the line: the window's own origin is added back, and at full scale the
        // model's ±32 × ±8 input pixels are ±32 × ±8 frame pixels.
        let box = try #require(found.first).quad.boundingBox
        #expect(abs(box.x + box.width / 2 - 700) <= 8 && abs(box.y + box.height / 2 - 310) <= 12)
        #expect(abs(box.width - 64) < 1 && abs(box.height - 16) < 1)
        // A frame already at full scale has nothing finer to look at.
        let small = YCbCrImage(grey: Plane(width: 512, height: 300, pixels: Array(pixels[0..<(512 * 300)])))
        #expect(detector.candidates(in: small).isEmpty)
    }

    @Test func aSmallPlatesCornersArePlacedAgainAtTwiceTheScale() throws {
        // The tiny model's quad is ±16 × ±4 input pixels: 64 × 16 frame pixels at the first pass (shrunk 2×),
        // 32 × 8 once the window around it is looked at in full resolution.
        let detector = Self.detector(try DetectorModel(data: TinyModel.detector(halfWidth: 16, halfHeight: 4), file: "t"))
        let image = Self.frame(width: 1024, height: 600, bright: [(600, 300, 24, 8)])
        detector.minPlateWidth = 20
        detector.refineBelow = 0
        var box = try #require(detector.candidates(in: image).first).quad.boundingBox
        #expect(abs(box.width - 64) < 1 && abs(box.height - 16) < 1)
        detector.refineBelow = 48
        let found = detector.candidates(in: image)
        #expect(found.count == 1)
        box = try #require(found.first).quad.boundingBox
        #expect(abs(box.width - 32) < 1 && abs(box.height - 8) < 1)
        #expect(abs(box.x + box.width / 2 - 612) <= 8 && abs(box.y + box.height / 2 - 304) <= 8)
    }

    @Test func aPlateFoundIsPlacedAgainAtAnotherScaleInAWindowAroundIt() throws {
        // The tiny model's quad is ±32 × ±8 input pixels: 128 × 32 frame pixels at the first pass (shrunk 2×),
        // 256 × 64 at half that scale (shrunk 4×), in frame pixels wherever the window lies.
        let detector = Self.detector(try DetectorModel(data: TinyModel.detector(halfWidth: 32, halfHeight: 8), file: "t"))
        let image = Self.frame(width: 1024, height: 600, bright: [(600, 300, 64, 24), (100, 100, 64, 24)])
        let first = try #require(detector.candidates(in: image).first { $0.quad.boundingBox.x > 400 }).quad.boundingBox
        #expect(abs(first.width - 128) < 1 && abs(first.height - 32) < 1)
        let again = try #require(detector.again(first, in: image, factor: 0.5)).quad.boundingBox
        #expect(abs(again.width - 256) < 1 && abs(again.height - 64) < 1)
        #expect(abs(again.x + again.width / 2 - 632) <= 16 && abs(again.y + again.height / 2 - 312) <= 16)
        // Only a plate centred in the box asked about: none in an empty part of the frame, not the other plate.
        #expect(detector.again((800, 450, 128, 32), in: image, factor: 0.5) == nil)
        #expect(detector.again((300, 100, 128, 32), in: image, factor: 0.5) == nil)
    }

    /// The tests' detector: frames shrunk to 512 px (a 1024-wide frame by 2), no half-scale pass unless a test
    /// turns it on.
    static func detector(_ model: DetectorModel) -> LearnedPlateDetector {
        let detector = LearnedPlateDetector(model: model)
        detector.workingWidth = 512
        detector.coarseFrom = 0
        return detector
    }

    @Test func aPlateTooWideForTheFirstPassIsLookedForAtHalfTheScale() throws {
        // The tiny model's quad is ±32 × ±8 input pixels: 128 × 32 frame pixels at the first pass (shrunk 2×),
        // 256 × 64 at half that scale (input halved, shrunk 4×) — 128 px wide in first-pass pixels.
        let detector = Self.detector(try DetectorModel(data: TinyModel.detector(halfWidth: 32, halfHeight: 8), file: "t"))
        let image = Self.frame(width: 1024, height: 600, bright: [(480, 280, 64, 32)])
        #expect(detector.candidates(in: image).count == 1)
        detector.coarseFrom = 128
        let found = detector.candidates(in: image).map(\.quad.boundingBox).sorted { $0.width < $1.width }
        #expect(found.count == 2)
        let wide = try #require(found.last)
        #expect(abs(wide.width - 256) < 1 && abs(wide.height - 64) < 1)
        // On the rectangle, within a cell of the halved input (32 frame pixels).
        #expect(abs(wide.x + wide.width / 2 - 512) <= 32 && abs(wide.y + wide.height / 2 - 296) <= 32)
        // Narrower than `coarseFrom` at the first scale, or less sure than `coarseScore`: not added.
        detector.coarseFrom = 129
        #expect(detector.candidates(in: image).count == 1)
        detector.coarseFrom = 128
        detector.coarseScore = 1.01
        #expect(detector.candidates(in: image).count == 1)
    }

    @Test func aWrongOrInconsistentDetectorFileIsRefusedAtLoad() {
        #expect { try DetectorModel(data: TinyModel.darkBright, file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("not a plate detector") == true
        }
        #expect { try DetectorModel(data: TinyModel.detector(halfWidth: 1, halfHeight: 1, stride: 4), file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("stride 8") == true
        }
        #expect { try DetectorModel(data: TinyModel.detector(halfWidth: 1, halfHeight: 1, outputs: ["score"]), file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("output") == true
        }
        #expect { try RecognizerModel(data: TinyModel.detector(halfWidth: 1, halfHeight: 1), file: "x") } throws: {
            ($0 as? ModelError)?.message.contains("not a character recogniser") == true
        }
        #expect { try DetectorModel(contentsOf: URL(fileURLWithPath: "/nonexistent/detector.cpdm")) } throws: {
            ($0 as? ModelError)?.message.contains("cannot be read") == true
        }
    }
}

/// Geometry of crops along a plate's own axes.
struct QuadrilateralTests {
    @Test func expandSliceAndVerticalExtentFollowThePlatesAxes() {
        let box = Quadrilateral(x: 100, y: 50, width: 200, height: 40)
        let grown = box.expanded(x: 0.1, y: 0.25)
        #expect(grown.boundingBox == (x: 80, y: 40, width: 240, height: 60))
        let part = box.slice(0.25...0.75)
        #expect(part.boundingBox == (x: 150, y: 50, width: 100, height: 40))
        #expect(box.slice(-0.1...1.1).boundingBox.width == 240)
        #expect(box.rows(0.25...0.75).boundingBox == (x: 100, y: 60, width: 200, height: 20))
        #expect(box.rows(-0.5...1.5).boundingBox == (x: 100, y: 30, width: 200, height: 80))
        #expect(part.withVerticalExtent(of: Quadrilateral(x: 0, y: 60, width: 10, height: 20)).boundingBox
            == (x: 150, y: 60, width: 100, height: 20))
        // A plate tilted by 45°: widening moves the corners along the tilt.
        let tilted = Quadrilateral([(0, 0), (10, 10), (5, 15), (-5, 5)])
        let wide = tilted.expanded(x: 0.5, y: 0)
        #expect(wide.points[0] == (x: -5, y: -5) && wide.points[1] == (x: 15, y: 15))
        #expect(abs(tilted.topWidth - 10 * 2.0.squareRoot()) < 1e-9)
    }

    @Test func aLongerReadKeepsTheShorterOneWithAtMostOneCharacterChanged() {
        #expect(PlateReader.placings(of: "RK291A", in: "RK291AT") == [0])
        #expect(PlateReader.placings(of: "K291AT", in: "RK291AT") == [1])
        #expect(PlateReader.placings(of: "RK291AI", in: "RK291AT") == [0])   // the cut character was misread
        #expect(PlateReader.placings(of: "RK2B1AI", in: "RK291AT").isEmpty)  // two changes: another reading, not more of it
        #expect(PlateReader.placings(of: "RK291", in: "RK29").isEmpty)
    }

    @Test func aCutPlateIsLookedForNoFurtherThanTheFramesEdge() {
        let frame = YCbCrImage(grey: Plane(width: 400, height: 200, pixels: [UInt8](repeating: 128, count: 400 * 200)))
        let crop = Quadrilateral(x: 250, y: 50, width: 100, height: 40)
        #expect(crop.leftMidpoint == (x: 250, y: 70) && crop.rightMidpoint == (x: 350, y: 70))
        // 150 px of frame to the left (1.5 crop widths), 50 px to the right (half a width).
        #expect(PlateReader.reachInside(frame, from: crop.leftMidpoint, away: crop.rightMidpoint, 0.4) == 0.4)
        #expect(PlateReader.reachInside(frame, from: crop.rightMidpoint, away: crop.leftMidpoint, 0.8) == 0.5)
        // A crop already at (or past) the edge reaches no further that way.
        let atEdge = Quadrilateral(x: 300, y: 50, width: 110, height: 40)
        #expect(PlateReader.reachInside(frame, from: atEdge.rightMidpoint, away: atEdge.leftMidpoint, 0.5) == 0)
        // A tilted crop stops where its side's midpoint would leave the frame at the bottom.
        let tilted = Quadrilateral([(100, 138), (200, 178), (200, 198), (100, 158)])  // 40 px down across its width
        #expect(abs(PlateReader.reachInside(frame, from: tilted.rightMidpoint, away: tilted.leftMidpoint, 1) - 0.3) < 1e-9)
    }

    @Test func ofTwoReadsOfOnePlateTheOneThatSawMoreOfItWins() {
        let box = Quadrilateral(x: 0, y: 0, width: 100, height: 25)
        func read(_ text: String, _ confidence: Double) -> PlateRead {
            PlateRead(text: text, confidence: confidence, quad: box, kind: .latin, region: .eu)
        }
        // A box that fell short read "6NBO" surely; one that reached the whole plate read "6NBO626" a little less so.
        #expect(PlateReader.better(read("6NBO626", 0.9), than: read("6NBO", 0.99)))
        #expect(!PlateReader.better(read("6NBO", 0.99), than: read("6NBO626", 0.9)))
        // Otherwise the surer read wins, longer or not.
        #expect(PlateReader.better(read("6NBO", 0.99), than: read("XY1234", 0.9)))
        #expect(!PlateReader.better(read("XY1234", 0.9), than: read("6NBO", 0.99)))
    }

    @Test func aFaintCharacterPastThePlatesEndIsNotMoreOfIt() {
        let box = Quadrilateral(x: 0, y: 0, width: 100, height: 25)
        func read(_ text: String, _ confidences: [Float]) -> PlateRead {
            let characters = zip(text, confidences).map { CharacterRead(character: $0, confidence: $1) }
            return PlateRead(text: text, confidence: Double(confidences.reduce(0, +)) / Double(confidences.count),
                             characters: characters, quad: box, kind: .latin, region: .us)
        }
        // The frame's edge read as a faint "1" after a sure "YBW23": the shorter, surer read stays.
        let framed = read("YBW231", [1, 0.97, 0.98, 1, 1, 0.16]), plate = read("YBW23", [1, 0.94, 0.85, 0.99, 1])
        #expect(!PlateReader.sawMore(framed, than: plate))
        #expect(!PlateReader.better(framed, than: plate) && PlateReader.better(plate, than: framed))
        // A character the short box cut off is read as surely as the rest: the longer read saw more.
        let whole = read("6NBO626", [0.99, 0.98, 0.97, 0.9, 0.8, 0.95, 0.7])
        #expect(PlateReader.sawMore(whole, than: read("6NBO", [1, 1, 1, 1])))
        // Added at the front just the same; one faint added character is enough to doubt it.
        #expect(PlateReader.sawMore(read("8FV480", [0.9, 1, 1, 1, 1, 1]), than: read("FV480", [1, 1, 1, 1, 1])))
        #expect(!PlateReader.sawMore(read("78FV480", [0.3, 0.9, 1, 1, 1, 1, 1]), than: read("FV480", [1, 1, 1, 1, 1])))
    }

    @Test func aReadSawOnlyTheCharactersItsFormatDidNotAdd() {
        let box = Quadrilateral(x: 0, y: 0, width: 100, height: 25)
        func read(_ text: String, raw: String, _ confidence: Double) -> PlateRead {
            PlateRead(text: text, rawText: raw, confidence: confidence, quad: box, kind: .blue, region: .cn)
        }
        // Cut at its last character, the plate read 辽BH4L8; the format's seven characters made it 辽BH41L8.
        let cut = read("辽BH41L8", raw: "辽BH4L8", 0.28)
        #expect(PlateReader.sawMore(read("辽BH4L81", raw: "辽BH4L81", 0.98), than: cut))
        // As long as the made-up text, it saw more only if it is surer too; and what was seen must be in it.
        #expect(!PlateReader.sawMore(read("辽BH4L81", raw: "辽BH4L81", 0.2), than: cut))
        #expect(!PlateReader.sawMore(read("辽BX9K781", raw: "辽BX9K781", 0.98), than: cut))
        // Without an added character, two reads of one length are told apart by confidence alone.
        let whole = read("皖BH4L81", raw: "皖BH4L81", 0.9)
        #expect(!PlateReader.sawMore(read("辽BH4L81", raw: "辽BH4L81", 0.98), than: whole))
    }
    @Test func aCropsThreeReadsVoteByTheirSummedConfidence() {
        let box = Quadrilateral(x: 0, y: 0, width: 100, height: 50)
        func read(_ text: String, _ confidence: Double) -> PlateRead {
            PlateRead(text: text, confidence: confidence, quad: box, kind: .latin, region: .us)
        }
        // Two trims agree on the plate; the untrimmed read took the frame's edge for a character.
        let voted = PlateReader.vote([read("L4280", 0.95), read("4280", 0.8), read("4280", 0.7)])
        #expect(voted?.text == "4280")
        #expect(voted?.confidence == 0.8)
        // One sure read outweighs two unsure ones that agree.
        #expect(PlateReader.vote([read("7ABC123", 0.99), read("7ABC1Z3", 0.3), read("7ABC1Z3", 0.3)])?.text == "7ABC123")
        // A tie goes to the text that sorts first, whatever the order of the reads.
        #expect(PlateReader.vote([read("B2", 0.5), read("A1", 0.5)])?.text == "A1")
        #expect(PlateReader.vote([read("A1", 0.5), read("B2", 0.5)])?.text == "A1")
        #expect(PlateReader.vote([]) == nil)
    }
}
