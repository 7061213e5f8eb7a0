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
    /// Per class: log of (uniform share / training share) for province characters, 0 for the rest.
    private let logWeight: [Float]
    /// Whether any format has a province position (where the prior correction applies).
    private let hasProvinces: Bool

    /// `provincePrior`: how often each province began a training label (the model's own header).
    init(formats: [PlateFormat], charset: [Character], provincePrior: [Character: Double] = [:]) {
        self.formats = formats
        self.charset = charset
        allowed = formats.map { format in
            format.positions.map { position in charset.indices.filter { $0 != 0 && position.allows(charset[$0]) } }
        }
        corrected = formats.map { $0.positions.map { $0 == .province } }
        hasProvinces = corrected.contains { $0.contains(true) }
        let uniform = provincePrior.isEmpty ? 0 : 1 / Double(provincePrior.count)
        logWeight = charset.map { character in
            guard let share = provincePrior[character] else { return 0 }
            return Float(Foundation.log(uniform / share))
        }
    }

    /// `probabilities[column][class]`, class 0 the CTC blank. Nil when no format fits in the columns.
    /// `colour`: the plate's background when it is clearly one of the colours formats are printed on; a
    /// format not printed on it (a blue plate read as an 8-character new-energy plate) pays `colourCost` nats.
    func decode(_ probabilities: [[Float]], colour: PlateKind? = nil, colourCost: Double = 2, alternatives: Int = 3) -> Result? {
        let columns = probabilities.count
        guard columns > 0 else { return nil }
        if !hasProvinces, let fitted = greedyFit(probabilities, alternatives: alternatives) { return fitted }
        let logs = probabilities.map { $0.map { Foundation.log(max($0, 1e-12)) } }
        let greedy = logs.reduce(0.0) { $0 + Double($1.max() ?? 0) }
        var best: (score: Double, format: Int, path: [(class: Int, columns: [Int])])?
        for (index, positions) in allowed.enumerated() where positions.count <= columns
            && !positions.contains(where: \.isEmpty) {
            guard let (fitted, path) = viterbi(logs, positions: positions, corrected: corrected[index]) else { continue }
            var score = fitted
            if let colour, [.blue, .yellow, .green].contains(colour), formats[index].region == .cn,
               !formats[index].kinds.contains(colour) {
                score -= colourCost
            }
            if best == nil || score > best!.score { best = (score, index, path) }
        }
        guard let best else { return nil }
        let characters = reads(best.path, classes: allowed[best.format], probabilities, alternatives: alternatives)
        return Result(characters: characters, format: formats[best.format], cost: max(0, greedy - best.score),
                      columns: best.path.first!.columns.first!...best.path.last!.columns.last!)
    }

    /// The greedy path when its text already fits a format: no alignment can score higher, so the search
    /// would find this one (the first format it fits, as ties keep the first). Only without province
    /// positions, whose prior correction can lift another path above the greedy one.
    private func greedyFit(_ probabilities: [[Float]], alternatives: Int) -> Result? {
        var path: [(class: Int, columns: [Int])] = []
        var previous = 0
        for (t, column) in probabilities.enumerated() {
            var best = 0
            for index in column.indices where column[index] > column[best] { best = index }
            defer { previous = best }
            guard best != 0 else { continue }
            if best == previous { path[path.count - 1].columns.append(t) } else { path.append((best, [t])) }
        }
        guard !path.isEmpty,
              let index = allowed.indices.first(where: { f in
                  allowed[f].count == path.count && zip(formats[f].positions, path).allSatisfy { $0.allows(charset[$1.class]) }
              }) else { return nil }
        return Result(characters: reads(path, classes: allowed[index], probabilities, alternatives: alternatives),
                      format: formats[index], cost: 0, columns: path.first!.columns.first!...path.last!.columns.last!)
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
        var blank = [Double](repeating: none, count: length + 1), nextBlank = blank
        var character = [Double](repeating: none, count: characterStates), nextCharacter = character
        // Back pointers per column: for a blank, -1 = stayed, else the character state it came from;
        // for a character state, -1 = stayed, -2 = from the blank before it, else the character state it came from.
        var blankBack = [Int32](repeating: -1, count: columns * (length + 1))
        var characterBack = [Int32](repeating: -1, count: columns * characterStates)
        func emit(_ i: Int, _ c: Int, _ t: Int) -> Double {
            Double(logs[t][c] + (corrected[i] ? logWeight[c] : 0))
        }
        blank[0] = Double(logs[0][0])
        for k in positions[0].indices { character[k] = emit(0, positions[0][k], 0) }
        for t in 1..<columns {
            // The best and second-best character state of each position at t - 1 (for "a different class" moves).
            var top1 = [Int](repeating: -1, count: length), top2 = [Int](repeating: -1, count: length)
            for i in 0..<length {
                for state in offset[i]..<offset[i + 1] where character[state] > none {
                    if top1[i] < 0 || character[state] > character[top1[i]] { top2[i] = top1[i]; top1[i] = state }
                    else if top2[i] < 0 || character[state] > character[top2[i]] { top2[i] = state }
                }
            }
            let blankLog = Double(logs[t][0])
            for i in 0...length {
                var score = blank[i], from: Int32 = -1
                if i > 0, top1[i - 1] >= 0, character[top1[i - 1]] > score { score = character[top1[i - 1]]; from = Int32(top1[i - 1]) }
                nextBlank[i] = score == none ? none : score + blankLog
                blankBack[t * (length + 1) + i] = from
            }
            for i in 0..<length {
                for (k, c) in positions[i].enumerated() {
                    let state = offset[i] + k
                    var score = character[state], from: Int32 = -1
                    if blank[i] > score { score = blank[i]; from = -2 }
                    if i > 0 {
                        // Straight from the previous character only if it is a different class.
                        let previous = top1[i - 1] >= 0 && positions[i - 1][top1[i - 1] - offset[i - 1]] != c ? top1[i - 1] : top2[i - 1]
                        if previous >= 0, positions[i - 1][previous - offset[i - 1]] != c, character[previous] > score {
                            score = character[previous]; from = Int32(previous)
                        }
                    }
                    nextCharacter[state] = score == none ? none : score + emit(i, c, t)
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
