#!/usr/bin/env bash
# `make run`: starts the release daemon on the example config (embedded SQLite
# under .run/state, demo camera), waits until it is healthy, prints where it
# listens and the bootstrap admin token, then stays in the foreground. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

config=config/checkpointd.yaml
bin=.build/release
state=.run/state
mkdir -p .run
url="http://127.0.0.1:8080"

# The demo camera (cameras/demo.yaml) plays a clip of a gate lane with synthetic
# plates; it is generated here, once, rather than committed.
if [[ ! -s .run/demo/checkpoint.mp4 ]]; then
  echo "generating the demo camera's clip (.run/demo/checkpoint.mp4)…"
  mkdir -p .run/demo
  scripts/make-demo-clip.sh .run/demo/checkpoint.mp4
fi

# A demo watchlist with one plate of the demo clip, so a passage raises an alert. Imported once.
if [[ ! -e .run/demo/watchlist-imported ]]; then
  mkdir -p .run/demo
  "$bin/checkpoint" watchlist import config/demo-watchlist.csv --config "$config" && touch .run/demo/watchlist-imported
fi

"$bin/checkpointd" --config "$config" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
  kill -0 $pid 2>/dev/null || { wait $pid; exit $?; }
  sleep 0.2
done

echo
echo "checkpointd is running at $url  (health: $url/healthz, API: $url/api/v1/openapi.yaml)"
if [[ -s $state/bootstrap-admin.token ]]; then
  echo "bootstrap admin token (keep it secret; it is also in $state/bootstrap-admin.token):"
  echo "  $(cat $state/bootstrap-admin.token)"
  echo "try: curl -H \"Authorization: Bearer \$(cat $state/bootstrap-admin.token)\" $url/api/v1/me"
else
  echo "no bootstrap token file; mint one with: $bin/checkpoint token create --role admin --name me --config $config"
fi
if [[ -s $state/bootstrap-admin.password ]]; then
  echo "staff pages: $url/  (user: admin, password: $(cat $state/bootstrap-admin.password))"
fi
echo "demo camera: curl -H \"Authorization: Bearer \$(cat $state/bootstrap-admin.token)\" $url/api/v1/cameras/demo/snapshot.jpg -o demo.jpg"
echo "lane view (the demo camera's vehicles as they pass): $url/lane?checkpoint=main-gate&lane=1"
echo "security centre (the demo watchlist alert and its case): $url/security"
echo "entry records: curl -H \"Authorization: Bearer \$(cat $state/bootstrap-admin.token)\" $url/api/v1/entries"
echo "alerts:        curl -H \"Authorization: Bearer \$(cat $state/bootstrap-admin.token)\" $url/api/v1/alerts"
echo "Ctrl-C stops the daemon."
echo
wait $pid
