#!/usr/bin/env bash
# The GPU checks as one prepared script, for a machine with an NVIDIA GPU and a CUDA build of torch.
# Run from the repository root:  bash benchmarks/gpu_check.sh   (logs go to $OUT, default ./gpu-check)
# 1. what the machine has; 2. the engine benchmark at the paper's scale (n = 1000, d = 784, m = 4000):
# engine vs naive autograd (and torchdeq when installed), lower bound, peak GPU memory; 3. three GD steps
# of `verifier run` at that scale on the torch backend, against one numpy step on the CPU (same seed: the
# losses of step 0 and 1 must agree to 1e-10).
set -uo pipefail
# A smoke test of the script itself on a CPU machine: DEVICE=cpu N=40 D=8 M=64 bash benchmarks/gpu_check.sh
OUT="${OUT:-gpu-check}"
DEVICE="${DEVICE:-cuda}"; N="${N:-1000}"; D="${D:-784}"; M="${M:-4000}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || echo "nvidia-smi: not found"
  python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())" \
    || { echo "torch is not importable: pip install torch (a CUDA build)"; exit 2; }
  python -c "import verifier" 2>/dev/null || python -m pip install -q -e ".[torch]" || exit 2
} 2>&1 | tee "$OUT/env.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 2

if [ "$DEVICE" = cuda ]; then
  timeout 420 python benchmarks/bench_engine.py --device cuda 2>&1 | tee "$OUT/bench_engine_cuda.log"
fi

ARGS=(--data "synthetic:n=$N,d=$D" --width "$M" --no-audit --no-certify --ntk-every 0 --quiet --force)
timeout 300 verifier run "${ARGS[@]}" --steps 3 --backend torch --device "$DEVICE" --out "$OUT/run_cuda" 2>&1 | tee "$OUT/run_cuda.log"
timeout 300 verifier run "${ARGS[@]}" --steps 1 --out "$OUT/run_cpu" 2>&1 | tee "$OUT/run_cpu.log"
python - "$OUT" <<'PY' 2>&1 | tee "$OUT/compare.log"
import json, sys
import numpy as np
out = sys.argv[1]
a = np.load(f"{out}/run_cuda/trajectory.npz")["loss"]
b = np.load(f"{out}/run_cpu/trajectory.npz")["loss"]
s = json.load(open(f"{out}/run_cuda/summary.json"))
d = float(np.max(np.abs(a[:2] - b[:2]) / b[:2]))
print(f"torch losses {a}, numpy {b}; max relative difference of steps 0-1: {d:.2e} ({'ok' if d < 1e-10 else 'MISMATCH'}: < 1e-10)")
print(f"torch training {s['run']['train_seconds']:.2f} s for {s['run']['steps_recorded']} records")
PY
