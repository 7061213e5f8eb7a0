import Foundation
import Imaging
import Plates

/// Frames in, plate reads out: find plates on a downscaled frame (the trained
/// detector when there is one, else stroke bands and plate colours), read each
/// at full resolution with the character recogniser on the plate's own axes,
/// fit the text to the camera's region formats, keep the confident ones.
///
/// ```swift
/// let model = try RecognizerModel(contentsOf: PlateReader.bundledModelURL!)   // fails at start, not at the first frame
/// let detector = try DetectorModel(contentsOf: PlateReader.bundledDetectorURL!)
/// let reader = PlateReader(model: model, detector: detector, settings: .init(regions: [.cn]))
/// let reads = reader.read(frame.image)
/// ```
/// One reader per thread (it reuses its buffers); the model can be shared.
public final class PlateReader {
    public struct Settings: Sendable {
        public var regions: [PlateRegion]
        /// Smallest plate width worth reading, in frame pixels.
        public var minPlateWidth: Int
        /// Reads below this confidence are dropped.
        public var minConfidence: Double
        /// Most candidate regions sent to the recogniser per frame, the detector's surest first. A busy street
        /// frame has several non-plates (signs, grilles) that the detector is surer of than a real plate, and 6
        /// left some plates unread; 8, 10, 12 and 16 read the same on synthetic scenes (tools/README.md).
        public var maxCandidates: Int
        /// `maxCandidates` unless a camera or the CLI says otherwise (one place for the value).
        public static let defaultMaxCandidates = 8
        /// Width the frame is shrunk to for the learned detector. It finds plates from about 24 px wide at that
        /// scale, so 640 finds plates from about 72 px on a 1080p frame (768 from about 60 px, at 1.4× the
        /// detector's time); plates wider than it reads well there (~128 px) are also looked for at half the scale.
        public var detectorWidth: Int
        /// Most places per frame where the detector looks again at twice the scale, because a few cells there
        /// hint at a plate too small to see at `detectorWidth` (0: never). Each costs about a tenth of the first pass.
        public var zoomWindows: Int
        /// When a frame reads no plate (or none surer than `secondLookBelow`), the detector looks once more at this
        /// many times `detectorWidth` (0: never).
        /// It is sensitive to scale for plates 40–55 px wide at its input, so a plate missed at one scale is
        /// often found at another. Worth it for stills (a photo: one chance to read the car); not for a camera's
        /// stream, which sees each car in many frames at many sizes, and whose frames are mostly empty: on busy
        /// empty 1080p frames (fractals) it took the median from 19 to 69 ms. Off by default; the CLI's
        /// `recognize` and `eval` turn it on (`stillSecondLookScale`).
        public var secondLookScale: Double
        /// Each plate read is looked for again by the detector at this many times `detectorWidth`, in a window
        /// around it, and read once more from the box found there (0: never). A second box is a second chance:
        /// the detector's corners move with scale, and a box that cut a character or took in the frame at one
        /// scale often does not at another. 0.8 read 1.0–1.4 % more synthetic plates exactly (two sets of
        /// scenes; 0.7: fewer, 1.25: none more) for about 8 % of a 1080p frame's time; frames with no plate
        /// pay nothing (tools/README.md, "A second box").
        public var relookScale: Double
        /// `relookScale` unless a camera or the CLI says otherwise (one place for the value).
        public static let defaultRelookScale = 0.8
        /// `secondLookScale` for stills. 1.25 was chosen on synthetic scenes (`tools/sceneset.py`, nine sets:
        /// 1,539 → 1,542 read exactly of 1,752; 1.6×: 1,541, 0.75×: 1,541).
        public static let stillSecondLookScale = 1.25
        /// A frame gets the second look when its surest read is at most this confident (0: only a frame with no
        /// read at all; 1: every frame); the reads of both looks are merged, one per plate. Every frame read at
        /// two scales reads many more plates (nine synthetic scene sets: 1,542 → 1,583 of 1,752; only frames
        /// whose surest read is below 0.97: 1,549) at 1.6–2.6× the time per frame, so it is for stills that can
        /// wait (`eval --second-look-below 1`).
        public var secondLookBelow: Double
        /// Log-probability (nats) a read may lose by fitting one of its region's specific formats (a
        /// European national series) rather than the region's catch-all, and still be read in that format.
        /// Letters and digits that look alike (O and 0, B and 8) then take the kind the format puts there.
        public var catchAllCost: Double
        /// `catchAllCost` unless a camera or the CLI says otherwise (one place for the value).
        public static let defaultCatchAllCost = 3.0
        /// Latin reads (us, eu) of fewer characters are dropped. Car badges, emblems and words (`CA`, `V6`, `4X4`,
        /// `XK`) read as two or three characters on almost every car, while plates that short are rare vanity
        /// issues: on synthetic US scenes every one of 248 reads of two or three characters was of no plate
        /// (tools/README.md, "Short Latin reads"). Chinese plates have seven or eight characters.
        public var minLatinCharacters: Int
        /// `minLatinCharacters` unless a camera or the CLI says otherwise (one place for the value).
        public static let defaultMinLatinCharacters = 4
        /// Province characters most plates at this camera carry (a community's own province, its neighbours'):
        /// where the picture leaves the province in doubt, these win (`FormatDecoder.localProvinceWeight`).
        /// Empty: every province alike.
        public var localProvinces: [Character]

