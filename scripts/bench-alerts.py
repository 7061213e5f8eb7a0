#!/usr/bin/env python3
"""Alert fan-out and outbox throughput of a running checkpointd (release build), printed as Markdown.

Usage: scripts/bench-alerts.py BIN_DIR [--clients 50] [--alerts 100] [--deliveries 300]

Starts its own daemon on loopback (temporary state), a webhook receiver of its own, and:
  * fan-out: CLIENTS server-sent-event clients follow /api/v1/alerts/stream; ALERTS watchlisted plates are
    pushed as plate_read events one after another; for each alert and client, the time from sending the event
    to that client reading the alert on its stream (the whole path: event → decision → commit → stream).
  * outbox: DELIVERIES watchlisted plates pushed at once; each opens a case whose webhook delivery is signed
    and posted to the receiver; deliveries per second from the first event to the last delivery received.
Only the standard library; loopback only; every wait is bounded.
"""
import argparse, http.client, http.server, json, os, socket, statistics, subprocess, sys, tempfile, threading, time
from datetime import datetime, timezone


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))] if v else float("nan")


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port):
        self.keys, self.lock, self.last = set(), threading.Lock(), 0.0
        super().__init__(("127.0.0.1", port), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.keys.add(self.headers.get("Idempotency-Key"))
            self.server.last = time.monotonic()
        self.send_response(202); self.send_header("Content-Length", "0"); self.end_headers()

    def log_message(self, *args):
        pass


class StreamClient(threading.Thread):
    """Follows the alert stream on a raw socket and notes when each plate's `raised` event arrives."""

    def __init__(self, port, token):
        super().__init__(daemon=True)
        self.seen, self.ready = {}, threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.sock.sendall(("GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                           "Authorization: Bearer %s\r\n\r\n" % token).encode())

    def run(self):
        buffer = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.monotonic()
            buffer += chunk
            if not self.ready.is_set() and b"stream open" in buffer:
                self.ready.set()
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        item = json.loads(line[6:])
                        if item.get("event") == "raised":
                            message = item["alert"]["message"]
                            self.seen.setdefault(message.split(" ", 1)[0], now)
                    # Chunk-size lines of the chunked encoding are neither fields nor data: skipped.


def request(port, method, path, token, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    response = conn.getresponse(); data = response.read(); conn.close()
    return response.status, data


def plate_event(n, plate):
    return {"event_id": "bench-%d" % n, "device_id": "bench", "checkpoint": "main-gate", "lane": "L%d" % n,
            "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "kind": "plate_read", "plate": plate, "confidence": 0.97}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--alerts", type=int, default=100)
    ap.add_argument("--deliveries", type=int, default=300)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="checkpointd-alerts.")
    port, receiver_port = free_port(), free_port()
    secret = "bench-webhook-secret-0123456789"
    open(os.path.join(work, "ops.secret"), "w").write(secret)
    plates = ["粤B%05d" % i for i in range(1, args.alerts + args.deliveries + 1)]
    with open(os.path.join(work, "watchlist.csv"), "w") as f:
        f.write("kind,value,reason,severity,valid_until\n")
        for plate in plates:
            f.write("plate,%s,bench,critical,\n" % plate)
    config = os.path.join(work, "checkpointd.yaml")
    with open(config, "w") as f:
        f.write("listen: {address: 127.0.0.1, port: %d}\nstate_directory: state\n"
                "community: {id: bench, name: Bench, timezone: Asia/Shanghai}\nlog_level: warning\n"
                "store: {synchronous: normal}\n"
                "cases:\n  targets:\n    - {name: ops, kind: webhook, url: 'http://127.0.0.1:%d/hook', secret_file: ops.secret}\n"
                % (port, receiver_port))
    subprocess.run([os.path.join(args.bin, "checkpoint"), "watchlist", "import", os.path.join(work, "watchlist.csv"),
                    "--config", config], check=True, stdout=subprocess.DEVNULL)
    receiver = Receiver(receiver_port)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    log = open(os.path.join(work, "daemon.log"), "w")
    daemon = subprocess.Popen([os.path.join(args.bin, "checkpointd"), "--config", config], stderr=log, stdout=log)
    try:
        for _ in range(200):
            try:
                if http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz") is None:
                    break
            except OSError:
                time.sleep(0.1)
        time.sleep(0.5)
        token = open(os.path.join(work, "state", "bootstrap-admin.token")).read().strip()

        # Fan-out.
        clients = [StreamClient(port, token) for _ in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.ready.wait(30)
        sent = {}
        for n, plate in enumerate(plates[:args.alerts]):
            sent[plate] = time.monotonic()
            status, body = request(port, "POST", "/api/v1/events", token, plate_event(n, plate))
            if status != 201:
                sys.exit("event refused: %s %s" % (status, body[:200]))
            time.sleep(0.02)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(len(c.seen) < args.alerts for c in clients):
            time.sleep(0.1)
        latencies = [(c.seen[p] - sent[p]) * 1000 for c in clients for p in sent if p in c.seen]
        missing = args.clients * args.alerts - len(latencies)
        for c in clients:
            c.sock.close()

        # Outbox throughput: the fan-out's cases are delivered by now; count from here.
        time.sleep(1)
        before = len(receiver.keys)
        start = time.monotonic()
        threads = []
        batch = plates[args.alerts:]
        def push(chunk, offset):
            for i, plate in enumerate(chunk):
                request(port, "POST", "/api/v1/events", token, plate_event(100000 + offset + i, plate))
        for k in range(4):
            chunk = batch[k::4]
            t = threading.Thread(target=push, args=(chunk, k * 10000)); t.start(); threads.append(t)
        for t in threads:
            t.join()
        posted = time.monotonic() - start
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(receiver.keys) - before < args.deliveries:
            time.sleep(0.05)
        delivered = len(receiver.keys) - before
        wall = receiver.last - start

        print("## Alerts: fan-out to %d live clients and outbox throughput" % args.clients)
        print()
        print("Release build, this machine; the clients (Python threads) and the receiver share its cores with the daemon.")
        print()
        print("| clients | alerts | deliveries to clients | missed | event sent → on every stream p50 ms | p99 ms | max ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        print("| %d | %d | %d | %d | %.1f | %.1f | %.1f |" % (args.clients, args.alerts, len(latencies), missing,
              pct(latencies, 50), pct(latencies, 99), max(latencies) if latencies else float("nan")))
        print()
        print("| cases opened | webhook deliveries received | events posted in s | first event → last delivery s | deliveries/s |")
        print("|---:|---:|---:|---:|---:|")
        print("| %d | %d | %.2f | %.2f | %.1f |" % (args.deliveries, delivered, posted, wall, delivered / wall if wall > 0 else 0))
        print()
    finally:
        daemon.terminate()
        try:
            daemon.wait(20)
        except subprocess.TimeoutExpired:
            daemon.kill()
        receiver.shutdown()


if __name__ == "__main__":
    main()
