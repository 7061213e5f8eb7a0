import CPlateKernels
import Foundation
import Plates

/// CTC decoding constrained to plate formats: the most probable alignment of
/// the recogniser's columns that spells a text of one of the region's
/// formats (Viterbi over the CTC states, each character state emitting the
/// best class its format position allows).
///
/// Greedy decoding drops a faint province character or doubles a wide one;
/// the format knows a Chinese plate starts with one, so the decoder keeps the
/// best province the columns before the letter offer instead of guessing
/// afterwards. The cost of forcing the format (greedy score minus constrained
/// score, in nats) says how far the picture is from any plate the region has.
struct FormatDecoder {
    struct Result {
        var characters: [CharacterRead]
        var format: PlateFormat
        /// Log-probability the greedy path had over the constrained one (≥ 0).
        var cost: Double
        /// The output columns from the first character's first to the last character's last.
        var columns: ClosedRange<Int>
    }

    let formats: [PlateFormat]
    let charset: [Character]
    /// Per format, per position: the class indices allowed there.
    private let allowed: [[[Int]]]
    /// Whether any format has a province position (where the prior correction applies).
    private let hasProvinces: Bool
    /// Per format: nats it pays in the ranking. A region's catch-all pays `catchAllCost` when the region
    /// also has specific formats, so that a read only the catch-all admits (`N0450AM`) gives way to a
    /// national series that fits almost as well (`NO450AM`): the series' letters and digits decide which
    /// look-alike each position takes.
    private let rankingCost: [Double]
    /// Per format: whether it is a specific format of a region that has a catch-all (see `worthSearching`).
    private let searchedOnlyNearGreedy: [Bool]
    /// Per format: its states for the alignment search.
    private let lattices: [Lattice]
    /// Per format with a letter limit (`PlateFormat.mostLetters`): the lattices of its ways of keeping it
    /// (`withinLetterLimit`), searched when its best alignment has letters too many; empty for the others.
    private let limitedLattices: [[Lattice]]

    /// `provincePrior`: how often each province began a training label (the model's own header).
    /// `catchAllCost`: what a catch-all format (any letters and digits) pays against its region's specific
    /// formats: the log-odds, in the recogniser's own probabilities, a specific format may lose by and still win.
    /// `localProvinces`: the provinces most plates at this camera come from (`PlateReader.Settings`).
    init(formats: [PlateFormat], charset: [Character], provincePrior: [Character: Double] = [:],
         catchAllCost: Double = PlateReader.Settings.defaultCatchAllCost, localProvinces: Set<Character> = []) {
        self.formats = formats
        let specific = Set(formats.filter { !$0.isCatchAll }.map(\.region))
        rankingCost = formats.map { $0.isCatchAll && specific.contains($0.region) ? catchAllCost : 0 }
        let catchAll = Set(formats.filter(\.isCatchAll).map(\.region))
        searchedOnlyNearGreedy = formats.map { !$0.isCatchAll && catchAll.contains($0.region) }
        self.charset = charset
        // Per position: the class indices allowed there.
        func classes(_ format: PlateFormat) -> [[Int]] {
            format.positions.map { position in charset.indices.filter { $0 != 0 && position.allows(charset[$0]) } }
        }
        allowed = formats.map(classes)
        hasProvinces = formats.contains { $0.positions.contains(.province) }
        let uniform = provincePrior.isEmpty ? 0 : 1 / Double(provincePrior.count)
        // Per class: log of (uniform share / training share) for province characters, plus `localProvinceWeight`
        // for the camera's local provinces; 0 for the rest.
        let logWeight = charset.map { character in
            let local = localProvinces.contains(character) ? Float(Self.localProvinceWeight) : 0
            guard let share = provincePrior[character] else { return local }
            return Float(Foundation.log(uniform / share)) + local
        }
        // The prior correction applies at province positions.
        func lattice(_ format: PlateFormat) -> Lattice {
            Lattice(positions: classes(format), corrected: format.positions.map { $0 == .province }, logWeight: logWeight)
        }
        lattices = formats.map(lattice)
        limitedLattices = formats.map { $0.mostLetters == nil ? [] : $0.withinLetterLimit.map(lattice) }
    }