        public init(regions: [PlateRegion] = [.cn], minPlateWidth: Int = 40, minConfidence: Double = 0.6,
                    maxCandidates: Int = Settings.defaultMaxCandidates, detectorWidth: Int = 640, zoomWindows: Int = 6,
                    secondLookScale: Double = 0, secondLookBelow: Double = 0, relookScale: Double = Settings.defaultRelookScale,
                    catchAllCost: Double = Settings.defaultCatchAllCost, localProvinces: [Character] = [],
                    minLatinCharacters: Int = Settings.defaultMinLatinCharacters) {
            self.regions = regions
            self.minPlateWidth = minPlateWidth
            self.minConfidence = minConfidence
            self.maxCandidates = maxCandidates
            self.detectorWidth = detectorWidth
            self.zoomWindows = zoomWindows
            self.secondLookScale = secondLookScale
            self.secondLookBelow = secondLookBelow
            self.relookScale = relookScale
            self.catchAllCost = catchAllCost
            self.localProvinces = localProvinces
            self.minLatinCharacters = minLatinCharacters
        }
    }

    public let settings: Settings
    private let model: RecognizerModel
    private let network: Network
    private let formatter: PlateFormatter
    private let decoder: FormatDecoder
    private let classical = PlateDetector()
    private let learned: LearnedPlateDetector?
    private var input: [Float] = []
    private var profile: [Float] = []
    /// Whether the frame now being read has no colour; nil until asked (reset by `read` and `readCrop`).
    private var greyFrame: Bool?
    /// Per row of `profile`: the text's horizontal contrast, and the same smoothed over rows.
    private var energy: [Float] = []
    private var smooth: [Float] = []

    /// `detector`: the trained plate detector; without one the reader falls back to the classical finder.
    public init(model: RecognizerModel, detector: DetectorModel? = nil, settings: Settings = Settings()) {
        self.model = model
        self.settings = settings
        network = Network(model: model)
        formatter = PlateFormatter(regions: settings.regions)
        decoder = FormatDecoder(formats: formatter.formats, charset: model.charset, provincePrior: model.provincePrior,
                                catchAllCost: settings.catchAllCost, localProvinces: Set(settings.localProvinces))
        classical.minPlateWidth = settings.minPlateWidth
        classical.maxCandidates = settings.maxCandidates
        learned = detector.map(LearnedPlateDetector.init(model:))
        learned?.minPlateWidth = settings.minPlateWidth
        learned?.maxCandidates = settings.maxCandidates
        learned?.zoomWindows = max(0, settings.zoomWindows)
    }

    /// The recogniser shipped with checkpointd.
    public static var bundledModelURL: URL? {
        Bundle.module.url(forResource: "recognizer", withExtension: "cpdm")
    }

    /// The plate detector shipped with checkpointd.
    public static var bundledDetectorURL: URL? {
        Bundle.module.url(forResource: "detector", withExtension: "cpdm")
    }

