import Access
import Crypto
import Foundation
import Registry
import Store
import Synchronization

/// Issues, renews, revokes and checks entry cards: the registry's one entry point
/// for the API, the pages and the CLI. It owns the signing keys; the store owns the rows.
public final class CardOffice: Sendable {
    public struct Settings: Sendable, Equatable {
        public var communityID: String
        /// Printed on cards and shown on pages.
        public var communityName: String
        public var policy: ScanPolicy

        public init(communityID: String, communityName: String, policy: ScanPolicy) {
            self.communityID = communityID
            self.communityName = communityName
            self.policy = policy
        }
    }

    private struct KeyState {
        var keyring: CardKeyring
        var signer: (id: UInt16, key: Curve25519.Signing.PrivateKey)
        var loadedAt: ContinuousClock.Instant
    }

    public let store: Store
    private let files: SigningKeyFiles
    private let settings: Mutex<Settings>
    private let keys: Mutex<KeyState>
    /// Keys may change under us (the CLI rotates while the daemon runs): re-read at most this often.
    private static let keyRefresh: Duration = .seconds(5)

    /// Opens the office, creating the first signing key when the store has none.
    public static func open(store: Store, stateDirectory: URL, settings: Settings) async throws(CardOfficeError) -> CardOffice {
        let files = SigningKeyFiles(stateDirectory: stateDirectory)
        return try await mapped {
            var stored = try await store.cardKeys()
            if !stored.contains(where: { !$0.isRetired }) {
                let id = (stored.map(\.id).max() ?? 0) + 1
                let key = try files.create(id)
                try await store.addCardKey(id: id, publicKey: key.publicKey.rawRepresentation, by: .system)
                stored = try await store.cardKeys()
            }
            let state = try Self.loadState(stored, files: files, communityID: settings.communityID)
            return CardOffice(store: store, files: files, settings: settings, state: state)
        }
    }

