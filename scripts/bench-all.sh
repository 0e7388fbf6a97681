#!/usr/bin/env bash
# Every benchmark of BENCHMARKS.md in one run, one after the other, nothing else on the machine
# (libtorch's OpenMP threads slow down several-fold when another process shares the cores).
# Results: runs/bench/*.txt. About 25 minutes on 2 cores.
#   needs Debian's python3-torch and libopenblas0-pthread (the PyTorch peer of B1, the roofline)
set -euo pipefail
cd "$(dirname "$0")/.."
out=runs/bench
mkdir -p "$out"
cs=deploy/bin/contrastream
# both sides of B1 run with glibc keeping freed memory (the launcher's default, see BENCHMARKS.md)
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296}
header() {
  echo "# $(date -u +%FT%TZ) nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
    "family=$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) mem=$(free -g | awk '/Mem:/{print $2}')GiB" \
    "GLIBC_TUNABLES=$GLIBC_TUNABLES"
}
$cs --help > /dev/null # builds the distribution first if needed, outside every timing

header | tee "$out/b1.txt"
for round in 1 2; do
  CONTRASTREAM_THREADS=2 $cs bench step 2>/dev/null | tee -a "$out/b1.txt"
  OMP_NUM_THREADS=2 /usr/bin/python3 bench/pytorch_step.py | tee -a "$out/b1.txt"
done
OMP_NUM_THREADS=2 /usr/bin/python3 bench/roofline.py --b1 "$out/b1.txt" | tee "$out/roofline.txt"

header | tee "$out/b2.txt"
CONTRASTREAM_THREADS=2 $cs bench pipeline --methods moco-v2 --batches 128 --records 19200 --warm 10 \
  --set publish-every=10 2>/dev/null | tee -a "$out/b2.txt"

header | tee "$out/b3.txt"
# steady 500 records/s for 60 s per checkpoint interval; the trainer samples a quarter of them
CONTRASTREAM_THREADS=2 $cs bench feed --methods moco-v2 --batches 128 --records 30000 --rate 500 --warm 10 \
  --checkpoint-intervals 1000,5000 --set train-sample=0.25 2>/dev/null | tee -a "$out/b3.txt"
# as fast as the job goes, pre-filled input: embeddings/s
CONTRASTREAM_THREADS=2 $cs bench feed --methods moco-v2 --batches 128 --records 19200 --rate 0 --warm 10 \
  --checkpoint-intervals 1000 --set train-sample=0.25 2>/dev/null | tee -a "$out/b3.txt"

header | tee "$out/b4.txt"
mvn -q -B -o -pl flink-jobs test -Dtest=StateScaleBenchmark -Dcontrastream.bench=true \
  -Dsurefire.failIfNoSpecifiedTests=false 2>/dev/null | grep '^b4' | tee -a "$out/b4.txt" || true
python3 - "$out/b4.txt" <<'PY' || true
import re, sys, glob
# surefire captures stdout into the report: copy the b4 lines from there when mvn -q printed none
lines = [l for l in open(sys.argv[1]) if l.startswith("b4")]
if not lines:
    for f in glob.glob("flink-jobs/target/surefire-reports/TEST-*StateScaleBenchmark.xml"):
        for l in open(f).read().splitlines():
            if l.startswith("b4"):
                open(sys.argv[1], "a").write(l + "\n"); print(l)
PY

header | tee "$out/b5.txt"
CONTRASTREAM_THREADS=1 $cs bench augment 2>/dev/null | tee -a "$out/b5.txt"

header | tee "$out/b6.txt"
# poison at volume: pre-filled input with 0 or 1 bad record (corrupt, oversized, 2^40-pixel header,
# wrong channels, not Avro) after every image; embeddings/s of the valid images, alternated A B A B
for poison in 0 1 0 1; do
  CONTRASTREAM_THREADS=2 $cs bench feed --methods moco-v2 --batches 128 --records 9600 --rate 0 --warm 5 \
    --checkpoint-intervals 1000 --poison "$poison" --set train-sample=0.25 2>/dev/null | tee -a "$out/b6.txt"
done