    /// Every plate found in the frame, most confident first.
    public func read(_ image: YCbCrImage) -> [PlateRead] {
        greyFrame = nil
        var reads = read(image, detectorWidth: settings.detectorWidth)
        if let learned, settings.relookScale > 0, settings.relookScale.isFinite {
            // Each plate read gets a second box, from the detector at another scale (its corners move with
            // scale), read as it stands: one recogniser pass; `merge` keeps the read that saw more, or the surer.
            for first in reads {
                guard let again = learned.again(first.quad.boundingBox, in: image, factor: settings.relookScale),
                      let read = recognise(image, crop: again.quad.expanded(x: 0.04, y: 0.1), plate: again.quad),
                      Self.isReportable(read, settings) else { continue }
                Self.merge(read, into: &reads)
            }
            reads.sort { $0.confidence > $1.confidence }
        }
        let scale = settings.secondLookScale
        guard reads.allSatisfy({ $0.confidence <= settings.secondLookBelow }), learned != nil, scale > 0, scale.isFinite
        else { return reads }
        // The detector does not enlarge: past the frame's width it would see what it saw.
        let second = Int(min(Double(image.width), (Double(settings.detectorWidth) * scale).rounded()))
        guard second != min(settings.detectorWidth, image.width) else { return reads }
        for found in read(image, detectorWidth: second) { Self.merge(found, into: &reads) }
        return reads.sorted { $0.confidence > $1.confidence }
    }

    /// `read` with the frame shrunk to `detectorWidth` for the learned detector.
    private func read(_ image: YCbCrImage, detectorWidth: Int) -> [PlateRead] {
        guard image.width >= 16, image.height >= 8 else { return [] }
        // Each plate with the crops worth reading: the detector's corners are a few pixels off either way,
        // so its plates are read with a tight and a looser margin and the surer read wins.
        let located: [(plate: Quadrilateral, crops: [Quadrilateral])]
        if let learned {
            learned.workingWidth = max(64, detectorWidth)  // frames and crops (`readCrop`) differ
            located = learned.candidates(in: image).map { ($0.quad, [$0.quad.expanded(x: 0.04, y: 0.1), $0.quad.expanded(x: 0.1, y: 0.15)]) }
        } else {
            located = classical.candidates(in: image, colour: settings.regions.contains(.cn)).map {
                let found = Self.plateAndCrop($0, width: image.width, height: image.height)
                return (found.plate, [found.crop])
            }
        }
        var reads: [PlateRead] = []
        for (plate, crops) in located {
            var best: (read: PlateRead, crop: Quadrilateral)?
            for crop in crops {
                let read = recognise(image, crop: crop, plate: plate)
                if let read, read.confidence > best?.read.confidence ?? -1 { best = (read, crop) }
                // Most candidates are not plates: one crop that reads nothing like one (or a fragment) is enough to
                // move on; and a sure read needs no second look.
                let confidence = read?.confidence ?? 0
                if confidence < settings.minConfidence / 3 || confidence >= Self.sure || (read?.text.count ?? 0) <= Self.fragment {
                    break
                }
            }
            guard let first = best else { continue }
            let read = first.read.text.count <= Self.fragment ? first.read : improve(first.read, image: image, crop: first.crop, plate: plate)
            guard Self.isReportable(read, settings) else { continue }
            Self.merge(read, into: &reads)
        }
        return reads.sorted { $0.confidence > $1.confidence }
    }

