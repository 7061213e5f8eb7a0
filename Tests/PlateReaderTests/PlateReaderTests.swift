import Foundation
import Imaging
import Plates
import Testing
import TestSupport
@testable import PlateReader

/// The reader end to end, on pictures the tests make themselves.
@Suite(.timeLimit(.minutes(2)))
struct PlateReaderTests {
    static func bundledReader(_ regions: [PlateRegion] = [.cn]) throws -> PlateReader {
        try bundledReader(settings: .init(regions: regions))
    }

    static func bundledReader(settings: PlateReader.Settings) throws -> PlateReader {
        PlateReader(model: try RecognizerModel(contentsOf: try #require(PlateReader.bundledModelURL)),
                    detector: try PlateReader.bundledDetectorURL.map { try DetectorModel(contentsOf: $0) },
                    settings: settings)
    }

    /// A drawn Chinese plate on a 960×540 scene (`PlateDrawing.scene`), through JPEG like a camera's frame.
    static func drawnFrame(plate: String, colour: String = "blue", angle: Int = 0, width: Int) throws -> YCbCrImage {
        let dir = try TemporaryDirectory()
        let file = dir.file("plate.png")
        try PlateDrawing.scene(plate: plate, colour: colour, angle: angle, width: width, to: file)
        return try JPEGDecoder().decode(try Data(contentsOf: PlateDrawing.jpeg(file, in: dir)))
    }

    @Test func blankTinyHugeAndNoisyFramesGiveNoReadAndNoCrash() throws {
        let reader = try Self.bundledReader()
        #expect(reader.read(YCbCrImage(grey: Plane(width: 1, height: 1, filledWith: 0))).isEmpty)
        #expect(reader.readCrop(YCbCrImage(grey: Plane(width: 1, height: 1, filledWith: 0))) == nil)
        #expect(reader.read(YCbCrImage(grey: Plane(width: 1920, height: 1080, filledWith: 128))).isEmpty)
        // 8K: bounded (the detector works on a downscaled copy).
        let huge = YCbCrImage(grey: Plane(width: 7680, height: 4320, filledWith: 90))
        let start = ContinuousClock.now
        #expect(reader.read(huge).isEmpty)
        #expect(reader.readCrop(huge).map { $0.confidence < 0.9 } ?? true)  // its detector pass shrinks it to 64 px
        #expect(ContinuousClock.now - start < .seconds(10))
        // Noise: whatever it finds must not be a confident plate.
        var generator = SystemRandomNumberGenerator()
        let noise = Plane(width: 640, height: 360, pixels: (0..<(640 * 360)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(reader.read(YCbCrImage(grey: noise)).allSatisfy { $0.confidence < 0.9 })
    }

    @Test func corruptFramesAreRejectedBeforeTheReader() {
        #expect(throws: JPEGError.self) { try JPEGDecoder().decode([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]) }
    }

    /// Chinese plates drawn by ffmpeg (drawtext, fixed text and angles: deterministic), composited on a scene.
    /// They span what a camera should read: 60 to 600 px wide, turned up to 20° either way.
    @Test(arguments: [("京A12345", "blue", 0, 340), ("粤BD12345", "green", 8, 360), ("沪C8K2Q7", "blue", -10, 220),
                      ("川AF369W", "blue", 4, 160), ("京A12345", "blue", 0, 60), ("京A12345", "blue", 0, 600),
                      ("沪C8K2Q7", "blue", 20, 220), ("沪C8K2Q7", "blue", -20, 220)])
    func renderedChinesePlatesAreReadExactly(plate: String, colour: String, angle: Int, width: Int) throws {
        let image = try Self.drawnFrame(plate: plate, colour: colour, angle: angle, width: width)
        let reads = try Self.bundledReader().read(image)
        // Found, and everything after the province character read exactly, in the plate's format.
        #expect(reads.count == 1, "reads: \(reads.map(\.text))")
        #expect(reads.first.map { String($0.text.dropFirst()) } == String(plate.dropFirst()), "reads: \(reads.map(\.text))")
        #expect(reads.first?.format == (plate.count == 8 ? "cn-new-energy" : "cn-ordinary"))
        // The province character is the recogniser's weak spot (see tools/README.md), here drawn in a generic
        // CJK face: 沪 is read as 苏.
        withKnownIssue("province characters drawn in a generic CJK font are often misread", isIntermittent: true) {
            #expect(reads.first?.text == plate, "reads: \(reads.map(\.text))")
        }
    }

    /// An infrared or monochrome camera's frame has no colour: its plates are read as well, and their colour is
    /// said to be unknown rather than guessed from luma (a blue plate is as dark as a black one there).
    @Test func aPlateInAFrameWithoutColourHasNoColour() throws {
        let image = try Self.drawnFrame(plate: "京A12345", width: 340)
        let reader = try Self.bundledReader()
        #expect(reader.read(image).map(\.kind) == [.blue])
        let reads = reader.read(YCbCrImage(grey: image.luma))
        #expect(reads.map { String($0.text.dropFirst()) } == ["A12345"], "reads: \(reads.map(\.text))")
        #expect(reads.map(\.kind) == [.unknown])
    }

    /// A plate's colour from its box's mean chroma: a clear or dim blue plate (night, haze: its chroma a third of a
    /// clear one's, its hue the same) is blue; yellow and green need their clear chroma; a neutral box is white or
    /// black by its luma, or of unknown colour when the whole frame has none.
    @Test func aPlatesColourComesFromItsBoxsChroma() {
        func kind(luma: UInt8, cb: UInt8, cr: UInt8, grey: Bool = false) -> PlateKind {
            let image = YCbCrImage(luma: Plane(width: 64, height: 32, filledWith: luma), cb: Plane(width: 32, height: 16, filledWith: cb),
                                   cr: Plane(width: 32, height: 16, filledWith: cr))
            return PlateColour.classify(image, quad: Quadrilateral(x: 8, y: 8, width: 48, height: 16), region: .cn, isGrey: grey)
        }
        #expect(kind(luma: 90, cb: 170, cr: 100) == .blue)
        #expect(kind(luma: 60, cb: 139, cr: 121) == .blue)  // dim: (11, −7) from neutral, 13 long, at −32°
        #expect(kind(luma: 60, cb: 134, cr: 124) == .black)  // too little chroma to tell
        #expect(kind(luma: 200, cb: 60, cr: 150) == .yellow)
        #expect(kind(luma: 180, cb: 115, cr: 140) == .white)  // a yellowish cast is not a yellow plate
        #expect(kind(luma: 170, cb: 110, cr: 100) == .green)
        #expect(kind(luma: 60, cb: 128, cr: 128, grey: true) == .unknown)
        #expect(PlateColour.classify(YCbCrImage(grey: Plane(width: 64, height: 32, filledWith: 60)),
                                     quad: Quadrilateral(x: 8, y: 8, width: 48, height: 16), region: .us, isGrey: true) == .latin)
    }

    /// Three plates in one frame, of three sizes and angles, are three reads; and so they are in the same frame as
    /// an infrared camera sees it at night (grey, dim, grainy), where their colour is unknown.
    @Test func severalPlatesInAFrameAreEachReadByDayAndAtNight() throws {
        let plates = [PlateDrawing.Plate(text: "京A12345", colour: "blue", angle: 0, width: 300, x: 80, y: 120),
                      PlateDrawing.Plate(text: "粤BD12345", colour: "green", angle: 8, width: 240, x: 700, y: 200),
                      PlateDrawing.Plate(text: "川AF369W", colour: "blue", angle: -12, width: 180, x: 400, y: 480)]
        let reader = try Self.bundledReader()
        for night in [false, true] {
            let dir = try TemporaryDirectory()
            let file = dir.file("scene.png")
            try PlateDrawing.scene(plates: plates, size: (1280, 720), night: night, to: file)
            let image = try JPEGDecoder().decode(try Data(contentsOf: PlateDrawing.jpeg(file, in: dir)))
            let reads = reader.read(image)
            #expect(Set(reads.map { String($0.text.dropFirst()) }) == ["A12345", "BD12345", "AF369W"],
                    "night \(night): \(reads.map(\.text))")
            #expect(reads.allSatisfy { night ? $0.kind == .unknown : $0.kind != .unknown }, "night \(night): \(reads.map(\.kind))")
        }
    }

