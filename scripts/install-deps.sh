#!/usr/bin/env bash
# Installs the Debian packages checkpointd needs that this machine lacks.
# Usage: scripts/install-deps.sh [build|run|test|bench]   (default: run)
# Idempotent: packages already present are left alone; apt runs only if something is missing.
set -euo pipefail

purpose="${1:-run}"
build=(pkg-config libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libjpeg-dev libturbojpeg0-dev libqrencode-dev libsqlite3-dev)
# ffmpeg and the CJK font make the demo camera's clip (scripts/make-demo-clip.sh).
run=(ffmpeg curl ca-certificates fonts-noto-cjk fonts-dejavu-core)
# GStreamer's RTSP server serves real RTSP streams on loopback (scripts/rtsp-serve.py).
rtsp=(python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
test=(systemd ffmpeg curl chromium chromium-driver zbar-tools fonts-dejavu-core sqlite3 "${rtsp[@]}")
bench=(wrk curl "${rtsp[@]}")

wanted=("${build[@]}")
case "$purpose" in
  build) ;;
  run) wanted+=("${run[@]}") ;;
  test) wanted+=("${run[@]}" "${test[@]}") ;;
  bench) wanted+=("${run[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|run|test|bench]" >&2; exit 64 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "run as root, or install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null && [[ ! -x /opt/swift/usr/bin/swift ]]; then
  echo "the Swift 6 toolchain is missing: install it (swift.org) so that 'swift' is on PATH or at /opt/swift/usr/bin" >&2
  exit 1
fi