    /// The first read made better where the crop was off: extended past a side the characters run into,
    /// re-centred on them across, and (Chinese plates) cut to the rows they stand in.
    private func improve(_ first: PlateRead, image: YCbCrImage, crop: Quadrilateral, plate: Quadrilateral) -> PlateRead {
        var read = first, crop = crop, plate = plate
        // Characters that run into a side of the crop may go on past it (the detector's corners fall short
        // on long plates): read a crop reaching further that way and keep it when it saw more of the plate.
        if let (wider, extended) = extend(image, crop: crop, plate: plate, read: read) {
            (read, crop, plate) = (wider, extended, wider.quad)
        }
        guard read.confidence >= settings.minConfidence / 3 else { return read }
        // Read again with the characters where training put them, when the first read found them off-centre
        // (across) or small in a crop much taller than they are (the detector's box included the holder).
        var target = (plate: plate, crop: crop), moved = false
        // Chinese plates only: their characters fill a set share of the plate (GA 36: 90 of 140 mm); US
        // and EU plates print names and slogans above and below, which a crop of the text alone would cut.
        if read.region == .cn, let rows = textRows(image, crop: crop, span: read.textSpan) {
            target = (crop.rows(Self.grown(rows, by: Self.plateRows)), crop.rows(Self.grown(rows, by: 0.4)))
            moved = true
        }
        if let recentred = Self.recentre(target.crop, plate: target.plate, span: read.textSpan) {
            target = recentred
            moved = true
        }
        if moved, let second = recognise(image, crop: target.crop, plate: target.plate) {
            // Either way a Chinese plate's characters said where it is better than the detector's box did
            // (they span it: GA 36 sets them from 15.5 to 424.5 of its 440 mm, 90 of its 140 mm high).
            if second.confidence > read.confidence {
                read = second
                // The surer read's characters place the plate again: the first read's may have taken in a shadow
                // or the holder's edge beside the plate, and the plate was placed from those.
                if read.region == .cn { read.quad = place(image, crop: target.crop, span: read.textSpan, plate: target.plate) }
            } else if read.region == .cn {
                read.quad = target.plate
            }
        }
        return read
    }

    /// A Chinese plate placed by the characters read across `span` of `crop`: the rows they stand in (when they
    /// fill clearly less of the crop's height than in training; else `plate`'s top and bottom) and their ends, each
    /// with the plate's border beyond (GA 36).
    func place(_ image: YCbCrImage, crop: Quadrilateral, span: ClosedRange<Double>, plate: Quadrilateral) -> Quadrilateral {
        let vertical = textRows(image, crop: crop, span: span).map { crop.rows(Self.grown($0, by: Self.plateRows)) } ?? plate
        return crop.slice(Self.grown(span, by: Self.plateEnds)).withVerticalExtent(of: vertical)
    }

    /// `span` (a share of a crop's width or height) grown at each end by `share` of its own length: the characters'
    /// extent plus a border.
    static func grown(_ span: ClosedRange<Double>, by share: Double) -> ClosedRange<Double> {
        let length = span.upperBound - span.lowerBound
        return (span.lowerBound - share * length)...(span.upperBound + share * length)
    }

    /// A Chinese plate's border above and below its characters, as a share of their height (GA 36: 25 of 90 mm).
    static let plateRows = 0.28
    /// A plate's border beyond its characters' ends, as a share of their length (GA 36: 15.5 of 409 mm); the
    /// re-centring keeps it for Latin plates too, whose borders beyond the text vary more.
    static let plateEnds = 0.04

    /// A read of the crop stretched past the side(s) its characters run into, when that read saw more (`sawMore`:
    /// it keeps the characters already read and adds some, each surely read); nil when the text stops short of
    /// both sides or the wider crop saw nothing more.
    private func extend(_ image: YCbCrImage, crop: Quadrilateral, plate: Quadrilateral, read: PlateRead)
        -> (read: PlateRead, crop: Quadrilateral)? {
        let span = read.textSpan, text = span.upperBound - span.lowerBound
        // A character the crop cuts is often not read at all, so the text read stops a character or two
        // short of the side: measure the margin in characters (their pitch), not in a share of the crop.
        let pitch = text / Double(max(1, read.text.count))
        let edge = max(Self.edge, Self.edgePitches * pitch)
        let left = span.lowerBound < edge, right = span.upperBound > 1 - edge
        guard left || right, text > 0 else { return nil }
        let reach = max(Self.reach * text, Self.reachPitches * pitch)
        // Past the frame's edge there is nothing to see (the sampler repeats the edge pixels, which read as
        // strokes): a side reaches at most to the edge.
        let leftReach = left ? Self.reachInside(image, from: crop.leftMidpoint, away: crop.rightMidpoint, reach) : 0
        let rightReach = right ? Self.reachInside(image, from: crop.rightMidpoint, away: crop.leftMidpoint, reach) : 0
        guard max(leftReach, rightReach) > 0.25 * pitch else { return nil }
        let wider = crop.slice(-leftReach...(1 + rightReach))
        // The plate grows with the crop sideways only: its top and bottom stay where the detector put them.
        guard let second = recognise(image, crop: wider, plate: wider.withVerticalExtent(of: plate)),
              second.confidence >= settings.minConfidence,
              Self.sawMore(second, than: read) else { return nil }
        return (second, wider)
    }