    /// `probabilities[column][class]`, class 0 the CTC blank. Nil when no format fits in the columns.
    /// Nats a local province gains at a province position: it counts as four times as likely as the recogniser
    /// says. Enough to settle a province character the picture leaves in doubt, not to overrule a clear one.
    static let localProvinceWeight = Foundation.log(4.0)

    /// `colour`: the plate's background when it is clearly one of the colours formats are printed on; a
    /// format not printed on it (a blue plate read as an 8-character new-energy plate) pays `colourCost` nats.
    func decode(_ probabilities: [[Float]], colour: PlateKind? = nil, colourCost: Double = 2, alternatives: Int = 3) -> Result? {
        guard !probabilities.isEmpty else { return nil }
        let greedyPath = Self.greedyPath(probabilities)
        if !hasProvinces {
            if let free = greedyFit(greedyPath, free: true) {
                return result(free, greedyPath, probabilities, alternatives: alternatives, cost: 0)
            }
            // The greedy read fits a catch-all, so that scores the greedy path less its ranking cost; only a
            // specific format near the greedy read can do better.
            if let catchAll = greedyFit(greedyPath, free: false) {
                let (logs, greedy) = Self.logProbabilities(probabilities)
                if let best = search(logs, greedyPath, colour: colour, colourCost: colourCost, only: { searchedOnlyNearGreedy[$0] }),
                   best.score > greedy - rankingCost[catchAll] {
                    return result(best.format, best.path, probabilities, alternatives: alternatives,
                                  cost: max(0, greedy - best.score - rankingCost[best.format]))
                }
                return result(catchAll, greedyPath, probabilities, alternatives: alternatives, cost: 0)
            }
        }
        let (logs, greedy) = Self.logProbabilities(probabilities)
        guard let best = search(logs, greedyPath, colour: colour, colourCost: colourCost, only: nil) else { return nil }
        return result(best.format, best.path, probabilities, alternatives: alternatives,
                      cost: max(0, greedy - best.score - rankingCost[best.format]))
    }

    /// Log-probabilities per column and class, and the greedy path's total (the most any alignment can score).
    static func logProbabilities(_ probabilities: [[Float]]) -> (logs: LogProbabilities, greedy: Double) {
        var values: [Float] = []
        values.reserveCapacity(probabilities.count * (probabilities.first?.count ?? 0))
        var greedy = 0.0
        for column in probabilities {
            var best = -Float.infinity
            for p in column {
                let log = Foundation.log(max(p, 1e-12))
                values.append(log)
                best = max(best, log)
            }
            greedy += Double(column.isEmpty ? 0 : best)
        }
        return (LogProbabilities(values: values, classes: probabilities.first?.count ?? 0), greedy)
    }

    /// The best-scoring alignment over the formats (those `only` admits), ranking costs included.
    private func search(_ logs: LogProbabilities, _ greedyPath: [(class: Int, columns: [Int])], colour: PlateKind?,
                        colourCost: Double, only: ((Int) -> Bool)?)
        -> (score: Double, format: Int, path: [(class: Int, columns: [Int])])? {
        let greedyText = greedyPath.map { charset[$0.class] }
        var best: (score: Double, format: Int, path: [(class: Int, columns: [Int])])?
        for (index, positions) in allowed.enumerated() where positions.count <= logs.columns
            && !positions.contains(where: \.isEmpty) && (only?(index) ?? true) && worthSearching(index, greedyText) {
            var penalty = rankingCost[index]
            if let colour, [.blue, .yellow, .green].contains(colour), formats[index].region == .cn,
               !formats[index].kinds.contains(colour) {
                penalty += colourCost
            }
            guard let (fitted, path) = viterbi(logs, lattices[index]) else { continue }
            var found = (score: fitted - penalty, path: path)
            let format = formats[index]
            if format.mostLetters != nil, !format.keepsLetterLimit(path.map { charset[$0.class] }) {
                // Letters too many: the best of its ways of keeping the limit, which score no more than `fitted`,
                // so only where that could still win.
                guard best == nil || found.score > best!.score,
                      let kept = limitedLattices[index].compactMap({ viterbi(logs, $0) }).max(by: { $0.0 < $1.0 }) else { continue }
                found = (kept.0 - penalty, kept.1)
            }
            if best == nil || found.score > best!.score { best = (found.score, index, found.path) }
        }
        return best
    }