    /// A still that reads no plate at the detector's width is looked at once more at another scale (stills have
    /// one chance); a reader without the second look (cameras' streams) leaves it.
    @Test func aStillWithNoPlateAtTheFirstScaleIsLookedAtOnceMore() throws {
        let image = try Self.drawnFrame(plate: "川AF369W", width: 160)
        func reader(secondLook: Double) throws -> PlateReader {
            // At 64 px the 160-px plate is 11 px wide, far below what the detector finds; at 8× (512 px) it is 85 px.
            try Self.bundledReader(settings: .init(regions: [.cn], detectorWidth: 64, zoomWindows: 0, secondLookScale: secondLook))
        }
        #expect(try reader(secondLook: 0).read(image).isEmpty)
        let reads = try reader(secondLook: 8).read(image)
        #expect(reads.map { String($0.text.dropFirst()) } == ["AF369W"], "reads: \(reads.map(\.text))")
    }

    /// With a second look on every frame, a plate both looks find is one read, not two.
    @Test func aPlateSeenByBothLooksIsOneRead() throws {
        let image = try Self.drawnFrame(plate: "川AF369W", width: 200)
        let reads = try Self.bundledReader(settings: .init(regions: [.cn], detectorWidth: 480, secondLookScale: 1.6, secondLookBelow: 1))
            .read(image)
        #expect(reads.map { String($0.text.dropFirst()) } == ["AF369W"], "reads: \(reads.map(\.text))")
    }