    /// How far (in crop widths, at most `reach`) a crop's side at `side` can move away from `other` before its
    /// midpoint leaves the frame.
    static func reachInside(_ image: YCbCrImage, from side: (x: Double, y: Double), away other: (x: Double, y: Double),
                            _ reach: Double) -> Double {
        let dx = side.x - other.x, dy = side.y - other.y
        var limit = reach
        func bound(_ position: Double, _ step: Double, _ size: Double) {
            if step > 0 { limit = min(limit, (size - position) / step) } else if step < 0 { limit = min(limit, -position / step) }
        }
        bound(side.x, dx, Double(image.width))
        bound(side.y, dy, Double(image.height))
        return max(0, limit)
    }

    /// Adds `read` to `reads`, or, where it is another read of a plate there (overlapping boxes), keeps the better.
    static func merge(_ read: PlateRead, into reads: inout [PlateRead]) {
        if let index = reads.firstIndex(where: { intersectionOverUnion($0.quad.boundingBox, read.quad.boundingBox) > 0.3 }) {
            if better(read, than: reads[index]) { reads[index] = read }
        } else {
            reads.append(read)
        }
    }

    /// Which of two reads of one plate (overlapping boxes) to keep: the one that saw more of it (`sawMore`: a box
    /// that fell short of the plate cannot invent a character, one that reaches further can show a lost one), else
    /// the surer one.
    static func better(_ read: PlateRead, than other: PlateRead) -> Bool {
        if sawMore(read, than: other) { return true }
        if sawMore(other, than: read) { return false }
        return read.confidence > other.confidence
    }

    /// Whether `long` has the characters `short` saw (one may differ) and more, each added character read with at
    /// least `addedConfidence`. A plate's frame, a bolt or a sticker just past its end is read as a faint extra
    /// character (`YBW231`, its `1` at 0.16, beside a sure `YBW23`); a character a short box cut off is read as surely
    /// as the rest. What `short` saw is its raw text where fitting a format added characters to it: a Chinese plate
    /// cut at its last character reads `辽BH4L8`, which the format's seven characters make `辽BH41L8`; a read no
    /// longer than that made-up text saw more only if it is also surer.
    static func sawMore(_ long: PlateRead, than short: PlateRead) -> Bool {
        let seen = short.rawText.count < short.text.count ? short.rawText : short.text
        guard long.text.count > seen.count, long.characters.count == long.text.count,
              long.text.count > short.text.count || long.confidence > short.confidence else { return false }
        return placings(of: seen, in: long.text).contains { start in
            let added = long.characters[..<start] + long.characters[(start + seen.count)...]
            return added.allSatisfy { Double($0.confidence) >= Self.addedConfidence }
        }
    }

    /// Least confidence of each character a longer read adds to a shorter one for it to have seen more. Synthetic
    /// scenes and crops read the same with it (3,024 plates: 2,657 → 2,658; 0.7: 2,653); on real US photos the
    /// extra `1` of a frame's edge was read at 0.16–0.43 (tools/README.md, "A faint extra character").
    static let addedConfidence = 0.5

    /// Whether a read is worth reporting: confident, not a grille's bars, and, if Latin, long enough for a plate.
    static func isReportable(_ read: PlateRead, _ settings: Settings) -> Bool {
        read.confidence >= settings.minConfidence && !isRepetition(read.text)
            && (read.region == .cn || read.text.count >= settings.minLatinCharacters)
    }

    /// Whether `text` is one bar-like character over and over (`1111111`, `IIII`, `TT`, `LL`): what a grille's bars,
    /// a fence or a striped sign read as. Only the characters a single bar reads as, since real plates of one
    /// repeated character exist (a US `5555`) and a repeated `1` is far likelier a grille in front of a camera.
    static func isRepetition(_ text: String) -> Bool {
        guard let first = text.first, Self.barLike.contains(first) else { return false }
        return text.allSatisfy { $0 == first }
    }

    /// Characters one vertical bar (and its shadow or holder) is read as.
    static let barLike: Set<Character> = ["1", "I", "T", "L", "J"]

    /// A read this confident is not read again from another crop (that costs a recogniser pass, ~1 ms).
    static let sure = 0.95

