#!/usr/bin/env bash
# Benchmarks B1 (trainer step: ours vs plain PyTorch, same model and step) and B5 (augmentation),
# one after the other in one run, nothing else on the machine. Results: runs/bench/*.txt
#   needs Debian's python3-torch and libopenblas0-pthread (a fair BLAS for PyTorch; see NOTES-stack)
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/bench
mkdir -p "$out"
{ echo "# $(date -u +%FT%TZ) nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# mem=$(free -g | awk '/Mem:/{print $2}')GiB torch=$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
} | tee "$out/b1.txt"
for round in 1 2; do
  CONTRASTREAM_THREADS=2 deploy/bin/contrastream bench step 2>/dev/null | tee -a "$out/b1.txt"
  OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_step.py | tee -a "$out/b1.txt"
done
CONTRASTREAM_THREADS=1 deploy/bin/contrastream bench augment 2>/dev/null | tee "$out/b5.txt"