    /// Runs key and store work, reporting any failure as a `CardOfficeError`.
    private static func mapped<T>(_ body: () async throws -> T) async throws(CardOfficeError) -> T {
        do {
            return try await body()
        } catch let error as CardOfficeError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .keyUnavailable("\(error)")
        }
    }

    private init(store: Store, files: SigningKeyFiles, settings: Settings, state: KeyState) {
        self.store = store
        self.files = files
        self.settings = Mutex(settings)
        self.keys = Mutex(state)
    }

    private static func loadState(_ stored: [CardKeyring.Key], files: SigningKeyFiles, communityID: String) throws -> KeyState {
        guard let active = stored.filter({ !$0.isRetired }).max(by: { $0.id < $1.id }) else {
            throw CardOfficeError.keyUnavailable("no active signing key")
        }
        let key = try files.load(active.id)
        guard key.publicKey.rawRepresentation == active.publicKey.rawRepresentation else {
            throw CardOfficeError.keyUnavailable("key file \(files.url(for: active.id).path) does not match key \(active.id)")
        }
        return KeyState(keyring: CardKeyring(keys: stored, communityID: communityID),
                        signer: (active.id, key), loadedAt: .now)
    }

    /// Applies a reloaded configuration (time zone, anti-passback).
    public func update(_ new: Settings) { settings.withLock { $0 = new } }

    public var currentSettings: Settings { settings.withLock { $0 } }

    /// Re-reads keys from the store (after a rotation, or when a token names a key we do not know).
    public func refreshKeys() async throws(CardOfficeError) {
        let state = try await Self.mapped {
            try Self.loadState(try await store.cardKeys(), files: files, communityID: currentSettings.communityID)
        }
        keys.withLock { $0 = state }
    }

    public func keyring() async -> CardKeyring {
        let stale = keys.withLock { ContinuousClock.now - $0.loadedAt > Self.keyRefresh }
        if stale { try? await refreshKeys() }
        return keys.withLock { $0.keyring }
    }

    // MARK: Issuing

    /// What a new card should say; validated here so the API, pages and CLI share the rules.
    public struct CardRequest: Sendable {
        public var holderID: String
        public var category: CardCategory
        public var validFrom: Date
        public var validUntil: Date
        public var checkpoints: [String]
        public var allowedHours: AllowedHours?
        public var quota: Quota?

        public init(holderID: String, category: CardCategory, validFrom: Date, validUntil: Date,
                    checkpoints: [String] = [], allowedHours: AllowedHours? = nil, quota: Quota? = nil) {
            self.holderID = holderID
            self.category = category
            self.validFrom = validFrom
            self.validUntil = validUntil
            self.checkpoints = checkpoints
            self.allowedHours = allowedHours
            self.quota = quota
        }
    }

    public func issue(_ request: CardRequest, by actor: Principal, requestID: String? = nil) async throws(CardOfficeError) -> CardRecord {
        guard request.validUntil > request.validFrom else { throw .invalid("valid_until must be after valid_from") }
        guard request.validUntil > Date() else { throw .invalid("valid_until must be in the future") }
        guard request.validUntil.timeIntervalSince(request.validFrom) <= 10 * 366 * 86_400 else {
            throw .invalid("a card may be valid for at most 10 years")
        }
        if let quota = request.quota, !(1...1000).contains(quota.count) || !(1...366).contains(quota.days) {
            throw .invalid("quota needs 1–1000 passages per 1–366 days")
        }
        let (signerID, key) = keys.withLock { ($0.signer.id, $0.signer.key) }
        let community = currentSettings.communityID
        let card = EntryCard(id: CardToken.newCardID(), holderID: request.holderID, holderName: "",
                             unit: .init(building: "", room: ""), category: request.category,
                             validFrom: request.validFrom, validUntil: request.validUntil,
                             checkpoints: request.checkpoints, allowedHours: request.allowedHours,
                             quota: request.quota, generation: 1, keyID: signerID)
        do {
            return try await store.issueCard(card, sign: { card in try Self.token(for: card, community: community).signed(with: key) },
                                             by: actor, requestID: requestID)
        } catch {
            throw .store(error)
        }
    }

    /// A visitor pass in one step: the visitor as a holder at the host's unit, valid from now for `hours`.
    public func visitorPass(name: String, hostUnit: UnitAddress, phone: String?, plates: [String], hours: Int,
                            checkpoints: [String], by actor: Principal, requestID: String? = nil)
        async throws(CardOfficeError) -> (Holder, CardRecord)
    {
        guard (1...168).contains(hours) else { throw .invalid("a visitor pass lasts 1 to 168 hours") }
        let holder: Holder
        do {
            holder = try await store.createHolder(name: name, unit: hostUnit, phone: phone, plates: plates,
                                                  by: actor, requestID: requestID)
        } catch {
            throw .store(error)
        }
        let now = Date()
        let card = try await issue(CardRequest(holderID: holder.id, category: .visitor, validFrom: now.addingTimeInterval(-60),
                                               validUntil: now.addingTimeInterval(Double(hours) * 3600),
                                               checkpoints: checkpoints),
                                   by: actor, requestID: requestID)
        return (holder, card)
    }

    public func renew(id: String, validFrom: Date?, validUntil: Date, by actor: Principal,
                      requestID: String? = nil) async throws(CardOfficeError) -> CardRecord {
        guard validUntil > Date() else { throw .invalid("valid_until must be in the future") }
        let (signerID, key) = keys.withLock { ($0.signer.id, $0.signer.key) }
        let community = currentSettings.communityID
        do {
            return try await store.renewCard(id: id, validFrom: validFrom, validUntil: validUntil, sign: { card in
                var card = card
                card.keyID = signerID
                return try Self.token(for: card, community: community).signed(with: key)
            }, by: actor, requestID: requestID)
        } catch {
            throw .store(error)
        }
    }

    public func revoke(id: String, reason: String, by actor: Principal, requestID: String? = nil) async throws(CardOfficeError) -> CardRecord {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(reason.count) else { throw .invalid("a revocation needs a reason of 1 to 200 characters") }
        do { return try await store.revokeCard(id: id, reason: reason, by: actor, requestID: requestID) } catch { throw .store(error) }
    }

    static func token(for card: EntryCard, community: String) -> CardToken {
        CardToken(category: card.category, keyID: card.keyID, cardID: card.id, generation: card.generation,
                  validFrom: card.validFrom, validUntil: card.validUntil, communityID: community)
    }

    // MARK: Scanning

    /// Verifies the token (offline-capable part), then decides and records the scan.
    public func scan(_ request: ScanRequest, by actor: Principal, now: Date = Date()) async throws(CardOfficeError) -> ScanOutcome {
        var verification = await keyring().verify(request.token)
        if verification == .forged, case .success(let parsed) = CardToken.parse(request.token),
           !keys.withLock({ $0.keyring.keys.contains { $0.id == parsed.token.keyID } })
        {
            // A key id we have not seen may be a rotation made by another process.
            try? await refreshKeys()
            verification = keys.withLock { $0.keyring }.verify(request.token)
        }
        do {
            return try await store.recordScan(request, verification: verification, policy: currentSettings.policy,
                                              by: actor, now: now)
        } catch {
            throw .store(error)
        }
    }

    // MARK: Keys

    /// Adds a new signing key; new cards use it, existing cards keep verifying with theirs.
    public func rotateKey(by actor: Principal) async throws(CardOfficeError) -> UInt16 {
        try await Self.mapped {
            let stored = try await store.cardKeys()
            let id = (stored.map(\.id).max() ?? 0) + 1
            let key = try files.create(id)
            try await store.addCardKey(id: id, publicKey: key.publicKey.rawRepresentation, by: actor)
            try await refreshKeys()
            return id
        }
    }

    /// Retires a key: cards signed with it are refused as "signed by a retired key".
    public func retireKey(_ id: UInt16, by actor: Principal, requestID: String? = nil) async throws(CardOfficeError) {
        try await Self.mapped {
            try await store.retireCardKey(id: id, by: actor, requestID: requestID)
            try await refreshKeys()
        }
    }
}
