import Foundation
import Plates
import Testing
@testable import PlateReader

/// Format-constrained CTC decoding on hand-made columns of probabilities.
struct FormatDecoderTests {
    static let charset: [Character] = ["\u{0}"] + Array("皖浙京") + Array("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// One column: `best` with probability `p`, the blank with the rest (or `second` with it when given).
    static func column(_ best: Character?, _ p: Float = 0.95, second: Character? = nil) -> [Float] {
        var column = [Float](repeating: 0.0001, count: charset.count)
        let index = best.flatMap { charset.firstIndex(of: $0) } ?? 0
        column[index] = p
        column[second.flatMap { charset.firstIndex(of: $0) } ?? 0] += 1 - p
        return column
    }

    /// Every character (probability `p`) followed by a blank, as CTC models emit.
    static func columns(_ text: String, _ p: Float = 0.95) -> [[Float]] {
        text.flatMap { [column($0, p), column(nil)] }
    }

    @Test func aFaintProvinceCharacterIsKeptBecauseTheFormatNeedsIt() throws {
        // Greedy decoding drops 京 (the blank wins its column); a Chinese plate must start with a province.
        let probabilities = [Self.column("京", 0.3)] + Self.columns("A12345")
        #expect(String(CTCDecoder.decode(probabilities: probabilities, charset: Self.charset).map(\.character)) == "A12345")
        let decoder = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        let result = try #require(decoder.decode(probabilities))
        #expect(String(result.characters.map(\.character)) == "京A12345")
        #expect(result.format.name == "cn-ordinary")
        #expect(result.characters[0].confidence < 0.5)
        #expect(result.cost > 0.5)
    }

    @Test func aChineseSerialKeepsToTwoLetters() throws {
        // The columns read W1W2U, the second W only just over a 1: three letters, so the 1 it also looks like.
        let probabilities = Self.columns("皖A") + [Self.column("W"), Self.column(nil), Self.column("1"), Self.column(nil),
            Self.column("W", 0.55, second: "1"), Self.column(nil)] + Self.columns("2U")
        let decoder = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        let result = try #require(decoder.decode(probabilities))
        #expect(String(result.characters.map(\.character)) == "皖AW112U")
        #expect(result.format.name == "cn-ordinary")
        #expect(result.cost > 0.1)
        // Two letters are read as they stand.
        let two = try #require(decoder.decode(Self.columns("皖AW1Z23")))
        #expect(String(two.characters.map(\.character)) == "皖AW1Z23", "\(two.characters.map(\.character))")
        #expect(two.cost < 0.01)
    }

    @Test func identicalNeighboursNeedABlankSoAWideCharacterIsNotSplit() throws {
        // "8" over three columns without blanks is one 8, not 888: the US format of 2 takes "8A", not "88".
        let probabilities = [Self.column("8"), Self.column("8"), Self.column("8"), Self.column(nil), Self.column("A")]
        let decoder = FormatDecoder(formats: PlateFormat.us, charset: Self.charset)
        let result = try #require(decoder.decode(probabilities))
        #expect(String(result.characters.map(\.character)) == "8A")
        #expect(result.columns == 0...4)
        #expect(result.cost < 0.01)
        // With a blank between them, two 8s are two characters.
        let doubled = [Self.column("8"), Self.column(nil), Self.column("8"), Self.column(nil), Self.column("A")]
        #expect(String(try #require(decoder.decode(doubled)).characters.map(\.character)) == "88A")
    }

    @Test func aGreedyReadThatFitsALatinFormatIsTakenAsItIs() throws {
        // Without province positions the greedy path is the best any format can do, so it is the answer.
        let probabilities = [Self.column(nil)] + Self.columns("7ABC123") + [Self.column(nil)]
        let decoder = FormatDecoder(formats: PlateFormat.us + PlateFormat.eu, charset: Self.charset)
        let result = try #require(decoder.decode(probabilities))
        #expect(String(result.characters.map(\.character)) == "7ABC123")
        #expect(result.format.name == "us-ca-DLLLDDD")
        #expect(result.cost == 0)
        #expect(result.columns == 1...13)
        #expect(result.characters.allSatisfy { $0.confidence > 0.9 && $0.alternatives.count == 3 })
    }

    @Test func aEuropeanReadCloseToANationalSeriesTakesItsLetterOrDigit() throws {
        // "12348CD" fits only the catch-all; "1234BCD" is the Spanish series. When the column hesitates
        // between 8 and B, the series decides; when it is sure of the 8, the read stays as it is. (The other
        // characters are sure: at 0.95 an end one could be left out for a 6-character series.)
        let decoder = FormatDecoder(formats: PlateFormat.eu, charset: Self.charset, catchAllCost: 3)
        let unsure = Self.columns("1234", 0.99) + [Self.column("8", 0.6, second: "B"), Self.column(nil)] + Self.columns("CD", 0.99)
        let fitted = try #require(decoder.decode(unsure))
        #expect(String(fitted.characters.map(\.character)) == "1234BCD")
        #expect(fitted.format.name == "eu-es-DDDDLLL")
        #expect(fitted.cost > 0.1 && fitted.cost < 1)
        let sure = Self.columns("1234", 0.99) + [Self.column("8", 0.999, second: "B"), Self.column(nil)] + Self.columns("CD", 0.99)
        let kept = try #require(decoder.decode(sure))
        #expect(String(kept.characters.map(\.character)) == "12348CD")
        #expect(kept.format.name == "eu-7")
        #expect(kept.cost == 0)
        // Without the cost the catch-all ties with the series' best, which it beats here.
        let plain = FormatDecoder(formats: PlateFormat.eu, charset: Self.charset, catchAllCost: 0)
        #expect(String(try #require(plain.decode(unsure)).characters.map(\.character)) == "12348CD")
        // No US series is near "12348CD" (a 3 has no look-alike letter): the greedy read stands.
        let us = FormatDecoder(formats: PlateFormat.us, charset: Self.charset, catchAllCost: 3)
        #expect(String(try #require(us.decode(unsure)).characters.map(\.character)) == "12348CD")
    }

    @Test func aUSReadCloseToAStateSeriesTakesItsDigitOrLetter() throws {
        // "7ABC1Z3" fits only the catch-all; "7ABC123" is California's series. An unsure Z becomes its 2.
        let decoder = FormatDecoder(formats: PlateFormat.us, charset: Self.charset, catchAllCost: 3)
        let unsure = Self.columns("7ABC1") + [Self.column("Z", 0.7, second: "2"), Self.column(nil)] + Self.columns("3")
        let fitted = try #require(decoder.decode(unsure))
        #expect(String(fitted.characters.map(\.character)) == "7ABC123")
        #expect(fitted.format.name == "us-ca-DLLLDDD")
        // A personalised plate read surely keeps its letters, though "WHEE15" would fit the ABCD12 series.
        let vanity = try #require(decoder.decode(Self.columns("WHEELS")))
        #expect(String(vanity.characters.map(\.character)) == "WHEELS")
        #expect(vanity.format.name == "us-6")
    }

    @Test func aCharacterTooManyAtAnEndGivesWayToASeriesWhenItIsUnsure() throws {
        // "7ABC1234" fits only the catch-all; without its unsure last character it is California's series.
        let decoder = FormatDecoder(formats: PlateFormat.us, charset: Self.charset, catchAllCost: 3)
        let unsure = Self.columns("7ABC123") + [Self.column("4", 0.6), Self.column(nil)]
        let fitted = try #require(decoder.decode(unsure))
        #expect(String(fitted.characters.map(\.character)) == "7ABC123")
        #expect(fitted.format.name == "us-ca-DLLLDDD")
        #expect(fitted.cost > 0.1 && fitted.cost < 3)
        // A sure eighth character is part of the plate.
        let sure = Self.columns("7ABC1234", 0.99)
        #expect(String(try #require(decoder.decode(sure)).characters.map(\.character)) == "7ABC1234")
        // One at each end: a bolt before and a frame edge after.
        let both = [Self.column("1", 0.6), Self.column(nil)] + Self.columns("7ABC123") + [Self.column("1", 0.6), Self.column(nil)]
        #expect(String(try #require(decoder.decode(both)).characters.map(\.character)) == "7ABC123")
    }

    @Test func aFaintCharacterTheGreedyReadDroppedIsTakenBackForASeries() throws {
        // The A's columns lean to the blank, so the greedy read is "7BC123", which fits only the catch-all;
        // California's series takes the A back from its column. A clear blank there leaves the read as it is.
        let decoder = FormatDecoder(formats: PlateFormat.us, charset: Self.charset, catchAllCost: 3)
        let faint = Self.columns("7") + [Self.column("A", 0.35), Self.column(nil)] + Self.columns("BC123")
        #expect(String(CTCDecoder.decode(probabilities: faint, charset: Self.charset).map(\.character)) == "7BC123")
        let fitted = try #require(decoder.decode(faint))
        #expect(String(fitted.characters.map(\.character)) == "7ABC123")
        #expect(fitted.format.name == "us-ca-DLLLDDD")
        #expect(fitted.characters[1].confidence < 0.5)
        let gone = Self.columns("7") + [Self.column("A", 0.01), Self.column(nil)] + Self.columns("BC123")
        let kept = try #require(decoder.decode(gone))
        #expect(String(kept.characters.map(\.character)) == "7BC123")
        #expect(kept.format.name == "us-6")
    }

    @Test func onlyTheRegionsCharactersAreRead() throws {
        // A US camera never reads a province character, however sure the model is.
        let probabilities = [Self.column("皖")] + Self.columns("ABC123")
        let decoder = FormatDecoder(formats: PlateFormat.us, charset: Self.charset)
        let result = try #require(decoder.decode(probabilities))
        #expect(String(result.characters.map(\.character)) == "ABC123")
        #expect(result.format.region == .us)
        // A letter where a Chinese plate needs one: the look-alike digit 0 becomes the best letter the column offers.
        let cn = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        let letter = [Self.column("浙")] + [Self.column("0", 0.6, second: "D"), Self.column(nil)] + Self.columns("12345")
        #expect(String(try #require(cn.decode(letter)).characters.map(\.character)) == "浙D12345")
    }

    @Test func theProvincePriorOfTheTrainingSetIsDividedOut() throws {
        // The model leans to 皖 (most training plates were), 浙 a close second: with 皖 ten times as common in
        // training as the others, the corrected read is 浙.
        let probabilities = [Self.column("皖", 0.55, second: "浙")] + Self.columns("A12345")
        let plain = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        #expect(try #require(plain.decode(probabilities)).characters.first?.character == "皖")
        let corrected = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset,
                                      provincePrior: ["皖": 10.0 / 12, "浙": 1.0 / 12, "京": 1.0 / 12])
        #expect(try #require(corrected.decode(probabilities)).characters.first?.character == "浙")
    }

