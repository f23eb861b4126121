#!/usr/bin/env bash
# Regenerates every sweep in docs/tuning/ with `host sweep` (one directory each: sweep.md,
# sweep.json, sweep.csv and the plot), measured on validation pairs from the MNIST training
# split, never the test split:
# - the recipes' choices: each architecture's learning rate (and auxiliary weight) on
#   1,000 hold-out pairs per round; each grid extends past the chosen value on both sides;
# - the 2020 student project's explorations of siamese-aux (weight decay, epochs, the
#   widths of both convolutions and of the hidden layer) by 5-fold cross-validation.
# About 8 minutes on 2 cores.
#
#     bash docs/tuning/regenerate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p host --quiet
sweep() {
  local arch=$1 param=$2
  shift 2
  target/release/host sweep --arch "$arch" --param "$param" --out "docs/tuning/$arch-$param" --quiet "$@" > /dev/null
  echo "docs/tuning/$arch-$param/sweep.md"
}
# The recipes' choices (hold-out pairs, 4 rounds).
sweep mlp lr --values 0.0005,0.001,0.002,0.004
sweep convnet lr --values 0.0005,0.001,0.002,0.004
sweep siamese lr --values 0.002,0.004,0.008,0.016
sweep aux lr --values 0.002,0.004,0.008,0.016
sweep aux aux-weight --values 1,3,10
sweep siamese-aux lr --values 0.002,0.004,0.008,0.016
sweep siamese-aux aux-weight --values 1,3,10
sweep tiny lr --values 0.004,0.008,0.016,0.032
sweep tiny aux-weight --values 1,3,10
sweep best lr --values 0.002,0.004,0.008,0.016
# The student project's explorations of siamese-aux (5-fold cross-validation, 2 rounds).
sweep siamese-aux weight-decay --values 0,0.00001,0.0001,0.001 --folds 5 --rounds 2
sweep siamese-aux epochs --values 10,25,50 --folds 5 --rounds 2
sweep siamese-aux conv1-channels --values 16,32,64 --folds 5 --rounds 2
sweep siamese-aux conv2-channels --values 32,64,128 --folds 5 --rounds 2
sweep siamese-aux hidden-units --values 100,200,400 --folds 5 --rounds 2
