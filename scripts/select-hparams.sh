#!/usr/bin/env bash
# Hyper-parameter selection on data held out of the training split (never the test split):
# pretrain on training images [0, 10000) for 2 epochs, then weighted kNN of images [55000, 60000)
# against [0, 10000). Prints one line per candidate; results go to runs/select/.
set -euo pipefail
cd "$(dirname "$0")/.."
fm=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
cs=deploy/bin/contrastream
out=runs/select
mkdir -p "$out"
run() { # method tag extra-args...
  local method=$1 tag=$2; shift 2
  local dir="$out/$method-$tag"
  $cs pretrain --method "$method" --data "fashion-mnist:$fm:train@0:10000" --epochs 2 --batch 128 --out "$dir" "$@" \
    > "$dir.pretrain.log" 2>&1
  local line
  line=$($cs eval --model "$dir" --train-data "fashion-mnist:$fm:train@0:10000" \
    --test-data "fashion-mnist:$fm:train@55000:60000" --probe-epochs 10 2>"$dir.eval.log" | tail -1)
  echo "$method $tag $line" | tee -a "$out/results.txt"
}
for method in ${METHODS:-moco-v2 simclr moco-v1 invaspread}; do
  for lr in ${LRS:-0.06 0.3 1.0}; do
    run "$method" "lr$lr" --set "lr=$lr"
  done
done
