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
    /// Per format, per position: whether it is a province position (where the prior correction applies).
    private let corrected: [[Bool]]
    /// Per class: log of (uniform share / training share) for province characters, plus `localProvinceWeight` for
    /// the camera's local provinces; 0 for the rest.
    private let logWeight: [Float]
    /// Whether any format has a province position (where the prior correction applies).
    private let hasProvinces: Bool
    /// Per format: nats it pays in the ranking. A region's catch-all pays `catchAllCost` when the region
    /// also has specific formats, so that a read only the catch-all admits (`N0450AM`) gives way to a
    /// national series that fits almost as well (`NO450AM`): the series' letters and digits decide which
    /// look-alike each position takes.
    private let rankingCost: [Double]
    /// Per format: whether it is a specific format of a region that has a catch-all (see `worthSearching`).
    private let searchedOnlyNearGreedy: [Bool]

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
        allowed = formats.map { format in
            format.positions.map { position in charset.indices.filter { $0 != 0 && position.allows(charset[$0]) } }
        }
        corrected = formats.map { $0.positions.map { $0 == .province } }
        hasProvinces = corrected.contains { $0.contains(true) }
        let uniform = provincePrior.isEmpty ? 0 : 1 / Double(provincePrior.count)
        logWeight = charset.map { character in
            let local = localProvinces.contains(character) ? Float(Self.localProvinceWeight) : 0
            guard let share = provincePrior[character] else { return local }
            return Float(Foundation.log(uniform / share)) + local
        }
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
    private static func logProbabilities(_ probabilities: [[Float]]) -> (logs: [[Float]], greedy: Double) {
        let logs = probabilities.map { $0.map { Foundation.log(max($0, 1e-12)) } }
        return (logs, logs.reduce(0.0) { $0 + Double($1.max() ?? 0) })
    }

    /// The best-scoring alignment over the formats (those `only` admits), ranking costs included.
    private func search(_ logs: [[Float]], _ greedyPath: [(class: Int, columns: [Int])], colour: PlateKind?,
                        colourCost: Double, only: ((Int) -> Bool)?)
        -> (score: Double, format: Int, path: [(class: Int, columns: [Int])])? {
        let greedyText = greedyPath.map { charset[$0.class] }
        var best: (score: Double, format: Int, path: [(class: Int, columns: [Int])])?
        for (index, positions) in allowed.enumerated() where positions.count <= logs.count
            && !positions.contains(where: \.isEmpty) && (only?(index) ?? true) && worthSearching(index, greedyText) {
            guard let (fitted, path) = viterbi(logs, positions: positions, corrected: corrected[index]) else { continue }
            var score = fitted - rankingCost[index]
            if let colour, [.blue, .yellow, .green].contains(colour), formats[index].region == .cn,
               !formats[index].kinds.contains(colour) {
                score -= colourCost
            }
            if best == nil || score > best!.score { best = (score, index, path) }
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
    /// (about 40 European series) is tried only where the greedy read has its length and every character
    /// fits its position or has a look-alike that does: the catch-all's cost only decides between
    /// look-alikes, and a search over every series for every read would double the reader's time.
    private func worthSearching(_ index: Int, _ greedy: [Character]) -> Bool {
        guard searchedOnlyNearGreedy[index] else { return true }
        return greedy.count == formats[index].length
            && zip(formats[index].positions, greedy).allSatisfy { Confusions.substitute($1, allowedBy: $0) != nil }
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

    /// What a character state of class `c` scores in a column: its log-probability, plus the province prior's
    /// correction where the position is a province.
    @inline(__always)
    private func emission(_ row: [Float], _ c: Int, weighted: Bool) -> Double {
        Double(row[c] + (weighted ? logWeight[c] : 0))
    }

    /// The best CTC alignment that spells `positions.count` characters, each of its position's classes.
    /// States: a blank before each character and one after the last, and (character i, class c).
    /// As in CTC, two identical neighbours need a blank between them, or they would be one character.
    private func viterbi(_ logs: [[Float]], positions: [[Int]], corrected: [Bool])
        -> (Double, [(class: Int, columns: [Int])])? {
        let columns = logs.count, length = positions.count
        let none = -Double.infinity
        // Flattened character states: offset[i] + k is (character i, class positions[i][k]).
        var offset = [Int](repeating: 0, count: length + 1)
        for i in 0..<length { offset[i + 1] = offset[i] + positions[i].count }
        let characterStates = offset[length]
        let stateClass = positions.flatMap { $0 }
        var blank = [Double](repeating: none, count: length + 1), nextBlank = blank
        var character = [Double](repeating: none, count: characterStates), nextCharacter = character
        // Back pointers per column: for a blank, -1 = stayed, else the character state it came from;
        // for a character state, -1 = stayed, -2 = from the blank before it, else the character state it came from.
        var blankBack = [Int32](repeating: -1, count: columns * (length + 1))
        var characterBack = [Int32](repeating: -1, count: columns * characterStates)
        blank[0] = Double(logs[0][0])
        for k in positions[0].indices { character[k] = emission(logs[0], positions[0][k], weighted: corrected[0]) }
        // The best and second-best character state of each position at t - 1 (for "a different class" moves);
        // allocated once, as this runs for every column of every format of every read.
        var top1 = [Int](repeating: -1, count: length), top2 = [Int](repeating: -1, count: length)
        for t in 1..<columns {
            for i in 0..<length {
                top1[i] = -1
                top2[i] = -1
                for state in offset[i]..<offset[i + 1] where character[state] > none {
                    if top1[i] < 0 || character[state] > character[top1[i]] { top2[i] = top1[i]; top1[i] = state }
                    else if top2[i] < 0 || character[state] > character[top2[i]] { top2[i] = state }
                }
            }
            let row = logs[t]
            let blankLog = Double(row[0])
            for i in 0...length {
                var score = blank[i], from: Int32 = -1
                if i > 0, top1[i - 1] >= 0, character[top1[i - 1]] > score { score = character[top1[i - 1]]; from = Int32(top1[i - 1]) }
                nextBlank[i] = score == none ? none : score + blankLog
                blankBack[t * (length + 1) + i] = from
            }
            for i in 0..<length {
                let weighted = corrected[i], blankScore = blank[i]
                // Straight from the previous character only if it is a different class: its best state, or
                // its second best where the best is this class.
                let top = i > 0 ? top1[i - 1] : -1, second = i > 0 ? top2[i - 1] : -1
                let topClass = top >= 0 ? stateClass[top] : -1, secondClass = second >= 0 ? stateClass[second] : -1
                for state in offset[i]..<offset[i + 1] {
                    let c = stateClass[state]
                    var score = character[state], from: Int32 = -1
                    if blankScore > score { score = blankScore; from = -2 }
                    let (previous, previousClass) = top >= 0 && topClass != c ? (top, topClass) : (second, secondClass)
                    if previous >= 0, previousClass != c, character[previous] > score {
                        score = character[previous]; from = Int32(previous)
                    }
                    nextCharacter[state] = score == none ? none : score + emission(row, c, weighted: weighted)
                    characterBack[t * characterStates + state] = from
                }
            }
            swap(&blank, &nextBlank)
            swap(&character, &nextCharacter)
        }
        // End in the trailing blank or in any class of the last character.
        var endBlank = true, endState = -1, total = blank[length]
        for state in offset[length - 1]..<offset[length] where character[state] > total {
            total = character[state]; endBlank = false; endState = state
        }
        guard total > none else { return nil }
        var path = [(class: Int, columns: [Int])](repeating: (0, []), count: length)
        var inBlank = endBlank, blankIndex = length, state = endState
        for t in stride(from: columns - 1, through: 0, by: -1) {
            if inBlank {
                guard t > 0 else { break }
                let from = blankBack[t * (length + 1) + blankIndex]
                if from >= 0 { inBlank = false; state = Int(from); blankIndex -= 1 }
            } else {
                let i = positions.indices.last { offset[$0] <= state }!
                path[i].class = positions[i][state - offset[i]]
                path[i].columns.append(t)
                guard t > 0 else { break }
                let from = characterBack[t * characterStates + state]
                if from == -2 { inBlank = true; blankIndex = i } else if from >= 0 { state = Int(from) }
            }
        }
        guard path.allSatisfy({ !$0.columns.isEmpty }) else { return nil }
        return (total, path.map { ($0.class, $0.columns.reversed()) })
    }
}
