#!/usr/bin/env bash
# Sets up tools/.venv (if missing) and retrains the plate recogniser with the default seed,
# writing Sources/PlateReader/Resources/recognizer.cpdm.  Extra arguments go to the trainer.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/.venv/bin/python ]; then
    python3 -m venv tools/.venv
    tools/.venv/bin/pip install --quiet -r tools/requirements.txt
fi
exec tools/.venv/bin/python tools/train_recognizer.py --seed 1 \
    --out Sources/PlateReader/Resources/recognizer.cpdm "$@"