    /// A first read this short (characters) is a badge, a sticker or a word on a sign far more often than a
    /// plate the crop cut short: no second crop, no improving. On real street scenes those looks were most of
    /// the recogniser's passes on the median frame; on synthetic scenes they read no plate more.
    static let fragment = 2

    /// Text ends closer than this to a side of the crop (as a fraction of its width), or than `edgePitches`
    /// characters, may be cut: the detector's boxes fall short of long plates by a character or two. Chosen on
    /// synthetic scenes (`tools/sceneset.py`), where 2–3 characters (reach 2) read 4–8 points more Latin plates
    /// than 0.12 alone did, and 1.5 characters or a reach of 3 read fewer.
    static let edge = 0.12
    static let edgePitches = 3.0
    /// How far past a side a cut plate is looked for: a fraction of the text read so far, or `reachPitches`
    /// characters, whichever is more.
    static let reach = 0.25
    static let reachPitches = 2.0

    /// Where in `long` `short` starts, one character allowed to differ (the one next to the cut is often misread).
    static func placings(of short: String, in long: String) -> [Int] {
        let l = Array(long), s = Array(short)
        guard s.count <= l.count else { return [] }
        return (0...(l.count - s.count)).filter { start in zip(l[start...], s).filter { $0 != $1 }.count <= 1 }
    }

    /// Where the plate is, and the region the recogniser reads. A stroke band is the characters (the
    /// plate's frame adds a little above and below); a colour region is the whole plate. The recogniser
    /// was trained on crops with a margin of plate border around the characters.
    static func plateAndCrop(_ candidate: PlateCandidate, width: Int, height: Int) -> (plate: Quadrilateral, crop: Quadrilateral) {
        func box(_ mx: Double, _ my: Double) -> Quadrilateral {
            let x = max(0, candidate.x - candidate.width * mx), y = max(0, candidate.y - candidate.height * my)
            return Quadrilateral(x: x, y: y, width: min(Double(width) - x, candidate.width * (1 + 2 * mx)),
                                 height: min(Double(height) - y, candidate.height * (1 + 2 * my)))
        }
        return candidate.source == "edges" ? (box(0, 0.08), box(0.08, 0.25)) : (box(0, 0), box(0.03, 0.08))
    }

    /// A crop placed so the characters found in `crop` (across `span` of its width) sit where the
    /// recogniser saw them in training, with a plate border either side; nil when the first crop was already so.
    /// Works along the crop's own axes, so a tilted plate stays upright.
    static func recentre(_ crop: Quadrilateral, plate: Quadrilateral, span: ClosedRange<Double>)
        -> (plate: Quadrilateral, crop: Quadrilateral)? {
        guard (span.upperBound - span.lowerBound) * crop.topWidth > 4 else { return nil }
        let reading = grown(span, by: 0.12)
        guard abs(reading.lowerBound) > 0.03 || abs(reading.upperBound - 1) > 0.03 else { return nil }
        // The plate keeps its top and bottom; its sides move to the characters' ends plus a border.
        return (crop.slice(grown(span, by: Self.plateEnds)).withVerticalExtent(of: plate), crop.slice(reading))
    }

