/// The scan page's script: keeps the input focused for a USB scanner (keyboard wedge:
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
            const r = await fetch('/api/v1/entries?checkpoint=' + encodeURIComponent(checkpoint) + '&lane=' + encodeURIComponent(lane) + '&limit=20',
                                  { credentials: 'same-origin' });
            if (!r.ok) return;
            const data = await r.json();
            entries.replaceChildren(...data.entries.map(e => {
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
}
