#!/usr/bin/env bash
# The quality runs behind README's results table: pretrain each recipe on the 60,000-image
# Fashion-MNIST training split (about 15 minutes each on 2 cores), then kNN and linear probe on the
# 10,000-image test split beside the raw-pixel and random-init baselines. Run nothing else that uses
# the CPU meanwhile: libtorch's threads slow down ~10x when another process shares the cores.
#   scripts/quality.sh                       # the first four recipes with the selected settings
#   METHODS="instdisc byol simsiam simclr-v2 swav moco-v3 dino" scripts/quality.sh  # later recipes
#   METHODS="simclr" EPOCHS=5 LR=0.3 scripts/quality.sh
#   METHODS=cmc-audio scripts/quality.sh      # CMC image + spoken class name (makes the speech corpus first)
# CONTRASTREAM_THREADS=1 gives libtorch one thread (two runs side by side on 2 cores without oversubscription).
set -euo pipefail
cd "$(dirname "$0")/.."
fm=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
cs=deploy/bin/contrastream
out=${OUT:-runs/quality}
batch=${BATCH:-128}
mkdir -p "$out"
for method in ${METHODS:-moco-v2 simclr moco-v1 invaspread}; do
  extra=()
  # settings chosen on held-out training images by scripts/select-hparams.sh (see README)
  # (lr 0.06 won or tied for every method); epochs fill about 15 minutes at each method's speed here
  case "$method" in
    moco-v2) epochs=6 ;;
    moco-v1) epochs=7 ;;
    simclr) epochs=4 ;;
    invaspread) epochs=5 ;;
    # later recipes: epochs for about the same compute as the first ones, from the encoder passes per
    # record of each step (a backward pass counts 2): InstDisc 3, MoCo v2 4, SimCLR / SimSiam 6,
    # BYOL / MoCo v3 / DINO 8 (two views online, two through the target); lr at each recipe's default
    # InstDisc: the first recipes' wall-clock budget (446-528 s) instead of their passes (8 epochs, 332 s):
    # its memory bank moves once per epoch (README)
    instdisc) epochs=12 ;;
    simsiam | simclr-v2 | cmc | cmc-audio) epochs=4 ;; # CMC: two encoders, one view each = SimCLR's passes
    byol | moco-v3) epochs=3 ;;
    # multi-crop (4 small crops of 14 px = 1/4 of a large crop's pixels each): SwAV 6 + 3 = 9 passes per
    # record, 3 epochs (27, SimCLR's 4 x 6 = 24); DINO 8 + 3 = 11, 2 epochs (22)
    swav) epochs=3 ;;
    dino) epochs=2 ;;
    *) epochs=4 ;;
  esac
  encoder=resnet-small
  [[ "$method" == moco-v3 ]] && encoder=${MOCO_V3_ENCODER:-vit-tiny-frozen} # the paper's ViT, frozen patch projection
  [[ "$method" == dino ]] && encoder=${DINO_ENCODER:-resnet-small} # DINO_ENCODER=vit-tiny for the ViT row
  epochs=${EPOCHS:-$epochs}
  data="fashion-mnist:$fm:train"
  run_method=$method
  if [[ "$method" == cmc-audio ]]; then # the image paired with an utterance of its class name
    speech=${SPEECH_DIR:-$out/fm-speech}
    [[ -d "$speech" ]] || $cs make-speech --out "$speech" --vocabulary fashion-mnist --speakers 12 --per-word 5 >/dev/null
    data="fashion-mnist-spoken:$fm:train:$speech"
    run_method=cmc
    extra+=(--set cmc-views=intensity,audio)
  fi
  case "$method" in
    moco-v1 | moco-v2 | simclr | invaspread) extra=(--set "lr=${LR:-0.06}") ;;
    *) extra+=(--set "seed=42") ;;
  esac
  dir="$out/$method"
  start=$(date +%s)
  $cs pretrain --method "$run_method" --data "$data" --epochs "$epochs" --batch "$batch" \
    --encoder "$encoder" --out "$dir" "${extra[@]}" > "$dir.pretrain.log" 2>&1
  mid=$(date +%s)
  line=$($cs eval --model "$dir" --train-data "fashion-mnist:$fm:train" --test-data "fashion-mnist:$fm:test" \
    2>"$dir.eval.log" | tail -1)
  end=$(date +%s)
  echo "$method encoder=$encoder epochs=$epochs batch=$batch ${extra[*]} pretrain_s=$((mid - start)) eval_s=$((end - mid)) $line" \
    | tee -a "$out/results.txt"
  if [[ "$method" == cmc-audio ]]; then
    $cs cross-modal-eval --model "$dir" --data "fashion-mnist-spoken:$fm:test:$speech" 2>"$dir.xm.log" | tail -1 \
      | sed "s/^/$method /" | tee -a "$out/results.txt"
  fi
done
