import Access
import Cards
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Plates
import Registry
import Store

/// Server-rendered pages for checkpoint staff: sign in, scan, issue cards and visitor passes, print, revoke.
struct StaffPages {
    let dependencies: ServerDependencies
    let throttle = LoginThrottle()
    static let roles: Set<Role> = [.staff, .admin]

    var community: String { dependencies.cards.currentSettings.communityName }

    func register(on router: Router<APIRequestContext>) {
        router.get("/static/staff.css") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: PageLayout.css)))
        }
        router.get("/static/scan.js") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: StaffScript.scan)))
        }
        router.get("/static/lane.js") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: StaffScript.lane)))
        }
        router.get("/") { _, _ -> Response in PageLayout.redirect("/scan") }
        router.get("/lane") { request, _ -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let params = request.uri.queryParameters
            return lanePage(session, checkpoint: params["checkpoint"].map(String.init) ?? "main-gate",
                            lane: params["lane"].map(String.init) ?? "")
        }
        router.get("/login") { request, _ -> Response in loginPage(error: nil, request: request) }
        router.post("/login") { request, context -> Response in try await login(request, context) }
        router.post("/logout") { request, _ -> Response in
            if let session = try await WebSessions.current(request, store: dependencies.store),
               let value = request.cookies[WebSessions.cookieName]?.value
            {
                let form = try await Self.form(LogoutForm.self, request, limit: dependencies.maxBodyBytes)
                if WebSessions.equal(form.csrf, session.csrf) {
                    try await dependencies.store.deleteSession(digest: APIToken.digest(of: value))
                }
            }
            return PageLayout.redirect("/login", cookie: WebSessions.cookie("", maxAge: 0, secure: false))
        }
        router.get("/scan") { request, _ -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let params = request.uri.queryParameters
            return scanPage(session, checkpoint: params["checkpoint"].map(String.init) ?? "main-gate",
                            lane: params["lane"].map(String.init) ?? "1",
                            direction: params["direction"] == "out" ? "out" : "in")
        }
        router.get("/cards") { request, context -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            return try await searchPage(session, request: request, requestID: context.id)
        }
        router.get("/cards/new") { request, _ -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            return issuePage(session, error: nil)
        }
        router.post("/cards/new") { request, context -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let form = try await Self.form(IssueForm.self, request, limit: dependencies.maxBodyBytes)
            guard WebSessions.equal(form.csrf, session.csrf) else { throw APIError.forbidden("the form expired; reload the page") }
            do {
                let record = try await issue(form, session: session, requestID: context.id)
                return PageLayout.redirect("/cards/\(record.card.id)/print")
            } catch let error as APIError {
                return issuePage(session, error: error.message)
            }
        }
        router.post("/visitor-passes/new") { request, context -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let form = try await Self.form(VisitorForm.self, request, limit: dependencies.maxBodyBytes)
            guard WebSessions.equal(form.csrf, session.csrf) else { throw APIError.forbidden("the form expired; reload the page") }
            do {
                let hours = Int(form.hours) ?? 0
                let (_, record) = try await CardRoutes.run {
                    try await dependencies.cards.visitorPass(
                        name: try RegistryInput.name(form.name),
                        hostUnit: try RegistryJSON.Unit(building: form.building, entrance: form.entrance, room: form.room).validated("host_unit"),
                        phone: try RegistryInput.phone(form.phone),
                        plates: try RegistryInput.plates(form.plate.map { [$0] }.flatMap { $0 == [""] ? nil : $0 }),
                        hours: hours, checkpoints: [], by: session.user.principal, requestID: context.id)
                }
                return PageLayout.redirect("/cards/\(record.card.id)/print")
            } catch let error as APIError {
                return issuePage(session, error: error.message)
            }
        }
        router.get("/cards/:id/print") { request, context -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let record = try await CardRoutes.run {
                try await CardRoutes.card(id, office: dependencies.cards, by: session.user.principal, requestID: context.id)
            }
            return printPage(session, record)
        }
        router.post("/cards/:id/revoke") { request, context -> Response in
            guard let session = try await signedIn(request) else { return PageLayout.redirect("/login") }
            let id = try RegistryInput.cardID(try context.parameters.require("id"))
            let form = try await Self.form(RevokeForm.self, request, limit: dependencies.maxBodyBytes)
            guard WebSessions.equal(form.csrf, session.csrf) else { throw APIError.forbidden("the form expired; reload the page") }
            _ = try await CardRoutes.run {
                try await dependencies.cards.revoke(id: id, reason: form.reason, by: session.user.principal, requestID: context.id)
            }
            return PageLayout.redirect("/cards/\(id)/print")
        }
    }

    /// The signed-in staff member, or nil (the caller redirects to the sign-in page).
    func signedIn(_ request: Request) async throws -> WebSession? {
        guard let session = try await WebSessions.current(request, store: dependencies.store) else { return nil }
        guard Self.roles.contains(session.user.role) else {
            throw APIError.forbidden("the \(session.user.role.rawValue) role cannot use the staff pages")
        }
        return session
    }

    // MARK: Sign-in

    func loginPage(error: String?, request: Request) -> Response {
        let body = """
            <section style="max-width:420px;margin:3em auto"><h1>Sign in</h1>\(PageLayout.errorBox(error))
            <form method="post" action="/login" id="login-form">
            <label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <button class="primary" type="submit">Sign in</button></form></section>
            """
        var response = PageLayout.page(title: "Sign in", community: community, user: nil, body: body)
        if error != nil { response.status = .unauthorized }
        return response
    }

    func login(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await Self.form(LoginForm.self, request, limit: 8192)
        let name = form.user.trimmingCharacters(in: .whitespaces)
        if throttle.isLocked(name) {
            return loginPage(error: "Too many failed attempts for this user; wait 15 minutes or ask an administrator.", request: request)
        }
        guard let (user, hash) = try await dependencies.store.userForLogin(name: name),
              PasswordHash.verify(form.password, against: hash)
        else {
            throttle.fail(name)
            let actor = Principal(kind: .session, id: "anonymous", name: name.isEmpty ? "(empty)" : String(name.prefix(100)), role: .staff)
            try? await dependencies.store.audit(AuditEntry(actor: actor, action: "session.login", outcome: .denied, requestID: context.id))
            return loginPage(error: "Wrong user or password.", request: request)
        }
        throttle.succeed(name)
        let cookie = APIToken.mint()
        let csrf = APIToken.mint().secret
        let lifetime = dependencies.sessionLifetime
        try await dependencies.store.createSession(
            digest: cookie.digest, userID: user.id, csrf: csrf,
            expiresAt: Date().addingTimeInterval(Double(lifetime.components.seconds)),
            audit: AuditEntry(actor: user.principal, action: "session.login", requestID: context.id))
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
        // Security centre staff land on their page; gate staff and admins on the scan page.
        return PageLayout.redirect(user.role == .security ? "/security" : "/scan",
                                   cookie: WebSessions.cookie(cookie.secret, maxAge: Int(lifetime.components.seconds), secure: secure))
    }

    // MARK: Scan

    func scanPage(_ session: WebSession, checkpoint: String, lane: String, direction: String) -> Response {
        let e = HTMLText.escape
        let body = """
            <section><form id="scan-form" data-checkpoint="\(e(checkpoint))" data-lane="\(e(lane))" autocomplete="off">
            <div class="row"><div><label>Checkpoint</label><strong>\(e(checkpoint))</strong>, lane \(e(lane))</div>
            <div><label>Direction</label>
            <label class="choice"><input type="radio" name="direction" value="in"\(direction == "in" ? " checked" : "")> In</label>
            <label class="choice"><input type="radio" name="direction" value="out"\(direction == "out" ? " checked" : "")> Out</label></div></div>
            <label for="scan-input">Scan the card (or type its code and press Enter)</label>
            <input id="scan-input" name="token" autofocus spellcheck="false" autocapitalize="characters">
            </form>
            <form method="get" action="/scan" class="noprint" id="lane-form"><div class="row">
            <div><label for="lane-checkpoint">Set this tablet to checkpoint</label><input id="lane-checkpoint" name="checkpoint" value="\(e(checkpoint))"></div>
            <div><label for="lane-lane">lane</label><input id="lane-lane" name="lane" value="\(e(lane))"></div>
            <div><button class="primary" type="submit">Use</button></div></div></form>
            <div id="verdict" class="verdict idle" aria-live="assertive">READY</div>
            <div id="holder" class="holder"></div><div id="reason" class="reason" aria-live="polite"></div></section>
            <section><h2>Last 20 at this lane</h2><table><thead><tr><th>Time</th><th>Dir</th><th>Verdict</th><th>Holder</th><th>Unit</th><th>Reason</th></tr></thead>
            <tbody id="entries"></tbody></table></section>
            """
        return PageLayout.page(title: "Scan", community: community, user: session.user.name, role: session.user.role, csrf: session.csrf,
                               body: body, script: "scan.js")
    }

    // MARK: Lane

    /// The lane view: every passage at a checkpoint (or one lane) as it is decided, with its picture,
    /// plate, verdict and the reasons; the list comes from `/api/v1/entries` and follows its stream.
    func lanePage(_ session: WebSession, checkpoint: String, lane: String) -> Response {
        let e = HTMLText.escape
        let body = """
            <section id="lane" data-checkpoint="\(e(checkpoint))" data-lane="\(e(lane))">
            <form method="get" action="/lane" class="noprint" id="lane-view-form"><div class="row">
            <div><label for="lv-checkpoint">Checkpoint</label><input id="lv-checkpoint" name="checkpoint" value="\(e(checkpoint))"></div>
            <div><label for="lv-lane">Lane (empty: all)</label><input id="lv-lane" name="lane" value="\(e(lane))"></div>
            <div><button class="primary" type="submit">Show</button></div></div></form>
            <p>Passages at <strong>\(e(checkpoint))</strong>\(lane.isEmpty ? "" : ", lane " + e(lane)) ·
            <span id="live-status" class="live-status down" aria-live="polite">connecting…</span></p>
            <table><thead><tr><th>Picture</th><th>Time</th><th>Dir</th><th>Plate</th><th>Verdict</th><th>Registered as / card</th><th>Why</th></tr></thead>
            <tbody id="lane-rows"></tbody></table></section>
            """
        return PageLayout.page(title: "Lane", community: community, user: session.user.name, role: session.user.role, csrf: session.csrf,
                               body: body, script: "lane.js")
    }

    // MARK: Find

    /// Find a holder's cards by name, unit or plate (to reprint or revoke one). Each search is audited.
    func searchPage(_ session: WebSession, request: Request, requestID: String) async throws -> Response {
        let e = HTMLText.escape
        let params = request.uri.queryParameters
        let name = params["name"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let building = params["building"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let room = params["room"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let plate = PlateText.canonical(params["plate"].map(String.init) ?? "")
        var results = ""
        if !name.isEmpty || !building.isEmpty || !plate.isEmpty {
            var query = HolderQuery(limit: 50)
            if !name.isEmpty { query.name = name }
            if !building.isEmpty { query.building = building; if !room.isEmpty { query.room = room } }
            if !plate.isEmpty { query.plate = plate }
            let holders = try await dependencies.store.searchHolders(query, by: session.user.principal, requestID: requestID)
            var rows = ""
            let now = Date()
            for holder in holders {
                // The holder search above is the audited look-up; listing its cards adds no line per holder.
                let cards = try await dependencies.store.cards(CardQuery(holderID: holder.id, limit: 20), by: nil)
                for record in cards {
                    let card = record.card
                    rows += "<tr><td>\(e(holder.name))</td><td>\(e(holder.unit.description))</td><td>\(e(card.category.rawValue))</td>"
                        + "<td>\(e(Self.day(card.validUntil.addingTimeInterval(-1), zone: dependencies.cards.currentSettings.policy.timeZone)))</td>"
                        + "<td class=\"status\">\(e(CardStatus.of(card, now: now)))</td>"
                        + "<td><a href=\"/cards/\(e(card.id))/print\">print / revoke</a></td></tr>"
                }
                if cards.isEmpty {
                    rows += "<tr><td>\(e(holder.name))</td><td>\(e(holder.unit.description))</td><td colspan=\"4\">no cards</td></tr>"
                }
            }
            results = rows.isEmpty ? "<p>No holder matches.</p>"
                : "<table id=\"results\"><thead><tr><th>Holder</th><th>Unit</th><th>Category</th><th>Valid until</th><th>Status</th><th></th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        let body = """
            <section><h1>Find a card</h1><form method="get" action="/cards" id="search-form">
            <div class="row"><div><label for="s-name">Name</label><input id="s-name" name="name" value="\(e(name))"></div>
            <div><label for="s-building">Building</label><input id="s-building" name="building" value="\(e(building))"></div>
            <div><label for="s-room">Room</label><input id="s-room" name="room" value="\(e(room))"></div>
            <div><label for="s-plate">Plate</label><input id="s-plate" name="plate" value="\(e(plate))"></div></div>
            <button class="primary" type="submit">Search</button></form></section>
            <section>\(results)</section>
            """
        return PageLayout.page(title: "Find a card", community: community, user: session.user.name, role: session.user.role, csrf: session.csrf, body: body)
    }

    // MARK: Issue

    func issuePage(_ session: WebSession, error: String?) -> Response {
        let e = HTMLText.escape
        let csrf = e(session.csrf)
        let today = Self.day(Date())
        let nextYear = Self.day(Date().addingTimeInterval(365 * 86_400))
        let categories = CardCategory.allCases.filter { $0 != .visitor }
            .map { "<option value=\"\($0.rawValue)\">\($0.rawValue.capitalized)</option>" }.joined()
        let body = """
            \(PageLayout.errorBox(error))
            <section><h1>Visitor pass</h1><form method="post" action="/visitor-passes/new" id="visitor-form">
            <input type="hidden" name="csrf" value="\(csrf)">
            <div class="row"><div><label for="v-name">Visitor name</label><input id="v-name" name="name" required maxlength="100"></div>
            <div><label for="v-phone">Phone (optional)</label><input id="v-phone" name="phone" maxlength="20"></div>
            <div><label for="v-plate">Plate (optional)</label><input id="v-plate" name="plate" maxlength="16"></div></div>
            <div class="row"><div><label for="v-building">Host building</label><input id="v-building" name="building" required maxlength="20"></div>
            <div><label for="v-entrance">Entrance</label><input id="v-entrance" name="entrance" maxlength="20"></div>
            <div><label for="v-room">Room</label><input id="v-room" name="room" required maxlength="20"></div>
            <div><label for="v-hours">Valid for (hours)</label><input id="v-hours" name="hours" type="number" min="1" max="168" value="4" required></div></div>
            <button class="primary" type="submit">Issue visitor pass</button></form></section>
            <section><h1>Entry card</h1><form method="post" action="/cards/new" id="card-form">
            <input type="hidden" name="csrf" value="\(csrf)">
            <div class="row"><div><label for="name">Holder name</label><input id="name" name="name" required maxlength="100"></div>
            <div><label for="phone">Phone (optional)</label><input id="phone" name="phone" maxlength="20"></div>
            <div><label for="plates">Plates (optional, comma-separated)</label><input id="plates" name="plates" maxlength="100"></div></div>
            <div class="row"><div><label for="building">Building</label><input id="building" name="building" required maxlength="20"></div>
            <div><label for="entrance">Entrance</label><input id="entrance" name="entrance" maxlength="20"></div>
            <div><label for="room">Room</label><input id="room" name="room" required maxlength="20"></div>
            <div><label for="category">Category</label><select id="category" name="category">\(categories)</select></div></div>
            <div class="row"><div><label for="valid_from">Valid from</label><input id="valid_from" name="valid_from" type="date" value="\(today)" required></div>
            <div><label for="valid_until">Valid until</label><input id="valid_until" name="valid_until" type="date" value="\(nextYear)" required></div>
            <div><label for="hours">Allowed hours (optional)</label><input id="hours" name="allowed_hours" placeholder="06:00-22:00"></div>
            <div><label for="checkpoints">Checkpoints (optional, comma-separated)</label><input id="checkpoints" name="checkpoints"></div></div>
            <div class="row"><div><label for="quota_count">Quota: exits (optional)</label><input id="quota_count" name="quota_count" type="number" min="1" max="1000"></div>
            <div><label for="quota_days">per days</label><input id="quota_days" name="quota_days" type="number" min="1" max="366"></div></div>
            <button class="primary" type="submit">Issue card</button></form></section>
            """
        var response = PageLayout.page(title: "Issue card", community: community, user: session.user.name, role: session.user.role, csrf: session.csrf, body: body)
        if error != nil { response.status = .unprocessableContent }
        return response
    }

    func issue(_ form: IssueForm, session: WebSession, requestID: String) async throws -> CardRecord {
        let zone = dependencies.cards.currentSettings.policy.timeZone
        guard let from = Self.parseDay(form.validFrom, zone: zone), let untilDay = Self.parseDay(form.validUntil, zone: zone) else {
            throw APIError.invalid("enter the validity as dates")
        }
        let until = untilDay.addingTimeInterval(86_400)  // valid through the whole last day
        var hours: AllowedHours?
        if let text = form.allowedHours?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = AllowedHours(text) else { throw APIError.invalid("allowed hours must look like 06:00-22:00") }
            hours = value
        }
        var quota: Quota?
        if let count = form.quotaCount.flatMap({ Int($0) }) {
            guard let days = form.quotaDays.flatMap({ Int($0) }) else { throw APIError.invalid("a quota needs both exits and days") }
            quota = Quota(count: count, days: days)
        }
        let plates = form.plates?.split(separator: ",").map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let checkpoints = form.checkpoints?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let category = CardCategory(rawValue: form.category) else { throw APIError.invalid("choose a category") }
        let holder = try await dependencies.store.createHolder(
            name: try RegistryInput.name(form.name),
            unit: try RegistryJSON.Unit(building: form.building, entrance: form.entrance, room: form.room).validated("unit"),
            phone: try RegistryInput.phone(form.phone), plates: try RegistryInput.plates(plates),
            by: session.user.principal, requestID: requestID)
        return try await CardRoutes.run {
            try await dependencies.cards.issue(
                CardOffice.CardRequest(holderID: holder.id, category: category, validFrom: from, validUntil: until,
                                       checkpoints: try RegistryInput.checkpoints(checkpoints), allowedHours: hours, quota: quota),
                by: session.user.principal, requestID: requestID)
        }
    }

    // MARK: Print

    func printPage(_ session: WebSession, _ record: CardRecord) -> Response {
        let e = HTMLText.escape
        let card = record.card
        let zone = dependencies.cards.currentSettings.policy.timeZone
        let svg = (try? QRCode(record.token).svg(moduleSize: 4, title: "Entry card \(card.id)")) ?? ""
        var extra = ""
        if let hours = card.allowedHours { extra += "<div>Hours \(e(hours.description))</div>" }
        if !card.checkpoints.isEmpty { extra += "<div>At \(e(card.checkpoints.joined(separator: ", ")))</div>" }
        let status = CardStatus.of(card, now: Date())
        var body = """
            <section class="noprint"><p>Card <code>\(e(card.id))</code> · status <strong id="card-status">\(e(status))</strong>
            \(card.revokedReason.map { " — " + e($0) } ?? "")</p>
            <p><button class="primary" type="button" id="print-button" onclick="window.print()">Print</button>
            <a href="/api/v1/cards/\(e(card.id))/qr.png" download="card-\(e(card.id)).png">PNG for phones</a></p></section>
            <div class="card" id="printed-card"><div class="qr" id="card-qr">\(svg)</div><div>
            <h2>\(e(community))</h2><div class="cat">\(e(card.category.rawValue))</div>
            <div class="name">\(e(card.holderName))</div><div>\(e(card.unit.description))</div>
            <div>Valid \(e(Self.day(card.validFrom, zone: zone))) – \(e(Self.day(card.validUntil.addingTimeInterval(-1), zone: zone)))</div>
            \(extra)<div class="id">\(e(card.id))</div></div></div>
            """
        if card.revokedAt == nil {
            body += """
                <section class="noprint"><h2>Revoke this card</h2><form method="post" action="/cards/\(e(card.id))/revoke" id="revoke-form">
                <input type="hidden" name="csrf" value="\(e(session.csrf))">
                <label for="reason">Reason</label><input id="reason" name="reason" required maxlength="200">
                <button class="primary danger" type="submit">Revoke</button></form></section>
                """
        }
        // The print button's inline handler is blocked by the CSP; the script file is not needed for printing.
        body = body.replacingOccurrences(of: " onclick=\"window.print()\"", with: "")
        return PageLayout.page(title: "Card \(card.id)", community: community, user: session.user.name, role: session.user.role, csrf: session.csrf, body: body)
    }

    // MARK: Forms

    struct LoginForm: Decodable { let user: String; let password: String }
    struct LogoutForm: Decodable { let csrf: String }
    struct RevokeForm: Decodable { let csrf: String; let reason: String }
    struct VisitorForm: Decodable {
        let csrf: String, name: String, building: String, entrance: String?, room: String, hours: String
        let phone: String?, plate: String?
    }
    struct IssueForm: Decodable {
        let csrf: String, name: String, building: String, entrance: String?, room: String, category: String
        let validFrom: String, validUntil: String
        let phone: String?, plates: String?, allowedHours: String?, checkpoints: String?
        let quotaCount: String?, quotaDays: String?

        enum CodingKeys: String, CodingKey {
            case csrf, name, building, entrance, room, category, phone, plates, checkpoints
            case validFrom = "valid_from", validUntil = "valid_until", allowedHours = "allowed_hours"
            case quotaCount = "quota_count", quotaDays = "quota_days"
        }
    }

    static func form<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch { throw APIError.tooLarge(limit: limit) }
        do {
            return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer))
        } catch {
            throw APIError.badRequest("bad_form", "the form is incomplete; reload the page and try again")
        }
    }

    static func day(_ date: Date, zone: TimeZone = .current) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    static func parseDay(_ text: String, zone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }
}
