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

echo "## HTTP: authenticated GET /api/v1/me (bearer token, SHA-256 + SQLite look-up per request)"
echo
echo "$(nproc) cores, wrk -t2 (-t1 for one connection), ${SECONDS_PER_RUN}s per run, median of $RUNS runs; wrk shares the cores with the daemon."
echo
echo "| connections | requests/s | p50 ms | p99 ms | errors |"
echo "|---:|---:|---:|---:|---:|"
for connections in 1 16 64; do
  rps=(); p50=(); p99=(); errs=0
  for _ in $(seq 1 "$RUNS"); do
    threads=$(( connections < 2 ? 1 : 2 ))
    line=$(wrk -t"$threads" -c"$connections" -d"${SECONDS_PER_RUN}s" --latency -s bench/auth-get.lua \
      "http://127.0.0.1:$port/api/v1/me" | grep '^RESULT')
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
