/// The staff pages' scripts. `scan`: keeps the input focused for a USB scanner (keyboard wedge:
/// the token then Enter), posts the scan, shows the verdict big, refreshes the lane's entries.
enum StaffScript {
    static let scan = #"""
        (function () {
          const csrf = document.querySelector('meta[name="csrf-token"]').content;
          const form = document.getElementById('scan-form');
          const input = document.getElementById('scan-input');
          const verdict = document.getElementById('verdict');
          const reason = document.getElementById('reason');
          const holder = document.getElementById('holder');
          const entries = document.getElementById('entries');
          const checkpoint = form.dataset.checkpoint, lane = form.dataset.lane;
          function focus() { if (document.activeElement !== input) input.focus(); }
          setInterval(focus, 1000); focus();
          function text(tag, value, cls) { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; }
          async function refresh() {
            const r = await fetch('/api/v1/scans?checkpoint=' + encodeURIComponent(checkpoint) + '&lane=' + encodeURIComponent(lane) + '&limit=20',
                                  { credentials: 'same-origin' });
            if (!r.ok) return;
            const data = await r.json();
            entries.replaceChildren(...data.scans.map(e => {
              const tr = document.createElement('tr');
              tr.append(text('td', new Date(e.at).toLocaleTimeString()), text('td', e.direction),
                        text('td', e.verdict.toUpperCase(), e.verdict), text('td', e.holder_name || '—'),
                        text('td', e.unit || ''), text('td', e.reason_message));
              return tr;
            }));
          }
          form.addEventListener('submit', async function (event) {
            event.preventDefault();
            const token = input.value.trim();
            input.value = '';
            if (!token) return;
            const direction = form.querySelector('input[name="direction"]:checked').value;
            verdict.className = 'verdict idle'; verdict.textContent = '…';
            try {
              const r = await fetch('/api/v1/scans', { method: 'POST', credentials: 'same-origin',
                headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
                body: JSON.stringify({ checkpoint: checkpoint, lane: lane, direction: direction, token: token }) });
              const data = await r.json();
              if (!r.ok) { verdict.className = 'verdict deny'; verdict.textContent = 'ERROR'; reason.textContent = data.error.message; holder.textContent = ''; return; }
              verdict.className = 'verdict ' + data.verdict;
              verdict.textContent = data.verdict.toUpperCase();
              reason.textContent = data.reason.message;
              holder.textContent = data.card ? data.card.holder.name + ' · ' + data.card.holder.unit + ' · ' + data.card.category : '';
              refresh();
            } catch (e) {
              verdict.className = 'verdict deny'; verdict.textContent = 'OFFLINE'; reason.textContent = 'The server did not answer. Check the network.';
            }
            focus();
          });
          refresh();
        })();
        """#

    /// The lane view: lists the lane's latest entry records, then follows them live over server-sent events.
    /// The browser resumes a dropped stream with `Last-Event-ID`; after a refusal (signed out, server gone)
    /// it opens a new stream after the last record shown, so nothing is missed or shown twice.
    static let lane = #"""
        (function () {
          const root = document.getElementById('lane');
          const rows = document.getElementById('lane-rows');
          const status = document.getElementById('live-status');
          const filter = 'checkpoint=' + encodeURIComponent(root.dataset.checkpoint)
            + (root.dataset.lane ? '&lane=' + encodeURIComponent(root.dataset.lane) : '');
          const limit = 50, shown = new Set();
          let last = null, source = null;
          function text(tag, value, cls) { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; }
          function row(e) {
            const tr = document.createElement('tr');
            tr.dataset.id = e.id; tr.className = 'entry ' + e.verdict;
            const picture = document.createElement('td');
            if (e.snapshot) {
              const img = document.createElement('img');
              img.src = e.snapshot; img.alt = 'picture of ' + (e.plate || 'the passage'); img.className = 'thumb'; img.loading = 'lazy';
              picture.append(img);
            }
            const plate = e.plate ? e.plate + (e.plate_confidence != null ? ' (' + Math.round(e.plate_confidence * 100) + '%)' : '') : '—';
            const who = e.registered_as || e.card_id || '';
            const plateCell = text('td', plate, 'plate');
            // A Chinese plate's colour tells its kind (green: new-energy, yellow: large vehicle): staff look for it.
            if (e.plate_colour) { plateCell.append(' ', text('span', e.plate_colour, 'plate-colour ' + e.plate_colour)); }
            tr.append(picture, text('td', new Date(e.at).toLocaleTimeString()), text('td', e.direction || ''),
                      plateCell, text('td', e.verdict.toUpperCase(), e.verdict), text('td', who),
                      text('td', e.reasons.map(r => r.message).join('; ')));
            return tr;
          }
          function add(e, newest) {
            if (shown.has(e.id)) return;
            shown.add(e.id);
            if (last === null || e.id > last) last = e.id;
            if (newest) rows.prepend(row(e)); else rows.append(row(e));
            while (rows.children.length > limit) { shown.delete(Number(rows.lastElementChild.dataset.id)); rows.lastElementChild.remove(); }
          }
          function setStatus(text, cls) { status.textContent = text; status.className = 'live-status ' + cls; }
          function follow() {
            source = new EventSource('/api/v1/entries/stream?' + filter + (last !== null ? '&after=' + last : ''));
            source.onopen = () => setStatus('live', 'live');
            source.addEventListener('entry', ev => add(JSON.parse(ev.data), true));
            source.onerror = () => {
              if (source.readyState === EventSource.CLOSED) {
                setStatus('disconnected; retrying (sign in again if this stays)', 'down');
                setTimeout(follow, 5000);
              } else {
                setStatus('reconnecting…', 'down');
              }
            };
          }
          async function start() {
            try {
              const r = await fetch('/api/v1/entries?' + filter + '&limit=' + limit, { credentials: 'same-origin' });
              if (r.ok) {
                const data = await r.json();
                data.entries.forEach(e => add(e, false));
                if (last === null) last = 0;
              }
            } catch (e) { /* the stream still starts */ }
            follow();
          }
          start();
        })();
        """#
}
