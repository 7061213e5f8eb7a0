import Crypto
import Foundation
import Testing
@testable import Registry

@Suite struct CardTokenTests {
    let key = Curve25519.Signing.PrivateKey()
    let start = Date(timeIntervalSince1970: 1_780_000_000)

    func token(_ category: CardCategory = .resident) -> CardToken {
        CardToken(category: category, keyID: 3, cardID: "0123456789abcdef", generation: 2,
                  validFrom: start, validUntil: start.addingTimeInterval(86_400 * 365), communityID: "demo-gardens")
    }

    func keyring(retired: Bool = false) -> CardKeyring {
        CardKeyring(keys: [.init(id: 3, publicKey: key.publicKey, createdAt: start, retiredAt: retired ? start : nil)],
                    communityID: "demo-gardens")
    }

    @Test func base45MatchesRFC9285Examples() {
        #expect(Base45.encode(Array("AB".utf8)) == "BB8")
        #expect(Base45.encode(Array("Hello!!".utf8)) == "%69 VD92EX0")
        #expect(Base45.encode(Array("base-45".utf8)) == "UJCLQE7W581")
        #expect(Base45.decode("QED8WEX0").map { String(decoding: $0, as: UTF8.self) } == "ietf!")
        #expect(Base45.decode("GGW") == nil)  // 65535 + 1 overflows
        #expect(Base45.decode("abc") == nil)  // lower case is outside the alphabet
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            #expect(Base45.decode(Base45.encode(bytes)) == bytes)
        }
    }

    @Test func roundTripKeepsEveryField() throws {
        let text = try token().signed(with: key)
        #expect(text.hasPrefix("CP1:"))
        #expect(keyring().verify(text) == .valid(token()))
    }

    @Test func theTokenIsQRAlphanumericAndCompact() throws {
        let text = try token().signed(with: key)
        let alphabet = Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        #expect(text.allSatisfy { alphabet.contains($0) })
        #expect(text.count < 160)
    }

    @Test func everySingleByteChangeIsAForgery() throws {
        let text = try token().signed(with: key)
        let bytes = try #require(Base45.decode(text.dropFirst(4)))
        for index in bytes.indices {
            var changed = bytes
            changed[index] ^= 0x01
            let verdict = keyring().verify("CP1:" + Base45.encode(changed))
            #expect(verdict == .forged, "byte \(index)")
        }
    }

    @Test func unreadableTextIsMalformedNotForged() throws {
        let text = try token().signed(with: key)
        #expect(keyring().verify("") == .malformed)
        #expect(keyring().verify("https://example.org/") == .malformed)
        #expect(keyring().verify(String(text.prefix(40))) == .malformed)
        #expect(keyring().verify(text.lowercased()) == .malformed)
        #expect(keyring().verify("  " + text + "\n") == .valid(token()))
    }

    @Test func aTokenSignedByARetiredKeyIsUnknownKey() throws {
        let text = try token().signed(with: key)
        #expect(keyring(retired: true).verify(text) == .retiredKey(3))
    }

    @Test func aTokenFromAnotherKeyOrCommunityIsForged() throws {
        let stranger = try token().signed(with: Curve25519.Signing.PrivateKey())
        #expect(keyring().verify(stranger) == .forged)
        var other = token()
        other.communityID = "other-estate"
        #expect(keyring().verify(try other.signed(with: key)) == .forged)
    }

    @Test func tokensCarryNoPersonalData() throws {
        let text = try token().signed(with: key)
        let bytes = try #require(Base45.decode(text.dropFirst(4)))
        // Everything in the signed part is accounted for by the documented fields.
        #expect(bytes.count == 23 + "demo-gardens".utf8.count + 64)
        let readable = String(decoding: bytes.filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)
        #expect(readable.contains("demo-gardens"))
        guard case .success(let parsed) = CardToken.parse(text) else { Issue.record("parse failed"); return }
        #expect(parsed.token == token())
    }
}