    /// A grille's bars or a fence read as one bar-like character over and over (`1111111`, `IIII`): not a plate,
    /// whatever its confidence; a plate with repeats among other characters, or of another repeated character, still is.
    @Test func oneCharacterOverAndOverIsNotAPlate() {
        for text in ["1111111", "IIII", "TT"] { #expect(PlateReader.isRepetition(text), "\(text)") }
        for text in ["", "111111I", "京A11111", "7AHN739", "5555"] { #expect(!PlateReader.isRepetition(text), "\(text)") }
    }

    @Test func aBadgeReadAsTwoOrThreeLatinCharactersIsNoPlate() {
        let box = Quadrilateral(x: 0, y: 0, width: 100, height: 50)
        func read(_ text: String, _ region: PlateRegion?, _ confidence: Double = 0.95) -> PlateRead {
            PlateRead(text: text, confidence: confidence, quad: box, kind: region == .cn ? .blue : .latin, region: region)
        }
        let settings = PlateReader.Settings(regions: [.cn, .us, .eu])
        #expect(settings.minLatinCharacters == 4)
        // A car's badge or a word on it: CA, V6, 4X4.
        for text in ["CA", "V6", "4X4"] { #expect(!PlateReader.isReportable(read(text, .us), settings), "\(text)") }
        #expect(!PlateReader.isReportable(read("XK", nil), settings))
        // Four characters and more are plates (a vanity 4280), and so is every confident Chinese read.
        #expect(PlateReader.isReportable(read("4280", .us), settings) && PlateReader.isReportable(read("AB123CD", .eu), settings))
        #expect(PlateReader.isReportable(read("京A12345", .cn), settings))
        #expect(!PlateReader.isReportable(read("4280", .us, 0.5), settings))
        // A camera that must read its residents' three-character plates says so.
        var short = settings
        short.minLatinCharacters = 3
        #expect(PlateReader.isReportable(read("4X4", .us), short))
    }

    /// A radiator grille above and below a Chinese plate has horizontal contrast like the characters, so the band
    /// of contrast rows runs into it; the characters' width says how tall they are, and their rows are found.
    @Test func textRowsStopAtTheCharactersWhereAGrilleSurroundsThem() throws {
        // 200×200: characters (vertical strokes) 180 px wide in rows 80–119, a mesh above (50–77) and below (122–149).
        var pixels = [UInt8](repeating: 128, count: 200 * 200)
        for y in 0..<200 {
            for x in 10..<190 {
                if (80..<120).contains(y) { pixels[y * 200 + x] = x % 12 < 4 ? 20 : 230 }
                if (50..<78).contains(y) || (122..<150).contains(y) { pixels[y * 200 + x] = (x / 5 + y / 5) % 2 == 0 ? 60 : 190 }
            }
        }
        let image = YCbCrImage(grey: Plane(width: 200, height: 200, pixels: pixels))
        let reader = try Self.bundledReader()
        let found = reader.textRows(image, crop: Quadrilateral(x: 0, y: 0, width: 200, height: 200), span: 0.05...0.95)
        let rows = try #require(found, "the band with the mesh fills half the crop, so no rows")
        #expect(abs(rows.lowerBound - 0.4) < 0.03 && abs(rows.upperBound - 0.6) < 0.03, "rows: \(rows)")
    }

    /// A Chinese plate is placed by its characters: their rows and ends, with the plate's border beyond them
    /// (GA 36), not the box a first look took, which may hold the plate's recess too.
    @Test func aChinesePlateIsPlacedByItsCharacters() throws {
        // 400×200: characters (vertical strokes) across x 100–340 in rows 80–119; the crop is the whole picture.
        var pixels = [UInt8](repeating: 128, count: 400 * 200)
        for y in 80..<120 {
            for x in 100..<340 { pixels[y * 400 + x] = x % 12 < 4 ? 20 : 230 }
        }
        let image = YCbCrImage(grey: Plane(width: 400, height: 200, pixels: pixels))
        let whole = Quadrilateral(x: 0, y: 0, width: 400, height: 200)
        let placed = try Self.bundledReader().place(image, crop: whole, span: 0.25...0.85, plate: whole).boundingBox
        // Sides: the characters' ends and 4 % of their length more (0.6 × 400 = 240 px → 9.6 px).
        #expect(abs(placed.x - 90.4) < 0.5 && abs(placed.x + placed.width - 349.6) < 0.5, "placed: \(placed)")
        // Rows 80–120 (within a row of the profile's 64) and 28 % of their height above and below.
        #expect(abs(placed.y - 68.8) < 4 && abs(placed.y + placed.height - 131.2) < 4, "placed: \(placed)")
    }

    /// A crop cut loosely round the plate (some of the car above and below, as another system cuts them) reads
    /// like the plate: the detector finds the characters inside it.
    @Test func aLooseCropIsReadLikeThePlate() throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("plate.png")
        try PlateDrawing.scene(plate: "沪C8K2Q7", colour: "blue", angle: 0, width: 200, to: file)
        // The plate is 200×64 at (330, 260); the crop adds 30 % of its width at the sides and its height twice over.
        let crop = dir.file("crop.jpg")
        try Media.run(["-y", "-loglevel", "error", "-i", file.path, "-vf", "crop=320:256:270:164", "-q:v", "3", crop.path])
        let image = try JPEGDecoder().decode(try Data(contentsOf: crop))
        let read = try Self.bundledReader().readCrop(image)
        #expect(read.map { String($0.text.dropFirst()) } == "C8K2Q7", "read: \(read?.text ?? "nothing")")
        #expect(read?.format == "cn-ordinary")
    }
}

/// Draws plates with ffmpeg so tests need no font code of their own.
enum PlateDrawing {
    static var font: String {
        (try? runTool("/usr/bin/fc-match", ["-f", "%{file}", "Noto Sans CJK SC:bold"]).output) ?? ""
    }

    /// A plate `width` pixels wide, turned by `angle` degrees, on a grey 960×540 scene, drawn in the
    /// proportions of a real plate (GA 36: 440×140 mm, characters 45×90 mm): the province character is
    /// squeezed to half its width, the rest set large and squeezed to fit, then the frame is drawn.
    static func scene(plate: String, colour: String, angle: Int, width: Int, to url: URL) throws {
        try scene(plates: [Plate(text: plate, colour: colour, angle: angle, width: width, x: 330, y: 260)], to: url)
    }

    /// One plate of a drawn scene: its top-left corner at `x`, `y` once turned.
    struct Plate {
        var text: String, colour: String, angle: Int, width: Int, x: Int, y: Int
    }

    /// Several plates on a grey scene of `size`; `night` makes it what an infrared camera sees in the dark:
    /// no colour, dim, low contrast, grainy and a little soft.
    static func scene(plates: [Plate], size: (width: Int, height: Int) = (960, 540), night: Bool = false, to url: URL) throws {
        var filter = ""
        for (index, plate) in plates.enumerated() {
            let chars = Array(plate.text)
            let province = String(chars[0]), rest = String(chars[1]) + "·" + String(chars.dropFirst(2))
            let (background, ink) = plate.colour == "green" ? ("0x6fd38a", "black") : ("0x0b3ea8", "white")
            let canvas = chars.count == 8 ? 560 : 500
            let radians = Double(plate.angle) * .pi / 180
            filter += """
                color=c=\(background):s=110x140,\
                drawtext=fontfile='\(font)':text='\(province)':fontcolor=\(ink):fontsize=96:x=(w-text_w)/2:y=(h-text_h)/2,scale=60:140[pv\(index)];\
                color=c=\(background):s=\(canvas)x140,\
                drawtext=fontfile='\(font)':text='\(rest)':fontcolor=\(ink):fontsize=96:x=(w-text_w)/2:y=(h-text_h)/2,scale=360:140[rs\(index)];\
                color=c=\(background):s=440x140[pl\(index)];[pl\(index)][pv\(index)]overlay=x=12:y=0[a\(index)];\
                [a\(index)][rs\(index)]overlay=x=68:y=0,drawbox=x=4:y=4:w=432:h=132:color=\(ink):t=3,\
                scale=\(plate.width):-2,rotate=\(radians):c=none:ow=rotw(\(radians)):oh=roth(\(radians))[p\(index)];
                """
        }
        filter += "color=c=0x505860:s=\(size.width)x\(size.height)[s0];"
        for (index, plate) in plates.enumerated() {
            filter += "[s\(index)][p\(index)]overlay=x=\(plate.x):y=\(plate.y)" + (index == plates.count - 1 ? "" : "[s\(index + 1)];")
        }
        filter += night ? ",format=gray,eq=brightness=-0.25:contrast=0.5,noise=alls=18:allf=t,gblur=sigma=0.8,format=yuv420p"
            : ",format=yuv420p"
        try Media.run(["-y", "-loglevel", "error", "-filter_complex", filter, "-frames:v", "1", url.path])
    }

    static func jpeg(_ png: URL, in dir: TemporaryDirectory) throws -> URL {
        let out = dir.file("plate.jpg")
        try Media.run(["-y", "-loglevel", "error", "-i", png.path, "-q:v", "3", out.path])
        return out
    }
}