    @Test func aLocalProvinceWinsAProvinceThePictureLeavesInDoubtButNotAClearOne() throws {
        let doubtful = [Self.column("浙", 0.6, second: "京")] + Self.columns("A12345")  // 浙 0.6, 京 0.4
        let clear = [Self.column("浙", 0.9, second: "京")] + Self.columns("A12345")  // 浙 0.9, 京 0.1
        let plain = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        let local = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset, localProvinces: ["京"])
        #expect(try #require(plain.decode(doubtful)).characters.first?.character == "浙")
        #expect(try #require(local.decode(doubtful)).characters.first?.character == "京")
        #expect(try #require(local.decode(clear)).characters.first?.character == "浙")
        // Letters and digits are not provinces: the weight leaves them alone.
        #expect(String(try #require(local.decode(clear)).characters.dropFirst().map(\.character)) == "A12345")
    }

    @Test func thePlatesColourPicksBetweenOrdinaryAndNewEnergy() throws {
        // A faint eighth character: an 8-character new-energy read by the columns alone.
        let probabilities = Self.columns("京A12345") + [Self.column("6", 0.6), Self.column(nil)]
        let decoder = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        #expect(try #require(decoder.decode(probabilities)).format.name == "cn-new-energy")
        // On a blue plate that costs more than leaving the faint character out; on a green one it stays.
        let blue = try #require(decoder.decode(probabilities, colour: .blue))
        #expect(String(blue.characters.map(\.character)) == "京A12345" && blue.format.name == "cn-ordinary")
        #expect(try #require(decoder.decode(probabilities, colour: .green)).format.name == "cn-new-energy")
    }

    @Test func tooFewColumnsForAnyFormatGiveNothing() {
        let decoder = FormatDecoder(formats: PlateFormat.cn, charset: Self.charset)
        #expect(decoder.decode(Self.columns("A1")) == nil)
        #expect(decoder.decode([]) == nil)
    }

    @Test func theAlignmentSearchFindsWhatTryingEveryPathFinds() throws {
        // Every path of classes over six columns, collapsed as CTC collapses it (repeats merged, blanks dropped),
        // scored, and kept when it spells the format: the best of those is what the search must find, with the
        // province prior's correction on the columns of a province position. Random columns, fixed seed.
        let charset: [Character] = ["\u{0}"] + Array("皖浙A12")
        let formats = [
            PlateFormat(name: "p-l-d", region: .cn, positions: [.province, .latinLetter, .digit], kinds: [.blue]),
            PlateFormat(name: "any-2", region: .us, positions: [.latinAlphanumeric, .latinAlphanumeric], kinds: [.latin]),
            PlateFormat(name: "mixed-4", region: .us, positions: [.oneOf(["A", "1"]), .digit, .latinAlphanumeric, .digit],
                        kinds: [.latin]),
        ]
        let prior: [Character: Double] = ["皖": 0.8, "浙": 0.2]
        let decoder = FormatDecoder(formats: formats, charset: charset, provincePrior: prior)
        let weight: [Float] = charset.map { prior[$0].map { Float(Foundation.log(0.5 / $0)) } ?? 0 }
        var generator = SeededGenerator(seed: 11)
        let columns = 6, classes = charset.count
        for _ in 0..<8 {
            let probabilities = (0..<columns).map { _ -> [Float] in
                let raw = (0..<classes).map { _ in Float.random(in: 0.01...1, using: &generator) }
                let sum = raw.reduce(0, +)
                return raw.map { $0 / sum }
            }
            let (logs, _) = FormatDecoder.logProbabilities(probabilities)
            for (index, format) in formats.enumerated() {
                var best: (score: Double, text: [Int])?
                var path = [Int](repeating: 0, count: columns)
                for code in 0..<Int(pow(Double(classes), Double(columns))) {
                    var rest = code
                    for t in 0..<columns { path[t] = rest % classes; rest /= classes }
                    var text: [Int] = [], score = 0.0, previous = 0
                    for t in 0..<columns {
                        let c = path[t]
                        if c != 0 && c != previous { text.append(c) }
                        previous = c
                        let position = text.count - 1
                        let corrected = c != 0 && position < format.length && format.positions[position] == .province
                        score += Double(logs.values[t * classes + c] + (corrected ? weight[c] : 0))
                    }
                    guard text.count == format.length,
                          zip(format.positions, text).allSatisfy({ $0.allows(charset[$1]) }) else { continue }
                    if best == nil || score > best!.score { best = (score, text) }
                }
                let found = decoder.bestAlignment(logs, format: index)
                #expect((found == nil) == (best == nil), "\(format.name)")
                guard let found, let best else { continue }
                #expect(abs(found.0 - best.score) < 1e-6, "\(format.name): \(found.0) vs \(best.score)")
                #expect(found.1.map(\.class) == best.text, "\(format.name)")
            }
        }
    }
}

