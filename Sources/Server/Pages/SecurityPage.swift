import Access
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store

/// The security centre's page, made for a wall display: the live alert list (colour and sound by severity,
/// picture, plate, reasons, one-click acknowledge and open case), the case figures, camera health and failed
/// deliveries. It follows `/api/v1/alerts/stream` and merges by alert id, so a server restart (the browser
/// reconnects with Last-Event-ID) neither loses nor doubles a row.
struct SecurityPage {
    let dependencies: ServerDependencies
    static let roles: Set<Role> = [.security, .admin]

    func register(on router: Router<APIRequestContext>) {
        router.get("/static/security.js") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: SecurityScript.page)))
        }
        router.get("/security") { request, _ -> Response in
            guard let session = try await WebSessions.current(request, store: dependencies.store) else { return PageLayout.redirect("/login") }
            guard Self.roles.contains(session.user.role) else {
                throw APIError.forbidden("the \(session.user.role.rawValue) role cannot use the security page")
            }
            let admin = session.user.role == .admin
            let body = """
                <section class="figures" id="figures"><div><span class="figure" id="fig-open">–</span> open cases</div>
                <div><span class="figure" id="fig-ack">–</span> median to acknowledge</div>
                <div><span class="figure" id="fig-close">–</span> median to close</div>
                <div><span class="figure" id="fig-rate">–</span> closure rate (7 days)</div>
                <div><button type="button" id="sound-toggle" class="small">Sound: off</button>
                <span id="live-status" class="live-status down" aria-live="polite">connecting…</span></div></section>
                <section><h1>Alerts</h1><div id="alert-list" data-admin="\(admin)" aria-live="polite"></div></section>
                <section class="split"><div><h2>Cameras</h2><table><thead><tr><th>Camera</th><th>Checkpoint</th><th>State</th><th>fps</th></tr></thead>
                <tbody id="camera-rows"></tbody></table></div>
                <div><h2>Deliveries that failed</h2><table><thead><tr><th>Case</th><th>To</th><th>Why</th><th></th></tr></thead>
                <tbody id="failed-rows"></tbody></table></div></section>
                """
            return PageLayout.page(title: "Security centre", community: dependencies.cards.currentSettings.communityName,
                                   user: session.user.name, role: session.user.role, csrf: session.csrf, body: body, script: "security.js", wide: true)
        }
    }
}

