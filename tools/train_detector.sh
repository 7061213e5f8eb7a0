#!/usr/bin/env bash
# Sets up tools/.venv (if missing) and retrains the plate detector with the default seed,
# writing Sources/PlateReader/Resources/detector.cpdm.  Extra arguments go to the trainer.
# (tools/train.sh does the same for the character recogniser.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/.venv/bin/python ]; then
    python3 -m venv tools/.venv
    tools/.venv/bin/pip install --quiet -r tools/requirements.txt
fi
exec tools/.venv/bin/python -u tools/train_detector.py --seed 1 \
    --out Sources/PlateReader/Resources/detector.cpdm "$@"