    /// The rows of `crop` (fractions of its height) the characters across `span` of its width stand in, when
    /// they fill clearly less of it than in training: rows whose horizontal contrast along the text is at least
    /// a third of the strongest row's, grown from the strongest — or, where that band is much taller than the
    /// characters' width implies, the rows of that height with the most contrast. Nil when they fill most of it already.
    func textRows(_ image: YCbCrImage, crop: Quadrilateral, span: ClosedRange<Double>) -> ClosedRange<Double>? {
        let width = 128, height = Self.profileRows
        CropSampler.sample(image.luma, quad: crop, width: width, height: height, mean: 0, std: 1, into: &profile)
        let from = max(0, Int(span.lowerBound * Double(width))), to = min(width - 1, Int(span.upperBound * Double(width)))
        guard to - from >= 8 else { return nil }
        if energy.count != height { energy = [Float](repeating: 0, count: height) }
        for row in 0..<height {
            var sum: Float = 0
            for x in from..<to { sum += abs(profile[row * width + x + 1] - profile[row * width + x]) }
            energy[row] = sum
        }
        // A little smoothing over rows, so one row of a stroke's gap does not split the text.
        if smooth.count != height { smooth = [Float](repeating: 0, count: height) }
        for r in 0..<height {
            let above = energy[max(0, r - 1)], below = energy[min(height - 1, r + 1)]
            smooth[r] = (above + 2 * energy[r] + below) / 4
        }
        guard let peak = smooth.indices.max(by: { smooth[$0] < smooth[$1] }), smooth[peak] > 0 else { return nil }
        let floor = smooth[peak] / 3
        var top = peak, bottom = peak
        while top > 0 && smooth[top - 1] >= floor { top -= 1 }
        while bottom < height - 1 && smooth[bottom + 1] >= floor { bottom += 1 }
        // A radiator grille or the plate holder's edges above and below the plate have horizontal contrast too,
        // and the band then runs into them. The characters' width says how tall they are: where the band is much
        // taller, take the rows of that height with the most contrast.
        let expected = Int(((span.upperBound - span.lowerBound) * crop.topWidth * Self.textAspect / max(1, crop.sideHeight)
                            * Double(height)).rounded())
        // (`expected` is then fewer rows than `height`: the band is at most that.)
        if expected >= 3, Double(bottom - top + 1) > Self.bandSlack * Double(expected) {
            var sum: Float = 0
            for r in 0..<expected { sum += smooth[r] }
            var best = (sum: sum, top: 0)
            for r in expected..<height {
                sum += smooth[r] - smooth[r - expected]
                if sum > best.sum { best = (sum, r - expected + 1) }
            }
            (top, bottom) = (best.top, best.top + expected - 1)
        }
        let rows = Double(top) / Double(height)...Double(bottom + 1) / Double(height)
        // In training the characters fill about two thirds of the crop's height; act only well below that.
        guard rows.upperBound - rows.lowerBound < 0.5, rows.upperBound - rows.lowerBound > 0.1 else { return nil }
        return rows
    }

    /// Height over width of a Chinese plate's line of characters (GA 36: 90 mm high, 409 mm from the first to the last).
    static let textAspect = 90.0 / 409.0
    /// A band of text rows taller than this many times what its width implies took in a frame or a grille.
    static let bandSlack = 1.3

    /// Rows sampled for the text's vertical extent.
    static let profileRows = 64

    /// Reads an image that is already a plate crop (`checkpoint recognize --crop`, crop data sets in `eval`).
    ///
    /// A crop's edges are someone else's choice (a data set's, a camera's): a frame, a bolt or the plate's border at the side
    /// can pass for a character, a tight crop clips the text, and a loose one leaves the characters small. So the crop
    /// is read four times — as given, 3 % narrower on each side, 8 % shorter at top and bottom, 3 % wider on each side
    /// (its edge pixels repeated: a crop cut tight to the characters then has the margin the recogniser was trained
    /// with) — and once more as a frame (the detector's plate, counted twice); the text with the highest summed
    /// confidence wins (`vote`). The trims were chosen on synthetic crop sets (`sceneset.py --crops`, 1,500 crops:
    /// 1,100 → 1,139 exact), the wider read and the detector's read on those and on plates cut from synthetic
    /// scenes with margins (tools/README.md, "Reading crops").
    public func readCrop(_ image: YCbCrImage) -> PlateRead? {
        guard image.width >= 8, image.height >= 4 else { return nil }
        greyFrame = nil
        let whole = Quadrilateral(x: 0, y: 0, width: Double(image.width), height: Double(image.height))
        var reads = Self.cropInsets.compactMap { inset in
            recognise(image, crop: whole.expanded(x: -inset.x, y: -inset.y), plate: whole)
        }
        // A crop cut with a wide margin (a whole plate with its state's name and slogan, a camera's box with
        // some bumper) squeezes the characters into a band of the recogniser's input; the detector finds them
        // inside it. Its read of the widest plate it sees counts twice, so it wins unless the trims agree.
        // The crop is nearly all plate, so the detector sees it shrunk to where it finds plates best, not to
        // a frame's width (at 640 px a 320-px plate is too big for it, and it reads the state's name instead).
        if let found = read(image, detectorWidth: Self.cropDetectorWidth).filter({ $0.confidence >= Self.cropDetectedConfidence })
            .max(by: { $0.quad.boundingBox.width < $1.quad.boundingBox.width }) {
            reads += [found, found]
        }
        return Self.vote(reads)
    }

