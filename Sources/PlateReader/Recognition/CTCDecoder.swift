import Foundation

/// One character the recogniser emitted, with how sure it was and what else it might be.
public struct CharacterRead: Sendable, Equatable {
    public var character: Character
    public var confidence: Float
    /// Other candidates for this position, best first (with their probabilities).
    public var alternatives: [(Character, Float)]

    public init(character: Character, confidence: Float, alternatives: [(Character, Float)] = []) {
        self.character = character
        self.confidence = confidence
        self.alternatives = alternatives
    }

    public static func == (lhs: CharacterRead, rhs: CharacterRead) -> Bool {
        lhs.character == rhs.character && lhs.confidence == rhs.confidence
            && lhs.alternatives.map(\.0) == rhs.alternatives.map(\.0)
    }
}

/// Greedy CTC decoding: the best class per column, repeats merged, blanks dropped.
/// Each character keeps the probabilities of its most confident column.
enum CTCDecoder {
    static func decode(_ scores: [[Float]], charset: [Character], alternatives: Int = 3) -> [CharacterRead] {
        decode(probabilities: scores.map(softmax), charset: charset, alternatives: alternatives)
    }

    static func decode(probabilities columns: [[Float]], charset: [Character], alternatives: Int = 3) -> [CharacterRead] {
        var reads: [CharacterRead] = []
        var previous = 0
        for probabilities in columns {
            var best = 0
            for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
            defer { previous = best }
            guard best != 0 else { continue }
            let ranked = probabilities.indices.filter { $0 != 0 }.sorted { probabilities[$0] > probabilities[$1] }
            let read = CharacterRead(
                character: charset[best], confidence: probabilities[best],
                alternatives: ranked.dropFirst().prefix(alternatives).map { (charset[$0], probabilities[$0]) })
            if best == previous, let last = reads.last {
                // The same character over several columns: keep its most confident column.
                if read.confidence > last.confidence { reads[reads.count - 1] = read }
            } else {
                reads.append(read)
            }
        }
        return reads
    }

    static func softmax(_ values: [Float]) -> [Float] {
        let top = values.max() ?? 0
        let exps = values.map { Foundation.exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}