    private func result(_ format: Int, _ path: [(class: Int, columns: [Int])], _ probabilities: [[Float]],
                        alternatives: Int, cost: Double) -> Result {
        Result(characters: reads(path, classes: allowed[format], probabilities, alternatives: alternatives),
               format: formats[format], cost: cost, columns: path.first!.columns.first!...path.last!.columns.last!)
    }

    /// The first format the greedy path's text fits: with `free`, only formats that pay nothing in the
    /// ranking (no alignment can then score higher, so the search would find this one, as ties keep the
    /// first); otherwise any. Only without province positions, whose prior correction can lift another
    /// path above the greedy one.
    private func greedyFit(_ path: [(class: Int, columns: [Int])], free: Bool) -> Int? {
        guard !path.isEmpty else { return nil }
        return allowed.indices.first { f in
            (!free || rankingCost[f] == 0) && allowed[f].count == path.count
                && zip(formats[f].positions, path).allSatisfy { $0.allows(charset[$1.class]) }
                && formats[f].keepsLetterLimit(path.map { charset[$0.class] })
        }
    }

    /// The best class of each column, blanks dropped and repeats merged, with the columns of each character.
    private static func greedyPath(_ probabilities: [[Float]]) -> [(class: Int, columns: [Int])] {
        var path: [(class: Int, columns: [Int])] = []
        var previous = 0
        for (t, column) in probabilities.enumerated() {
            var best = 0
            for index in column.indices where column[index] > column[best] { best = index }
            defer { previous = best }
            guard best != 0 else { continue }
            if best == previous { path[path.count - 1].columns.append(t) } else { path.append((best, [t])) }
        }
        return path
    }

    /// Whether the alignment search tries format `index`. A specific format of a region with a catch-all
    /// (about 40 European series) is tried only where the greedy read is near it: every character fits its
    /// position or has a look-alike that does, the read having the format's length, one character more at
    /// either end or one at each end (a plate's frame, a bolt or a sticker read as a character), or one fewer
    /// (a faint character the greedy path dropped, which the search may take back from its columns). The
    /// catch-all's cost then decides. A search over every series for every read would double the reader's
    /// time; the gate looks at the ends only (the search itself may still drop or add a character anywhere),
    /// since gating at every position cost a US frame 6 % more for 2 more of 2,522 synthetic plates.
    private func worthSearching(_ index: Int, _ greedy: [Character]) -> Bool {
        guard searchedOnlyNearGreedy[index] else { return true }
        let positions = formats[index].positions[...], text = greedy[...]
        func near(_ text: ArraySlice<Character>, _ positions: ArraySlice<CharacterClass>) -> Bool {
            text.count == positions.count && zip(positions, text).allSatisfy { Confusions.substitute($1, allowedBy: $0) != nil }
        }
        switch text.count - positions.count {
        case 0: return near(text, positions)
        case 1: return near(text.dropFirst(), positions) || near(text.dropLast(), positions)
        case 2: return near(text.dropFirst().dropLast(), positions)
        case -1: return near(text, positions.dropFirst()) || near(text, positions.dropLast())
        default: return false
        }
    }

    /// Each character's confidence (its best column) and what else its format position allows there.
    private func reads(_ path: [(class: Int, columns: [Int])], classes: [[Int]], _ probabilities: [[Float]],
                       alternatives: Int) -> [CharacterRead] {
        zip(classes, path).map { classes, step -> CharacterRead in
            let peak = step.columns.max { probabilities[$0][step.class] < probabilities[$1][step.class] }!
            let others = classes.filter { $0 != step.class }.sorted { probabilities[peak][$0] > probabilities[peak][$1] }
            return CharacterRead(character: charset[step.class], confidence: probabilities[peak][step.class],
                                 alternatives: others.prefix(alternatives).map { (charset[$0], probabilities[peak][$0]) })
        }
    }

