#!/usr/bin/env bash
# `make bench`: benchmarks against the release build, printed as Markdown tables.
# Each cell is the median of RUNS runs. The load generator (wrk) and the daemon
# share the machine's cores, so absolute numbers understate a dedicated server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
bin=$PWD/.build/release
work=$(mktemp -d /tmp/checkpointd-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { [[ -n ${pid:-} ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/checkpointd.yaml" <<YAML
listen: {address: 127.0.0.1, port: $port}
state_directory: state
community: {id: bench, name: Bench, timezone: Asia/Shanghai}
log_level: warning
YAML

"$bin/checkpointd" --config "$work/checkpointd.yaml" 2>"$work/daemon.log" &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
export CHECKPOINTD_TOKEN=$("$bin/checkpoint" token create --role staff --name bench --config "$work/checkpointd.yaml" 2>/dev/null)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# wrk_table URL SCRIPT: one table row per connection count, medians of $RUNS runs.
wrk_table() {
  local url=$1 script=$2
  echo "| connections | requests/s | p50 ms | p99 ms | errors |"
  echo "|---:|---:|---:|---:|---:|"
  for connections in 1 16 64; do
    local rps=() p50=() p99=() errs=0 line threads
    for _ in $(seq 1 "$RUNS"); do
      threads=$(( connections < 2 ? 1 : 2 ))
      line=$(wrk -t"$threads" -c"$connections" -d"${SECONDS_PER_RUN}s" --latency -s "$script" "$url" | grep '^RESULT')
      rps+=("$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")")
      p50+=("$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")")
      p99+=("$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")")
      errs=$((errs + $(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")))
    done
    printf "| %d | %.0f | %.2f | %.2f | %d |\n" "$connections" \
      "$(printf '%s\n' "${rps[@]}" | median)" "$(printf '%s\n' "${p50[@]}" | median)" \
      "$(printf '%s\n' "${p99[@]}" | median)" "$errs"
  done
  echo
}

echo "## HTTP: authenticated GET /api/v1/me (bearer token, SHA-256 + SQLite look-up per request)"
echo
echo "$(nproc) cores, wrk -t2 (-t1 for one connection), ${SECONDS_PER_RUN}s per run, median of $RUNS runs; wrk shares the cores with the daemon."
echo
wrk_table "http://127.0.0.1:$port/api/v1/me" bench/auth-get.lua

# Entry-card scans: 200 cards issued over the API, scanned round-robin, in then out.
export CHECKPOINTD_TOKENS_FILE="$work/card-tokens.txt"
admin=$(cat "$work/state/bootstrap-admin.token")
python3 - "$port" "$admin" "$CHECKPOINTD_TOKENS_FILE" <<'PY'
import json, sys, urllib.request
port, admin, out = sys.argv[1], sys.argv[2], sys.argv[3]
def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
tokens = []
for i in range(200):
    holder = post("/api/v1/holders", {"name": f"Bench Holder {i}", "unit": {"building": str(i // 20 + 1), "room": str(100 + i)}})
    card = post("/api/v1/cards", {"holder_id": holder["id"], "category": "resident", "valid_until": "2036-01-01T00:00:00Z"})
    tokens.append(card["token"])
open(out, "w").write("\n".join(tokens) + "\n")
PY
export CHECKPOINTD_TOKEN=$("$bin/checkpoint" token create --role device --name bench-reader --config "$work/checkpointd.yaml" 2>/dev/null)
token_length=$(head -1 "$CHECKPOINTD_TOKENS_FILE" | tr -d '\n' | wc -c)

echo "## Entry-card scans: POST /api/v1/scans (Ed25519 verify + decision + entry record, synchronous=FULL)"
echo
echo "200 cards round-robin, alternating in/out; scans arriving together share one SQLite commit (group commit)."
echo "QR token: $token_length characters (QR alphanumeric mode)."
echo
wrk_table "http://127.0.0.1:$port/api/v1/scans" bench/scan.lua

# Stop the daemon: the capture benchmarks want the cores to themselves.
kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=

# Capture: a 1080p25 H.264 clip at a camera-like 4 Mbit/s (testsrc2: synthetic, moving everywhere).
clip="$work/1080p25.mp4"
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 60 -c:v libx264 -preset veryfast \
  -b:v 4M -maxrate 4M -bufsize 8M -g 50 -bf 0 -pix_fmt yuv420p -movflags +faststart "$clip"

echo "## Capture: decoding 1080p25 H.264 on one core (libavcodec, 1 thread, as fast as it goes)"
echo
echo "| run | frames/s | × real time |"
echo "|---:|---:|---:|"
fps_runs=()
for run in $(seq 1 "$RUNS"); do
  fps=$("$bin/checkpoint" probe "$clip" --seconds 8 --threads 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fps"])')
  fps_runs+=("$fps")
  printf "| %d | %.0f | %.1f |\n" "$run" "$fps" "$(python3 -c "print($fps/25)")"
done
median_fps=$(printf '%s\n' "${fps_runs[@]}" | median)
printf "| **median** | **%.0f** | **%.1f** |\n\n" "$median_fps" "$(python3 -c "print($median_fps/25)")"

# N cameras, each its own RTSP connection to GStreamer's server on loopback (the file is sent as is).
rtsp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 scripts/rtsp-serve.py --port "$rtsp_port" --file "$clip" --seconds 600 >/dev/null 2>&1 &
rtsp_pid=$!
trap 'kill $rtsp_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$rtsp_port) 2>/dev/null && break; sleep 0.1; done

echo "## Capture: N cameras of 1080p25 H.264 over RTSP, analyse_fps 5, no-op analyser"
echo
echo "Each camera decodes every frame on its own thread; 3 s warm-up, then 12 s measured. A camera keeps up while"
echo "its fps in stays at 25 and it is not skipping frames. CPU is the capture process only (the RTSP server runs beside it)."
echo
echo "| cameras | fps in (min / mean) | fps analysed (mean) | drops | skipping | CPU cores | CPU per camera | RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for count in 1 4 8 12 16; do
  "$bin/checkpoint" bench cameras --url "rtsp://127.0.0.1:$rtsp_port/stream" --count "$count" --seconds 12 |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("| %d | %.1f / %.1f | %.1f | %d | %d | %.2f | %.1f %% | %.0f |" % (r["cameras"], r["fps_in_min"], r["fps_in_mean"], r["fps_analysed_mean"], r["drops"], r["skipping"], r["cpu_cores"], r["cpu_per_camera_percent"], r["rss_mib"]))'
done
echo

# Plate reading on the real photos in ../shared/data/plates/dev (never copied into the repo).
data=${PLATE_DATA:-../shared/data/plates/dev}
if [[ -d $data ]]; then
  echo "## Plate reader: \`checkpoint eval\` on every set in $data"
  echo
  echo "Release build, one thread; ms per image excludes JPEG decoding. Exact = the whole plate right."
  echo
  echo "| set | images | plates | exact | exact % | char % | detected % | unmatched reads | ms p50 | ms p95 |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row() {  # set folder, label, extra eval flags…
    local set=$1 name=$2; shift 2
    local region
    region=$(awk -F'\t' 'NR==2 {print $7}' "$set/labels.tsv")
    "$bin/checkpoint" eval "$set" --region "${region:-cn}" --json "$@" |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print("| %s | %d | %d | %d | %.1f | %.1f | %.1f | %d | %.1f | %.1f |" % (sys.argv[1], r["images"], r["plates"], r["exact"], 100*r["exact_accuracy"], 100*r["char_accuracy"], 100*r["detection_recall"], r["unmatched_reads"], r["ms_p50"], r["ms_p95"]))' "$name"
  }
  for set in "$data"/*/; do
    row "$set" "$(basename "$set")"
  done
  echo
  scenes() {  # title, label suffix, extra eval flags…: the scene sets (not the crops) again with other settings
    local title=$1 suffix=$2; shift 2
    echo "### $title"
    echo
    echo "| set | images | plates | exact | exact % | char % | detected % | unmatched reads | ms p50 | ms p95 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for set in "$data"/*/; do
      name=$(basename "$set")
      [[ $name == *crops ]] && continue
      row "$set" "$name$suffix" "$@"
    done
    echo
  }
  scenes "The same scenes with the detector at 768 px (cameras' \`detector_width\`): smaller plates, more CPU" " @768" --detector-width 768
  scenes "The same scenes with a second look on every frame (\`--second-look-below 1\`, 1.25× the width): more plates, about twice the CPU" ", two looks" --second-look-below 1
else
  echo "(no plate data at $data: set PLATE_DATA to a folder of labelled sets)"
fi

# Frame to record: the daemon reading the demo lane clip (file, played in real time) at analyse_fps 5.
clip=$work/lane.mp4
if scripts/make-demo-clip.sh "$clip" >/dev/null 2>&1; then
  lane=$work/lane
  mkdir -p "$lane/cameras"
  lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$lane/checkpointd.yaml" <<YAML
listen: {address: 127.0.0.1, port: $lport}
state_directory: state
community: {id: bench, name: Bench, timezone: Asia/Shanghai}
log_level: info
cameras_directory: cameras
YAML
  cat > "$lane/cameras/lane.yaml" <<YAML
id: lane
url: file:$clip
loop: true
checkpoint: main-gate
direction: in
analyse_fps: 5
plate_regions: [cn]
YAML
  seconds=${PASSAGE_SECONDS:-75}
  "$bin/checkpointd" --config "$lane/checkpointd.yaml" >"$lane/daemon.log" 2>&1 &
  lpid=$!
  sleep "$seconds"
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$lpid/stat")
  kill -TERM "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null || true
  echo "## Frame to record: the demo lane clip (1280×720 H.264, 4 vehicles per 24 s loop) at analyse_fps 5"
  echo
  echo "From the decoding of the plate's first frame, and of the frame that confirmed the plate, to the passage committed in SQLite; ${seconds} s of the daemon."
  echo
  grep 'passage latency' "$lane/daemon.log" | python3 -c '
import re, sys
first, confirming = [], []
for line in sys.stdin:
    f = re.search(r"first_frame_ms=(\d+)", line); c = re.search(r"confirming_frame_ms=(\d+)", line)
    if f and c: first.append(int(f.group(1))); confirming.append(int(c.group(1)))
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))] if v else float("nan")
print("| passages | first frame → record p50 ms | p95 ms | confirming frame → record p50 ms | p95 ms |")
print("|---:|---:|---:|---:|---:|")
print("| %d | %s | %s | %s | %s |" % (len(first), pct(first, 50), pct(first, 95), pct(confirming, 50), pct(confirming, 95)))
'
  echo
  echo "Frames analysed per second per core with the reader in the loop: $(python3 -c "print(round(5 * $seconds / max(0.01, $cpu), 1))") (5 fps analysed over ${seconds} s used ${cpu} s of CPU, decoding included)."
  echo
fi

# Alerts: fan-out to live security clients (SSE) and the outbox's delivery rate to a local webhook receiver.
python3 scripts/bench-alerts.py "$bin" --clients "${ALERT_CLIENTS:-50}" --alerts "${ALERT_COUNT:-100}" \
  --deliveries "${ALERT_DELIVERIES:-300}"