    /// Width a crop is shrunk to for the detector in `readCrop`: its plate is then about 50–64 px, well inside
    /// the sizes the detector was trained on (and its corners are placed again at twice that).
    static let cropDetectorWidth = 64

    /// A plate the detector finds inside a crop takes part in `readCrop`'s vote from this confidence up.
    static let cropDetectedConfidence = 0.5

    /// The trims `readCrop` reads a crop with: fractions of the width off each side, of the height
    /// off top and bottom (negative: added).
    static let cropInsets: [(x: Double, y: Double)] = [(0, 0), (0.03, 0), (0, 0.08), (-0.03, 0)]

    /// The read whose text has the highest summed confidence over `reads`; of its reads, the surest.
    /// Ties go to the text that sorts first, so the result does not depend on hashing.
    static func vote(_ reads: [PlateRead]) -> PlateRead? {
        var score: [String: Double] = [:]
        for read in reads { score[read.text, default: 0] += read.confidence }
        guard let best = score.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            return nil
        }
        return reads.filter { $0.text == best }.max(by: { $0.confidence < $1.confidence })
    }

    private func recognise(_ image: YCbCrImage, crop: Quadrilateral, plate: Quadrilateral) -> PlateRead? {
        CropSampler.sample(image.luma, quad: crop, width: model.input.width, height: model.input.height,
                           mean: model.input.mean, std: model.input.std, into: &input)
        let probabilities = network.forward(input).map(CTCDecoder.softmax)
        let greedy = CTCDecoder.decode(probabilities: probabilities, charset: model.charset)
        guard !greedy.isEmpty else { return nil }
        let raw = String(greedy.map(\.character))
        let region: PlateRegion?, format: String?, characters: [CharacterRead]
        var confidence: Double
        var span: ClosedRange<Double> = 0...1
        // The background colour tells blue and yellow (7 characters) from green new-energy plates (8).
        let colour = settings.regions.contains(.cn) ? PlateColour.classify(image, quad: plate, region: .cn, isGrey: frameIsGrey(image)) : nil
        if let fitted = decoder.decode(probabilities, colour: colour) {
            let columns = Double(probabilities.count)
            span = Double(fitted.columns.lowerBound) / columns...Double(fitted.columns.upperBound + 1) / columns
            characters = fitted.characters
            region = fitted.format.region
            format = fitted.format.name
            // Forcing a format onto columns that say otherwise costs log-probability: the more, the less sure.
            confidence = mean(characters) * Foundation.exp(-fitted.cost / 8)
        } else {
            characters = greedy
            region = nil
            format = nil
            confidence = mean(greedy) * 0.5
        }
        let text = String(characters.map(\.character))
        // A Chinese read's colour is the one just taken for decoding (the same box, the same test).
        let kind: PlateKind
        if region == .cn, let colour { kind = colour } else {
            kind = PlateColour.classify(image, quad: plate, region: region, isGrey: frameIsGrey(image))
        }
        return PlateRead(text: text, rawText: raw, confidence: confidence, characters: characters,
                         alternatives: alternatives(characters, best: text), quad: plate, kind: kind,
                         region: region, format: format, textSpan: span)
    }

    /// Whether the frame being read has no colour (`YCbCrImage.isGrey`), worked out once per frame when first asked.
    private func frameIsGrey(_ image: YCbCrImage) -> Bool {
        if let known = greyFrame { return known }
        let grey = image.isGrey
        greyFrame = grey
        return grey
    }

    private func mean(_ characters: [CharacterRead]) -> Double {
        Double(characters.map(\.confidence).reduce(0, +)) / Double(max(1, characters.count))
    }

    /// Texts that differ from the best in the single least certain position.
    private func alternatives(_ characters: [CharacterRead], best: String) -> [String] {
        guard let weakest = characters.indices.min(by: { characters[$0].confidence < characters[$1].confidence }) else { return [] }
        var texts: [String] = []
        for (candidate, _) in characters[weakest].alternatives.prefix(3) {
            var chars = Array(best)
            guard weakest < chars.count else { break }
            chars[weakest] = candidate
            let text = formatter.fit(String(chars)).text
            if text != best && !texts.contains(text) { texts.append(text) }
        }
        return texts
    }
}