/// The security page's script: list, then follow the alert log; acknowledge and open cases through the API.
enum SecurityScript {
    static let page = #"""
        (function () {
          const csrf = document.querySelector('meta[name="csrf-token"]').content;
          const list = document.getElementById('alert-list');
          const status = document.getElementById('live-status');
          const soundButton = document.getElementById('sound-toggle');
          const admin = list.dataset.admin === 'true';
          const rows = new Map();
          let last = null, source = null, audio = null, sound = false;
          function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
          function when(t) { return new Date(t).toLocaleString(); }
          function minutes(s) { return s == null ? '–' : (s < 120 ? Math.round(s) + ' s' : Math.round(s / 60) + ' min'); }
          soundButton.addEventListener('click', () => {
            sound = !sound; soundButton.textContent = 'Sound: ' + (sound ? 'on' : 'off');
            if (sound && !audio) audio = new (window.AudioContext || window.webkitAudioContext)();
          });
          function beep(severity) {
            if (!sound || !audio) return;
            const tones = severity === 'critical' ? [880, 660, 880, 660] : severity === 'warning' ? [660, 660] : [520];
            tones.forEach((f, i) => {
              const o = audio.createOscillator(), g = audio.createGain();
              o.frequency.value = f; o.connect(g); g.connect(audio.destination);
              const t = audio.currentTime + i * 0.25; g.gain.setValueAtTime(0.2, t); o.start(t); o.stop(t + 0.2);
            });
          }
          async function call(method, url, body) {
            const r = await fetch(url, { method: method, credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: body ? JSON.stringify(body) : undefined });
            const data = await r.json().catch(() => ({}));
            if (!r.ok) throw new Error((data.error && data.error.message) || ('HTTP ' + r.status));
            return data;
          }
          function render(a) {
            let row = rows.get(a.id);
            if (!row) {
              row = el('article', ''); row.id = 'alert-' + a.id; rows.set(a.id, row);
              const newer = [...list.children].find(c => Number(c.id.slice(6)) < a.id);
              list.insertBefore(row, newer || null);
            }
            row.className = 'alert ' + a.severity + (a.acknowledged_at ? ' acked' : '') + (a.cleared_at ? ' cleared' : '');
            row.replaceChildren();
            if (a.snapshot) { const img = el('img', 'thumb'); img.src = a.snapshot; img.alt = 'picture'; img.loading = 'lazy'; row.append(img); }
            const main = el('div', 'what');
            const title = el('div', 'title');
            title.append(el('span', 'sev', a.severity.toUpperCase()), el('span', 'kind', a.kind.replace(/_/g, ' ')));
            if (a.repeats > 1) title.append(el('span', 'repeats', '×' + a.repeats));
            if (a.escalations > 0) title.append(el('span', 'escalated', 'escalated ' + a.escalations + '×'));
            // The plate's colour, when told: a patrol looking for the car looks for a green (new-energy) or yellow plate.
            const colour = a.evidence && a.evidence.plate_colour;
            if (colour) title.append(el('span', 'plate-colour ' + colour, colour + ' plate'));
            main.append(title, el('div', 'message', a.message));
            const where = [a.checkpoint, a.lane ? 'lane ' + a.lane : null, a.camera_id].filter(Boolean).join(' · ');
            main.append(el('div', 'meta', when(a.raised_at) + (where ? ' · ' + where : '')));
            const state = el('div', 'state');
            if (a.acknowledged_at) state.append(el('span', 'ack', 'acknowledged by ' + a.acknowledged_by + (a.acknowledgement_note ? ': ' + a.acknowledgement_note : '')));
            if (a.case_id) state.append(el('span', 'case', ' case #' + a.case_id));
            if (a.cleared_at) state.append(el('span', 'cleared', ' ended ' + when(a.cleared_at)));
            main.append(state);
            const actions = el('div', 'actions');
            if (!a.acknowledged_at) {
              const note = el('input', 'note'); note.placeholder = 'note (optional)'; note.maxLength = 1000;
              const ack = el('button', 'primary ack-button', 'Acknowledge'); ack.type = 'button';
              ack.addEventListener('click', async () => {
                ack.disabled = true;
                try { render(await call('POST', '/api/v1/alerts/' + a.id + '/ack', { note: note.value })); refreshFigures(); }
                catch (e) { ack.disabled = false; alert(e.message); }
              });
              actions.append(note, ack);
            }
            if (!a.case_id) {
              const open = el('button', 'case-button', 'Open case'); open.type = 'button';
              open.addEventListener('click', async () => {
                open.disabled = true;
                try { await call('POST', '/api/v1/alerts/' + a.id + '/case', { note: '' }); refreshFigures(); }
                catch (e) { open.disabled = false; alert(e.message); }
              });
              actions.append(open);
            }
            row.append(main, actions);
          }
          function setStatus(text, cls) { status.textContent = text; status.className = 'live-status ' + cls; }
          function follow() {
            source = new EventSource('/api/v1/alerts/stream' + (last !== null ? '?after=' + last : ''));
            source.onopen = () => setStatus('live', 'live');
            source.addEventListener('alert', ev => {
              const item = JSON.parse(ev.data);
              last = Math.max(last || 0, Number(ev.lastEventId));
              render(item.alert);
              if (item.announce) beep(item.alert.severity);
              if (item.event !== 'repeated') refreshFigures();
            });
            source.onerror = () => {
              if (source.readyState === EventSource.CLOSED) { setStatus('disconnected; retrying', 'down'); setTimeout(follow, 5000); }
              else setStatus('reconnecting…', 'down');
            };
          }
          async function refreshFigures() {
            try {
              const s = await call('GET', '/api/v1/stats/cases');
              document.getElementById('fig-open').textContent = s.total.open;
              document.getElementById('fig-ack').textContent = minutes(s.total.median_seconds_to_acknowledge);
              document.getElementById('fig-close').textContent = minutes(s.total.median_seconds_to_close);
              document.getElementById('fig-rate').textContent = Math.round(s.total.closure_rate * 100) + ' %';
            } catch (e) { /* shown again at the next change */ }
          }
          async function refreshPanels() {
            try {
              const c = await call('GET', '/api/v1/cameras');
              document.getElementById('camera-rows').replaceChildren(...c.cameras.map(cam => {
                const tr = el('tr', 'camera ' + cam.state);
                tr.append(el('td', '', cam.name || cam.id), el('td', '', cam.checkpoint), el('td', 'cam-state', cam.state), el('td', '', cam.fps_in.toFixed(1)));
                return tr;
              }));
              const o = await call('GET', '/api/v1/outbox?state=failed&limit=20');
              document.getElementById('failed-rows').replaceChildren(...o.deliveries.map(d => {
                const tr = el('tr', '');
                const cell = el('td', '');
                if (admin) {
                  const b = el('button', 'small', 'Retry'); b.type = 'button';
                  b.addEventListener('click', async () => { b.disabled = true; try { await call('POST', '/api/v1/outbox/' + d.id + '/retry'); refreshPanels(); } catch (e) { b.disabled = false; alert(e.message); } });
                  cell.append(b);
                }
                tr.append(el('td', '', '#' + d.case_id), el('td', '', d.target), el('td', '', d.last_error || ''), cell);
                return tr;
              }));
            } catch (e) { /* next round */ }
          }
          async function start() {
            try {
              const data = await call('GET', '/api/v1/alerts?limit=50');
              data.alerts.reverse().forEach(render);
              last = data.last_event_id;
            } catch (e) { setStatus('cannot list alerts: ' + e.message, 'down'); }
            follow();
            refreshFigures();
            refreshPanels();
            setInterval(refreshPanels, 10000);
          }
          start();
        })();
        """#
}
