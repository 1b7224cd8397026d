#!/usr/bin/env bash
# GPU check (the trainer issue): one prepared script, under 10 minutes on one GPU.
# Installs the project with CUDA wheels, then trains the §5 model and the nanoGPT
# Transformer recipe in float32 and mixed precision, and prints tokens/s and model FLOP
# utilisation against the GPU's peak. Run from the repository root:
#   bash bench/gpu_check.sh            # needs ../shared/data for Tiny Shakespeare / PTB
# Results go to stdout and to ${OUT:-/tmp}/gpu_check.json.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${OUT:-/tmp}
python3 -m venv /tmp/gpu-venv
/tmp/gpu-venv/bin/python -m pip install --quiet --upgrade pip
/tmp/gpu-venv/bin/python -m pip install --quiet "tensorflow[and-cuda]>=2.16" -r requirements.txt
/tmp/gpu-venv/bin/python -m pip install --quiet --no-deps -e .
export TF_CPP_MIN_LOG_LEVEL=3
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
SHAKES=../shared/data/tinyshakespeare/input.txt
PTB=../shared/data/ptb/ptb.train.txt.gz
[ -f "$SHAKES" ] || SHAKES=data/corpus.en.txt
[ -f "$PTB" ] || PTB=data/corpus.en.txt
/tmp/gpu-venv/bin/python bench/gpu_check.py --shakespeare "$SHAKES" --ptb "$PTB" --out "$OUT_DIR"
