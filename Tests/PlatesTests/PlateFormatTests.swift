import Testing
@testable import Plates

struct PlateFormatTests {
    @Test(arguments: [
        ("闽E·12345", "闽E12345"), ("粤b d12345", "粤BD12345"), ("ab-123-cd", "AB123CD"), ("京A・88731", "京A88731"),
    ])
    func canonicalDropsSeparatorsAndUppercases(raw: String, canonical: String) {
        #expect(PlateText.canonical(raw) == canonical)
    }

    @Test(arguments: [
        ("京A88731", "cn-ordinary"), ("粤BD12345", "cn-new-energy"), ("沪A1234警", "cn-police"), ("川A1234学", "cn-learner"),
    ])
    func chinesePlatesFitTheirFormat(text: String, format: String) {
        let fit = PlateFormatter(regions: [.cn]).fit(text)
        #expect(fit.format?.name == format)
        #expect(fit.corrections == 0)
        #expect(fit.text == text)
    }

    @Test func chineseFormatsRefuseIAndOAndABadProvince() {
        let formatter = PlateFormatter(regions: [.cn])
        #expect(formatter.fit("XA12345").format == nil)
        #expect(!PlateFormat.cn[0].matches("京I12345"))
        #expect(!PlateFormat.cn[0].matches("京AO2345"))
    }

    @Test func aChineseSerialHasAtMostTwoLetters() {
        let ordinary = PlateFormat.cn[0], newEnergy = PlateFormat.cn[1]
        #expect(ordinary.matches("皖AW112U") && ordinary.matches("京AB12C3") && ordinary.matches("京A12345"))
        #expect(!ordinary.matches("皖AW1W2U"))  // three letters after the city's
        #expect(newEnergy.matches("粤BD12345") && newEnergy.matches("粤BDF1234") && !newEnergy.matches("粤BDFA123"))
        // The formatter fits no ordinary plate to three letters, and a police plate keeps no such limit.
        #expect(PlateFormatter(regions: [.cn]).fit("皖AW1W2U").format == nil)
        #expect(PlateFormat.cn[2].matches("沪ABC12警"))
        // Ways of keeping the limit: five positions with at most two letters (1 + 5 + 10), six (1 + 6 + 15).
        #expect(ordinary.withinLetterLimit.count == 16 && newEnergy.withinLetterLimit.count == 22)
        #expect(ordinary.withinLetterLimit.allSatisfy { $0.positions.prefix(2) == [.province, .cnLetter] && $0.mostLetters == nil })
        #expect(ordinary.withinLetterLimit.filter { $0.matches("皖AW112U") }.count == 1)
        #expect(PlateFormat.us[0].withinLetterLimit == [PlateFormat.us[0]])
    }

    @Test(arguments: [
        // A digit where only a letter may stand, and letters among the digits.
        ("京812345", "京B12345", 1), ("粤0D1234", "粤DD1234", 1), ("沪AO2345", "沪A02345", 1), ("川AI2S45", "川A12S45", 1),
    ])
    func lookAlikesAreFixedWhereThePositionAllowsOnlyOneKind(read: String, fixed: String, corrections: Int) {
        let fit = PlateFormatter(regions: [.cn]).fit(read)
        #expect(fit.text == fixed)
        #expect(fit.corrections == corrections)
    }

    @Test func theReadersOwnAlternativesWinOverTheStaticTable() {
        // The reader's second choice for position 2 was H: use it rather than the table's B.
        let fit = PlateFormatter(regions: [.cn]).fit("京812345", alternatives: [["京"], ["8", "H"]])
        #expect(fit.text == "京H12345")
    }

    @Test func latinPlatesFitByLength() {
        let formatter = PlateFormatter(regions: [.us, .eu])
        #expect(formatter.fit("YG9X2G").format?.region == .us)
        #expect(formatter.fit("ABCDEFGHIJK").format == nil)
    }

    @Test func europeanNationalSeriesComeBeforeTheCatchAll() {
        let formatter = PlateFormatter(regions: [.eu])
        #expect(formatter.fit("AB123CD").format?.name == "eu-fr-it-sk-LLDDDLL")
        #expect(formatter.fit("1234BCD").format?.name == "eu-es-DDDDLLL")
        #expect(formatter.fit("MKE1234").format?.name == "eu-gr-pl-de-LLLDDDD")
        #expect(formatter.fit("12A3B4C").format?.name == "eu-7")
        #expect(formatter.fit("12A3B4C").format?.isCatchAll == true)
        // Every series is a Latin pattern of 4 to 9 characters, so the catch-all admits it too.
        for format in PlateFormat.eu where !format.isCatchAll {
            #expect((4...9).contains(format.length), "\(format.name)")
        }
        #expect(Set(PlateFormat.eu.map(\.name)).count == PlateFormat.eu.count)
    }

    @Test func confusableGroupsAreSymmetric() {
        #expect(Confusions.confusable("0", "O"))
        #expect(Confusions.confusable("O", "D"))
        #expect(Confusions.confusable("8", "B"))
        #expect(!Confusions.confusable("8", "3"))
    }
}
