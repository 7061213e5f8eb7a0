import Foundation
import Testing
@testable import Access

@Suite struct APITokenTests {
    @Test func mintedTokensAreWellFormedAndUnique() {
        let tokens = (0..<200).map { _ in APIToken.mint() }
        #expect(Set(tokens.map(\.secret)).count == 200)
        for token in tokens {
            #expect(APIToken.isWellFormed(token.secret))
            #expect(token.secret.hasPrefix("cpd_"))
            #expect(APIToken.isDigest(token.digest))
            #expect(token.digest == APIToken.digest(of: token.secret))
        }
    }

    @Test func digestIsSHA256Hex() {
        // SHA-256("abc") from FIPS 180-2.
        #expect(APIToken.digest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test(arguments: ["", "cpd_", "cpd_short", "xyz_" + String(repeating: "a", count: 43),
                      "cpd_" + String(repeating: "a", count: 42) + "!", "cpd_" + String(repeating: "a", count: 44)])
    func malformedTokensAreRejectedBeforeAnyLookup(text: String) {
        #expect(!APIToken.isWellFormed(text))
    }

    @Test func digestsFromConfigMustBeLowercaseHex() {
        #expect(APIToken.isDigest(String(repeating: "a", count: 64)))
        #expect(!APIToken.isDigest(String(repeating: "A", count: 64)))
        #expect(!APIToken.isDigest(String(repeating: "a", count: 63)))
        #expect(!APIToken.isDigest("cpd_" + String(repeating: "a", count: 60)))
    }

    @Test func rolesParseCaseInsensitivelyAndAdmitOnlyListedRoles() {
        #expect(Role(name: "Security") == .security)
        #expect(Role(name: "root") == nil)
        let staff = Principal(kind: .token, id: "1", name: "desk", role: .staff)
        #expect(staff.isAllowed([.staff, .device]))
        #expect(!staff.isAllowed([.admin]))
    }
}

@Suite struct PasswordHashTests {
    @Test func hashesVerifyOnlyTheirPasswordAndNeverContainIt() throws {
        let hash = try PasswordHash.make("correct horse battery", parameters: .testing)
        #expect(hash.hasPrefix("scrypt$1024$8$1$"))
        #expect(!hash.contains("correct horse"))
        #expect(PasswordHash.verify("correct horse battery", against: hash))
        #expect(!PasswordHash.verify("correct horse batterz", against: hash))
        #expect(!PasswordHash.verify("x", against: "scrypt$bad"))
        #expect(try PasswordHash.make("correct horse battery", parameters: .testing) != hash)
        #expect(PasswordHash.problem(with: "short") != nil)
    }
}