    /// The recogniser's log-probabilities, column after column in one buffer (`classes` per column).
    struct LogProbabilities {
        var values: [Float]
        var classes: Int
        var columns: Int { classes == 0 ? 0 : values.count / classes }
    }

    /// One format's CTC lattice, laid out once at start rather than for every read: character states are
    /// (position, class) pairs numbered position after position.
    struct Lattice {
        /// Character states of position i: `offset[i]..<offset[i + 1]` (32-bit, as the C forward pass takes them).
        let offset: [Int32]
        let stateClass: [Int32]
        let statePosition: [Int]
        /// What a state adds to its class's log-probability: the province prior's correction at a province
        /// position, 0 elsewhere (added in `Float`, as the scores are).
        let stateWeight: [Float]

        init(positions: [[Int]], corrected: [Bool], logWeight: [Float]) {
            var offset: [Int32] = [0]
            for classes in positions { offset.append(offset.last! + Int32(classes.count)) }
            self.offset = offset
            stateClass = positions.flatMap { $0.map { Int32($0) } }
            statePosition = positions.indices.flatMap { i in Array(repeating: i, count: positions[i].count) }
            stateWeight = positions.indices.flatMap { i in positions[i].map { corrected[i] ? logWeight[$0] : 0 } }
        }

        var length: Int { offset.count - 1 }
    }

    /// The best CTC alignment of format `format` over `logs`: its score and each character's class and columns.
    /// Nil when the columns cannot spell it.
    func bestAlignment(_ logs: LogProbabilities, format: Int) -> (Double, [(class: Int, columns: [Int])])? {
        viterbi(logs, lattices[format])
    }

    /// The best CTC alignment that spells `lattice.length` characters, each of its position's classes.
    /// States: a blank before each character and one after the last, and (character i, class c).
    /// As in CTC, two identical neighbours need a blank between them, or they would be one character.
    /// It runs for every format searched of every read, so the forward pass is C (`cpd_ctc_viterbi`, vectorised).
    private func viterbi(_ logs: LogProbabilities, _ lattice: Lattice) -> (Double, [(class: Int, columns: [Int])])? {
        let columns = logs.columns, length = lattice.length
        guard columns > 0, length > 0 else { return nil }
        let states = lattice.stateClass.count
        let none = -Double.infinity
        var scores = [Double](repeating: none, count: 2 * (length + 1 + states))
        var tops = [Int32](repeating: -1, count: 2 * length)
        // Back pointers per column (column 0 has none; every later entry is written before it is read).
        var blankBack = [Int32](repeating: -1, count: columns * (length + 1))
        var characterBack = [Int32](repeating: -1, count: columns * states)
        var end: Int32 = -1
        let total = cpd_ctc_viterbi(logs.values, Int32(columns), Int32(logs.classes), lattice.offset, Int32(length),
                                    lattice.stateClass, lattice.stateWeight, &scores, &tops, &blankBack, &characterBack, &end)
        let endState = Int(end)
        guard total > none else { return nil }
        var path = [(class: Int, columns: [Int])](repeating: (0, []), count: length)
        var inBlank = endState < 0, blankIndex = length, state = endState
        for t in stride(from: columns - 1, through: 0, by: -1) {
            if inBlank {
                guard t > 0 else { break }
                let from = blankBack[t * (length + 1) + blankIndex]
                if from >= 0 { inBlank = false; state = Int(from); blankIndex -= 1 }
            } else {
                let i = lattice.statePosition[state]
                path[i].class = Int(lattice.stateClass[state])
                path[i].columns.append(t)
                guard t > 0 else { break }
                let from = characterBack[t * states + state]
                if from == -2 { inBlank = true; blankIndex = i } else if from >= 0 { state = Int(from) }
            }
        }
        guard path.allSatisfy({ !$0.columns.isEmpty }) else { return nil }
        return (total, path.map { ($0.class, $0.columns.reversed()) })
    }
}
