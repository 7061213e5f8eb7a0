import Access
import Cards
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The shared frame of the staff pages: plain HTML that works on a cheap tablet, no framework.
enum PageLayout {
    static func page(title: String, community: String, user: String?, role: Role? = nil, csrf: String? = nil, body: String,
                     script: String? = nil, wide: Bool = false) -> Response {
        let e = HTMLText.escape
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title)) · \(e(community))</title>
            """
        if let csrf { html += "<meta name=\"csrf-token\" content=\"\(e(csrf))\">" }
        html += "<link rel=\"stylesheet\" href=\"/static/staff.css\"></head><body\(wide ? " class=\"wide\"" : "")>"
        html += "<header><strong>\(e(community))</strong> · checkpointd"
        if let user {
            html += """
                <nav>\(links(for: role))
                <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(e(csrf ?? ""))">
                <button type="submit" class="link">Sign out \(e(user))</button></form></nav>
                """
        }
        html += "</header><main>\(body)</main>"
        if let script { html += "<script src=\"/static/\(script)\"></script>" }
        html += "</body></html>"
        return Response(status: .ok, headers: htmlHeaders, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pages the signed-in person may open: gate staff the gate's, the security centre its own, admins all.
    static func links(for role: Role?) -> String {
        let gate = #"<a href="/scan">Scan</a> <a href="/lane">Lane</a> <a href="/cards/new">Issue card</a> <a href="/cards">Find card</a>"#
        let security = #"<a href="/security">Security</a>"#
        switch role {
        case .staff: return gate
        case .security: return security
        default: return gate + " " + security
        }
    }

    static var htmlHeaders: HTTPFields {
        [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func errorBox(_ message: String?) -> String {
        guard let message else { return "" }
        return "<p class=\"error\" role=\"alert\">\(HTMLText.escape(message))</p>"
    }

    static let css = """
        *{box-sizing:border-box}body{margin:0;font:18px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#111}
        header{background:#1d3557;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
        header nav{margin-left:auto;display:flex;gap:1em;align-items:center}header a{color:#fff}
        main{max-width:960px;margin:0 auto;padding:1em}
        form.inline{display:inline}button.link{background:none;border:0;color:#fff;text-decoration:underline;font:inherit;cursor:pointer;padding:0}
        label{display:block;margin:.5em 0 .2em;font-weight:600}
        input,select{font:inherit;padding:.5em;width:100%;border:1px solid #999;border-radius:6px}
        label.choice{display:inline-flex;gap:.4em;align-items:center;font-weight:400;margin-right:1.2em}label.choice input{width:auto}
        .row{display:flex;gap:.8em;flex-wrap:wrap}.row>div{flex:1;min-width:8em}
        button.primary{font:inherit;font-weight:700;background:#1d3557;color:#fff;border:0;border-radius:6px;padding:.7em 1.4em;margin-top:1em;cursor:pointer}
        button.danger{background:#b00020}
        section{background:#fff;border-radius:10px;padding:1em 1.2em;margin:1em 0;box-shadow:0 1px 3px #0002}
        .error{background:#ffe3e3;color:#8b0000;padding:.6em 1em;border-radius:6px}
        #scan-input{font-size:1.4em;padding:.7em}
        .verdict{font-size:3em;font-weight:800;text-align:center;padding:.5em;border-radius:12px;margin:.5em 0;color:#fff}
        .verdict.allow{background:#1b873f}.verdict.deny{background:#b00020}.verdict.alert{background:#e65100;animation:blink 1s step-start infinite}
        .verdict.idle{background:#888}@keyframes blink{50%{opacity:.6}}
        .reason{font-size:1.3em;text-align:center}.holder{font-size:1.5em;text-align:center;font-weight:600}
        table{width:100%;border-collapse:collapse;background:#fff}td,th{padding:.35em .5em;border-bottom:1px solid #ddd;text-align:left;font-size:.9em}
        td.allow,td.allowed{color:#1b873f;font-weight:700}td.deny,td.denied{color:#b00020;font-weight:700}td.alert{color:#e65100;font-weight:700}
        td.flagged{color:#9a6700;font-weight:700}tr.entry.alert{background:#fff1e6}tr.entry.flagged{background:#fffbe6}
        img.thumb{width:160px;height:90px;object-fit:cover;border-radius:4px;display:block}td.plate{font-weight:700;white-space:nowrap}
        .plate-colour{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.8em;font-weight:600;border:1px solid #888;text-transform:none}
        .plate-colour.blue{background:#1746a2;color:#fff}.plate-colour.yellow{background:#f2c200;color:#000}
        .plate-colour.green{background:linear-gradient(#e8f5e9,#2e9d4f);color:#000}.plate-colour.white{background:#fff;color:#000}
        .plate-colour.black{background:#111;color:#fff}
        body.wide main{max-width:1600px}.figures{display:flex;gap:2em;flex-wrap:wrap;align-items:center}.figure{font-size:2em;font-weight:800}
        button.small{font:inherit;font-size:.8em;padding:.3em .8em;border-radius:6px;border:1px solid #999;background:#fff;cursor:pointer}
        .split{display:flex;gap:2em;flex-wrap:wrap}.split>div{flex:1;min-width:20em}
        article.alert{display:flex;gap:1em;align-items:flex-start;padding:.7em;margin:.5em 0;border-radius:8px;border-left:10px solid #888;background:#fafafa}
        article.alert.critical{border-color:#b00020;background:#ffe9ec}article.alert.warning{border-color:#e65100;background:#fff4e5}
        article.alert.info{border-color:#1d3557}article.alert.acked{opacity:.75}article.alert.cleared{opacity:.55}
        article.alert.critical:not(.acked){animation:blink 1s step-start infinite}
        article.alert .what{flex:1}article.alert .title{display:flex;gap:.6em;font-weight:800;text-transform:capitalize}
        article.alert .sev{text-transform:none}.critical .sev{color:#b00020}.warning .sev{color:#e65100}
        article.alert .meta{color:#555;font-size:.85em}article.alert .actions{display:flex;flex-direction:column;gap:.4em;min-width:12em}
        article.alert .actions button{margin:0}article.alert .repeats,article.alert .escalated{color:#b00020}
        tr.camera.offline td.cam-state,tr.camera.frozen td.cam-state{color:#b00020;font-weight:700}
        .live-status{font-weight:700;padding:.1em .5em;border-radius:4px}.live-status.live{background:#1b873f;color:#fff}.live-status.down{background:#888;color:#fff}
        .card{width:85.6mm;height:53.98mm;border:1px solid #333;border-radius:3mm;padding:3mm;display:flex;gap:3mm;background:#fff;font-size:9pt;line-height:1.25}
        .card .qr{width:44mm;height:44mm;flex:none}.card .qr svg{width:100%;height:100%}
        .card h2{font-size:11pt;margin:0 0 1mm}.card .name{font-size:12pt;font-weight:700}.card .cat{text-transform:uppercase;font-weight:700;letter-spacing:.05em}
        .card .id{font-family:monospace;font-size:7pt;color:#555}
        @media print{header,nav,.noprint{display:none}body{background:#fff}main{padding:0}@page{size:auto;margin:10mm}}
        """
}
