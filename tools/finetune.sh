#!/usr/bin/env bash
# Fine-tunes a recogniser once per seed and averages the runs (tools/README.md, "Fine-tuning").
#   tools/finetune.sh BASE.cpdm OUT.cpdm [SEED...]        (seeds default to 1 2 3)
# Each run: 3,000 steps at lr 1e-3 from BASE on the data of its seed (about 22 minutes on 2 cores).
# Extra trainer options go in FINETUNE_ARGS. The runs are kept next to OUT as OUT.seedN.cpdm with logs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: tools/finetune.sh BASE.cpdm OUT.cpdm [SEED...]" >&2; exit 2; }
base=$1 out=$2
shift 2
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
if [ ! -x tools/.venv/bin/python ]; then
    python3 -m venv tools/.venv
    tools/.venv/bin/pip install --quiet -r tools/requirements.txt
fi
runs=()
for seed in "${seeds[@]}"; do
    run="${out%.cpdm}.seed$seed.cpdm"
    # shellcheck disable=SC2086
    tools/.venv/bin/python -u tools/train_recognizer.py --seed "$seed" --init "$base" --steps 3000 --lr 1e-3 \
        ${FINETUNE_ARGS:-} --out "$run" 2>&1 | tee "${run%.cpdm}.log"
    runs+=("$run")
done
if [ ${#runs[@]} -eq 1 ]; then cp "${runs[0]}" "$out"; else tools/.venv/bin/python tools/average_models.py --out "$out" "${runs[@]}"; fi
